import { existsSync } from 'node:fs';
import express from 'express';
import helmet from 'helmet';
import { buildAdvice } from '../platform/invocation';
import { projectPath } from '../platform/project-root';
import { sendError } from './errors';

/** Where `npm run build` puts the console (vite, relay/console/). */
export const CONSOLE_DIR = projectPath('dist/console');

/**
 * The supervisor console at `/`: static files built by vite. Strict headers: the console runs
 * only its own script, talks only to its own origin, and is never framed (clickjacking).
 */
export function serveConsole(dir = CONSOLE_DIR): express.Router {
  const router = express.Router();
  router.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          formAction: ["'self'"],
        },
      },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
      // HSTS is the relay's own, sent under TLS only (http/routes.ts).
      strictTransportSecurity: false,
    }),
  );
  router.use(express.static(dir, { index: 'index.html', maxAge: 0 }));
  router.get('/', (_req, res) => {
    // Only reached when the console is not built.
    if (existsSync(dir)) sendError(res, 'NOT_FOUND', 'not found');
    else sendError(res, 'UNAVAILABLE', `the console is not built: ${buildAdvice()}`);
  });
  return router;
}
