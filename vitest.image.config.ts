import { defineConfig } from 'vitest/config';

// `npm run test:image`: the Dockerfile replayed (relay/tests/docker-image.test.ts). Minutes, not
// seconds (two npm installs, one compiling better-sqlite3), so not in `npm test`'s run: .ci/run
// runs it after it.
export default defineConfig({
  test: {
    include: ['relay/tests/docker-image.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 900_000,
    globalSetup: ['relay/tests/temp-root.ts'],
  },
});
