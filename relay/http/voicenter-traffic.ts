import type { LastVoicenterRequest } from '../../shared/console';
import type { Logger } from '../platform/log';

/** Warnings of one kind (a wrong token, unreadable input) written at most this often; the rest counted. */
const WARN_EVERY_MS = 10_000;
/** Requests answered alike tell the Live page at most this often (its clock counts the seconds since). */
const TELL_SAME_EVERY_MS = 5_000;

/**
 * What this relay last heard from Voicenter's pop-up URL, for the console's Live page ("is
 * Voicenter calling us at all, and how was it answered?"), and the warnings about what it could
 * not take — each kind at most once in ten seconds, with how many were left unsaid, so a scanner
 * guessing tokens cannot flood the log.
 */
export class VoicenterTraffic {
  private lastRequest: LastVoicenterRequest | null = null;
  private readonly warned = new Map<string, { at: number; unsaid: number }>();
  private toldAt = 0;

  constructor(
    private readonly onChange: () => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** The request was answered with `status` (`code`: the error's CODE, when it was one). */
  answered(format: LastVoicenterRequest['format'], status: number, code?: string): void {
    const before = this.lastRequest;
    this.lastRequest = { at: this.now(), format, status, ...(code ? { code } : {}) };
    // The Live page is told of a new kind of answer at once, of more of the same once in a while:
    // a flood of requests must not become a flood of floor views.
    const same = before && before.format === format && before.status === status && before.code === code;
    if (!same || this.lastRequest.at - this.toldAt >= TELL_SAME_EVERY_MS) {
      this.toldAt = this.lastRequest.at;
      this.onChange();
    }
  }

  last(): LastVoicenterRequest | null {
    return this.lastRequest;
  }

  /** A warning about a request it could not take, written unless one of its kind was written lately. */
  warn(log: Logger, kind: string, fields: Record<string, unknown>, message: string): void {
    const now = this.now();
    const seen = this.warned.get(kind);
    if (seen && now - seen.at < WARN_EVERY_MS) {
      seen.unsaid++;
      return;
    }
    this.warned.set(kind, { at: now, unsaid: 0 });
    log.warn({ ...fields, ...(seen?.unsaid ? { alsoInTheLast10s: seen.unsaid } : {}) }, message);
  }
}
