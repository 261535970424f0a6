// Room relay/scripts/: build and packaging steps run by npm scripts, not by the relay.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { openExtensionKey } from '../accounts/extension-key';
import { secretFile } from '../accounts/secrets';
import { packageExtension, signedExtension } from './package-extension';

/**
 * `npm run package`: the extension's packages for a store and for self-hosting, and the one
 * signed with this installation's key. (Its own file: the relay imports package-extension.ts, and
 * in the compiled relay a "was I run directly?" test there would be true at every start.)
 */
for (const kind of ['store', 'self-hosted'] as const) {
  const out = packageExtension(resolve('dist/extension'), resolve('dist'), kind);
  console.log(`Extension packaged (${kind}): ${out} (${(statSync(out).size / 1024).toFixed(0)} KB)`);
}
// Signed with this installation's key, as the relay serves it, when the key is here (RELAY_EXTENSION_KEY, or the data directory's).
const keyFile = process.env.RELAY_EXTENSION_KEY ?? resolve(process.env.RELAY_DATA_DIR ?? 'data', 'extension-key.pem');
if (existsSync(keyFile)) {
  const key = await openExtensionKey(secretFile(keyFile));
  const crxPath = resolve('dist', 'screen-pop.crx');
  await signedExtension(resolve('dist/extension'), keyFile, key.publicKey, crxPath);
  console.log(`Extension signed with this installation's key: ${crxPath} (id ${key.id})`);
} else {
  console.log(`No installation key at ${keyFile}: start the relay once (it makes one), or set RELAY_EXTENSION_KEY, for a signed .crx.`);
}
console.log('See README "Installing the extension for a whole company".');
