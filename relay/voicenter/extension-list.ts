import { z } from 'zod';

/**
 * The account's extensions, from Voicenter's extension list API (../shared/VOICENTER-REALTIME.md §3:
 * POST-JSON `code`, `showAll`; answers `{ERR, DESC, EXTENSIONS: [{SIP, Name, …}]}`; a wrong code
 * gives an empty list, so an empty list is reported as a likely wrong code).
 */
const answerSchema = z.looseObject({
  ERR: z.union([z.number(), z.string()]).transform(Number),
  DESC: z.string().max(500).optional(),
  EXTENSIONS: z.array(z.looseObject({ SIP: z.union([z.string(), z.number()]).transform(String), Name: z.string().max(200).nullable().optional() })).max(100_000).default([]),
});

export class ExtensionListError extends Error {}

const TIMEOUT_MS = 15_000;

export async function accountExtensions(service: { url: string; code: string }): Promise<{ extenUser: string; name: string }[]> {
  let res: Response;
  try {
    res = await fetch(service.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: service.code, showAll: 1 }),
      redirect: 'error',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    throw new ExtensionListError(`cannot reach Voicenter's extension list (${new URL(service.url).host}): ${(err as Error).message}`);
  }
  const parsed = answerSchema.safeParse(await res.json().catch(() => null));
  if (!res.ok || !parsed.success) throw new ExtensionListError(`Voicenter's extension list answered HTTP ${res.status} without a list`);
  if (parsed.data.ERR !== 0) throw new ExtensionListError(`Voicenter's extension list refused: ${parsed.data.ERR} ${parsed.data.DESC ?? ''}`.trim());
  if (parsed.data.EXTENSIONS.length === 0) throw new ExtensionListError('Voicenter listed no extension: is the code right (a wrong code gives an empty list)?');
  return parsed.data.EXTENSIONS.map((e) => ({ extenUser: e.SIP.trim(), name: (e.Name ?? '').trim() }));
}
