import express from 'express';
import { buildAdvice } from '../platform/invocation';
import { sendError } from './errors';

/** The extension as this installation signs it (relay/scripts/package-extension.ts, built at start). */
export interface ExtensionPackage {
  id: string;
  version: string;
  crxPath: string;
}

const xml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Chrome's force-install from the relay itself: `ExtensionInstallForcelist =
 * "<id>;https://<relay>/extension/updates.xml"` reads the update manifest (gupdate XML), which
 * names the signed CRX3 served beside it.
 */
export function extensionUpdateRoutes(pkg: () => Promise<ExtensionPackage | null>): express.Router {
  const router = express.Router();
  const notBuilt = (res: express.Response) => sendError(res, 'NOT_FOUND', `the extension is not built on this relay: ${buildAdvice()}`);
  router.get('/extension/updates.xml', async (req, res) => {
    const p = await pkg();
    if (!p) return notBuilt(res);
    const codebase = `${req.protocol}://${req.get('host') ?? 'localhost'}/extension/screen-pop.crx`;
    res
      .type('application/xml')
      .set('Cache-Control', 'no-cache')
      .send(
        `<?xml version="1.0" encoding="UTF-8"?>\n<gupdate xmlns="http://www.google.com/update2/response" protocol="2.0">\n` +
          `  <app appid="${p.id}">\n    <updatecheck codebase="${xml(codebase)}" version="${xml(p.version)}" />\n  </app>\n</gupdate>\n`,
      );
  });
  router.get('/extension/screen-pop.crx', async (_req, res) => {
    const p = await pkg();
    if (!p) return notBuilt(res);
    res.type('application/x-chrome-extension').sendFile(p.crxPath);
  });
  return router;
}
