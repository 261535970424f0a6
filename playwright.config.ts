import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  // Each test starts its own Chromium and relay; two cores take one at a time well.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['list']] : [['list']],
  retries: 0,
  // Every temporary folder of the run (relays' data, Chromium profiles) under one, removed at the end.
  globalSetup: './relay/tests/temp-root.ts',
});
