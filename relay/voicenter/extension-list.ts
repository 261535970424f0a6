import { z } from 'zod';
import { askJson, BodyError, type JsonAnswer } from '../platform/bounded-body';

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

/**
 * The list, its last byte included, within these: an extension is listed in about 200 bytes, so
 * 8 MB holds some 40,000 of them, more than any account has.
 */
const LIMITS = { timeoutMs: 15_000, maxBytes: 8 * 1024 * 1024 };

export async function accountExtensions(service: { url: string; code: string }): Promise<{ extenUser: string; name: string }[]> {
  const host = new URL(service.url).host;
  let res: JsonAnswer;
  try {
    res = await askJson(service.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: service.code, showAll: 1 }) }, LIMITS);
  } catch (err) {
    if (err instanceof BodyError) throw new ExtensionListError(`Voicenter's extension list answer (${host}) cannot be read: ${err.message}`);
    throw new ExtensionListError(`cannot reach Voicenter's extension list (${host}): ${(err as Error).message}`);
  }
  const parsed = answerSchema.safeParse(res.json);
  if (!res.ok || !parsed.success) throw new ExtensionListError(`Voicenter's extension list answered HTTP ${res.status} without a list`);
  if (parsed.data.ERR !== 0) throw new ExtensionListError(`Voicenter's extension list refused: ${parsed.data.ERR} ${parsed.data.DESC ?? ''}`.trim());
  if (parsed.data.EXTENSIONS.length === 0) throw new ExtensionListError('Voicenter listed no extension: is the code right (a wrong code gives an empty list)?');
  return parsed.data.EXTENSIONS.map((e) => ({ extenUser: e.SIP.trim(), name: (e.Name ?? '').trim() }));
}
