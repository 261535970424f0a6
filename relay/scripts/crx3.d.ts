// crx3 (npm) ships no types: the part this project uses.
declare module 'crx3' {
  import type { Readable } from 'node:stream';
  interface Crx3Options {
    keyPath: string;
    crxPath: string;
  }
  export default function crx3(zip: Readable, options: Crx3Options): Promise<{ appId: string }>;
}
