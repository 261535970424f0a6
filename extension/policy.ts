import browser from 'webextension-polyfill';
import { z } from 'zod';
import { relayBases } from './relay-addresses';
import type { Preferences } from './storage';

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
