import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Fields that hold a phone number, masked unless RELAY_LOG_PHONES=full. */
const PHONE_FIELDS = ['phone', 'number', 'e164'] as const;
/** Free text that may quote a number (a CRM error with its request URL): runs of 7+ digits, dashes, spaces. */
const PHONE_IN_TEXT = /\+?\d[\d\s-]{5,}\d/g;

/** A phone number as logs show it by default: every digit but the last three hidden. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return digits.length <= 3 ? '*'.repeat(digits.length) : `${'*'.repeat(digits.length - 3)}${digits.slice(-3)}`;
}

/**
 * JSON logs (pino). Secrets never reach them: the pop-up token is cut from paths before logging
 * and fields named like secrets are censored. Phone numbers are masked unless `phones: 'full'`
 * (a supervisor tracing one caller can turn that on for a while).
 */
export function createLogger(level: string, options: { phones?: 'masked' | 'full'; destination?: DestinationStream } = {}): Logger {
  const masked = (options.phones ?? 'masked') === 'masked';
  return pino(
    {
      level,
      redact: { paths: ['password', 'token', '*.password', '*.token', 'req.headers.authorization'], censor: '[secret]' },
      formatters: masked
        ? {
            log(object) {
              const out: Record<string, unknown> = { ...object };
              for (const key of PHONE_FIELDS) if (typeof out[key] === 'string') out[key] = maskPhone(out[key]);
              for (const key of ['err', 'detail', 'error']) {
                if (typeof out[key] === 'string') out[key] = out[key].replace(PHONE_IN_TEXT, maskPhone);
              }
              return out;
            },
          }
        : {},
    },
    options.destination,
  );
}

/** The path as it may be logged: the secret segment of /voicenter/<token> hidden. */
export function loggablePath(path: string): string {
  return path.replace(/^\/voicenter\/[^/?]*/, '/voicenter/[token]').replace(/\?.*$/, '');
}
