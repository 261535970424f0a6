import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { sendError } from './errors';

/** Where `npm run build` puts the console (vite, relay/console/). */
export const CONSOLE_DIR = fileURLToPath(new URL('../../dist/console', import.meta.url));

/**
 * The supervisor console at `/`: static files built by vite. Strict headers: the console runs
 * only its own script, talks only to its own origin, and is never framed (clickjacking).
 */
export function serveConsole(dir = CONSOLE_DIR): express.Router {
  const router = express.Router();
  router.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    res.set({
      'Content-Security-Policy':
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
    });
    next();
  });
  router.use(express.static(dir, { index: 'index.html', maxAge: 0 }));
  router.get('/', (_req, res) => {
    // Only reached when the console is not built.
    if (existsSync(dir)) sendError(res, 'NOT_FOUND', 'not found');
    else sendError(res, 'UNAVAILABLE', 'the console is not built: run npm run build (npm start does it)');
  });
  return router;
}
