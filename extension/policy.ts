import browser from 'webextension-polyfill';
import { z } from 'zod';
import { relayBases } from './relay-addresses';
import type { Preferences } from './preferences';

/**
 * What the organisation set through Chrome policy (the manifest's `storage.managed_schema`,
 * `3rdparty` extension policy): the relay's address(es) and when the CRM page opens, each
 * lockable. Chrome itself drops values of the wrong type (chrome://policy shows them); what is
 * of the right type but unusable (an address that is not one) is ignored here and said in words.
 */
export interface Policy {
  relayUrls: string[] | null;
  lockRelayUrls: boolean;
  openCrm: Preferences['openCrm'] | null;
  lockOpenCrm: boolean;
  /** Organisation settings that were ignored (the options page says them in words). */
  problems: { relayUrlsUnusable: string } | null;
}

const managedSchema = z.object({
  relayUrls: z.string().optional().catch(undefined),
  lockRelayUrls: z.boolean().optional().catch(undefined),
  openCrm: z.enum(['never', 'ringing', 'answer']).optional().catch(undefined),
  lockOpenCrm: z.boolean().optional().catch(undefined),
});

/**
 * How long a call's handling waits for Chrome's managed storage. Seen not to answer at all in a
 * worker Chrome had just started again after stopping it (headless Chromium 156, about one start
 * in three on a loaded machine): every message after it would wait behind it for good.
 */
const POLICY_WAIT_MS = 1_000;
/** The policy last read in this worker's lifetime; until one is read, nothing is set. */
let lastRead: Policy | null = null;

/** The organisation's policy, or — when Chrome does not answer within `waitMs` — the last one read. */
export async function policyWithin(waitMs = POLICY_WAIT_MS): Promise<Policy> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<Policy>((resolve) => {
    timer = setTimeout(() => resolve(lastRead ?? NO_POLICY), waitMs);
  });
  const read = getPolicy().then((policy) => (lastRead = policy));
  try {
    return await Promise.race([read, late]);
  } finally {
    clearTimeout(timer);
  }
}

const NO_POLICY: Policy = { relayUrls: null, lockRelayUrls: false, openCrm: null, lockOpenCrm: false, problems: null };

export async function getPolicy(): Promise<Policy> {
  let raw: unknown = {};
  try {
    raw = await browser.storage.managed.get();
  } catch {
    // No policy for this extension (or managed storage unavailable): nothing is set.
  }
  const policy = managedSchema.parse(raw ?? {});
  let problems: Policy['problems'] = null;
  let relayUrls: string[] | null = null;
  if (policy.relayUrls !== undefined) {
    relayUrls = relayBases(policy.relayUrls);
    if (!relayUrls) problems = { relayUrlsUnusable: policy.relayUrls.slice(0, 200) };
  }
  return {
    relayUrls,
    lockRelayUrls: Boolean(relayUrls && policy.lockRelayUrls),
    openCrm: policy.openCrm ?? null,
    lockOpenCrm: Boolean(policy.openCrm && policy.lockOpenCrm),
    problems,
  };
}

/** The agent's preference, unless the organisation locked it. */
export function effectiveOpenCrm(preferences: Preferences, policy: Policy): Preferences['openCrm'] {
  return policy.lockOpenCrm && policy.openCrm ? policy.openCrm : preferences.openCrm;
}
