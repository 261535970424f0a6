import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TokenPlace } from './secrets';

/** The key this installation signs its extension package with, and the extension id that follows from it. */
export interface ExtensionKey {
  /** PKCS#8 PEM: never logged, never served. */
  privateKeyPem: string;
  /** The public key as the manifest's `key` holds it (base64 of the DER SubjectPublicKeyInfo). */
  publicKey: string;
  /** 32 letters a–p: Chrome's id for an extension signed with this key. */
  id: string;
}

/**
 * Chrome's extension id for a public key: the first 128 bits of the SHA-256 of its DER
 * SubjectPublicKeyInfo, each hex digit written as a letter from a (0) to p (15).
 */
export function extensionIdOf(publicKeyDer: Buffer): string {
  return [...createHash('sha256').update(publicKeyDer).digest('hex').slice(0, 32)].map((d) => String.fromCharCode(97 + parseInt(d, 16))).join('');
}

/**
 * The installation's key: the PEM file the administrator gives (RELAY_EXTENSION_KEY), else the one
 * made on the first start and kept (`place`: the data directory, or the database's settings so
 * that several relays sign alike). A key in the repository would let anyone sign as us: never.
 */
export async function openExtensionKey(place: TokenPlace, givenFile?: string): Promise<ExtensionKey> {
  const pem =
    givenFile !== undefined
      ? readFileSync(givenFile, 'utf8')
      : ((await place.read()) ?? (await place.create(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string)));
  const privateKey = createPrivateKey(pem);
  const der = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  return { privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, publicKey: der.toString('base64'), id: extensionIdOf(der) };
}
