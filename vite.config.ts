import { crx } from '@crxjs/vite-plugin';
import { configDefaults, defineConfig } from 'vitest/config';
// minimum_chrome_version "116": from Chrome 116 on, WebSocket messages keep an extension
// service worker alive, if one flows at least every 30 s. The relay sends one every 20 s.
import manifest from './manifest.json' with { type: 'json' };

// `vite build` builds the extension into dist/extension; `vite build --mode console` builds the
// supervisor console (relay/console/) into dist/console, which the relay serves at `/`.
export default defineConfig(({ mode }) =>
  mode === 'console'
    ? {
        root: 'relay/console',
        base: './',
        build: { outDir: '../../dist/console', emptyOutDir: true, sourcemap: false },
      }
    : {
        // Vitest loads this file too; the extension plugin is only for `vite build`.
        plugins: process.env.VITEST ? [] : [crx({ manifest })],
        build: {
          outDir: 'dist/extension',
          emptyOutDir: true,
          // Readable code in the unpacked extension: reviewers and QA read it.
          minify: false,
          sourcemap: false,
          // Pages the manifest does not name: the contact chooser (opened by the worker).
          rollupOptions: { input: { choose: 'extension/choose.html' } },
        },
        test: {
          include: ['relay/**/*.test.ts', 'shared/**/*.test.ts', 'extension/**/*.test.ts'],
          // Minutes long: its own run, `npm run test:image` (vitest.image.config.ts).
          exclude: [...configDefaults.exclude, 'relay/tests/docker-image.test.ts'],
          // Two cores: integration tests start real relays, keep them from starving each other.
          maxWorkers: 2,
          testTimeout: 20_000,
          // Every temporary folder of the run under one, removed at the end.
          globalSetup: ['relay/tests/temp-root.ts'],
        },
      },
);
