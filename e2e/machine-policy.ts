import { accessSync, constants, mkdirSync } from 'node:fs';
import { test } from '@playwright/test';

/** Debian's Chromium reads machine policies from here (root only); tests remove their files after. */
export const POLICIES = '/etc/chromium/policies/managed';

function canWritePolicies(): boolean {
  try {
    mkdirSync(POLICIES, { recursive: true });
    accessSync(POLICIES, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Writing a machine policy needs root, as CI runs; elsewhere the file's tests say why they do not run (CI never skips them). */
export function skipWithoutMachinePolicies(): void {
  test.skip(!canWritePolicies() && process.env.SCREENPOP_REQUIRE_SERVICES !== '1', `issue 13 (rollout by policy): these tests write a machine policy in ${POLICIES}, which needs root; run them as root (CI does)`);
}
