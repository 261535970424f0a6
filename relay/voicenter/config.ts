import { z } from 'zod';
import { ConfigError, readConfigFile, secretFromEnv } from '../platform/config';

/**
 * Voicenter's own APIs, in the `voicenter:` section of the RELAY_CONFIG file (its token always
 * `${ENV}`, never in the file). See ../shared/VOICENTER-REALTIME.md for each endpoint.
 */

/** Voicenter's Token login for the Real-Time API (note §1.1). */
export const DEFAULT_LOGIN_URL = 'https://loginapi.voicenter.co.il/monitorAPI/Login/Token';
/** Click2Call (note §2). */
export const DEFAULT_CLICK2CALL_URL = 'https://api.voicenter.com/ForwardDialer/click2call.aspx';
/** The account's extensions (note §3). */
export const DEFAULT_EXTENSIONS_URL = 'https://monitor.voicenter.co.il/Comet/api/GetExtensions';

export interface VoicenterConfig {
  realtime: { token: string; loginUrl: string } | null;
  click2call: { code: string; url: string; perAgentPerMinute: number } | null;
  extensions: { code: string; url: string } | null;
}

export const NO_VOICENTER: VoicenterConfig = { realtime: null, click2call: null, extensions: null };

const httpsUrl = z.string().refine((u) => /^https?:\/\/[^\s]+$/i.test(u), 'must be an http:// or https:// URL');

function schema(env: NodeJS.ProcessEnv) {
  const secret = secretFromEnv(env);
  return z.strictObject({
    realtime: z.strictObject({ token: secret, loginUrl: httpsUrl.default(DEFAULT_LOGIN_URL) }).optional(),
    click2call: z
      .strictObject({ code: secret, url: httpsUrl.default(DEFAULT_CLICK2CALL_URL), perAgentPerMinute: z.number().int().min(1).max(60).default(6) })
      .optional(),
    extensions: z.strictObject({ code: secret, url: httpsUrl.default(DEFAULT_EXTENSIONS_URL) }).optional(),
  });
}

/** The `voicenter:` section; an error names the key (`voicenter.realtime.token: …`). */
export function loadVoicenterConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): VoicenterConfig {
  if (!file) return NO_VOICENTER;
  const raw = readConfigFile(file);
  const section = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>).voicenter : undefined;
  if (section === undefined || section === null) return NO_VOICENTER;
  const parsed = schema(env).safeParse(section);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${file}: voicenter.${i.path.map(String).join('.')}: ${i.message}`).join('\n'));
  }
  const { realtime, click2call, extensions } = parsed.data;
  return {
    realtime: realtime ?? null,
    click2call: click2call ?? null,
    // The extension list takes the same code as Click2Call unless given its own.
    extensions: extensions ?? (click2call ? { code: click2call.code, url: DEFAULT_EXTENSIONS_URL } : null),
  };
}
