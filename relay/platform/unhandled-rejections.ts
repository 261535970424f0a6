import { Counter } from 'prom-client';
import type { Logger } from './log';

/** Kinds of reason told apart at most (a label each); any more are counted as `other`. */
const MAX_KINDS = 20;

/** One counter for the process, shown by every relay's /metrics (platform/metrics.ts). */
export const unhandledRejections = new Counter({
  name: 'screenpop_unhandled_rejections_total',
  help: 'Promises rejected with nothing to handle them (a bug: the work each stood for was lost; the relay went on), by kind of reason',
  labelNames: ['kind'] as const,
  registers: [],
});

/** The kind a rejection is counted and said under: its error's name (TypeError, ReplyError, …), or the reason's type. */
export function reasonKind(reason: unknown): string {
  if (reason instanceof Error) return /^\w{1,40}$/.test(reason.name) ? reason.name : 'Error';
  return reason === null ? 'null' : typeof reason;
}

/**
 * Node ends the process on a rejected promise that nothing handles (its default since Node 15):
 * one missed `.catch` would cut every call in flight and every browser connected, and again each
 * time the same input came back. The relay counts it instead (screenpop_unhandled_rejections_total)
 * and says it, with its stack, once per kind of reason. Returns the listener's removal.
 */
export function countUnhandledRejections(log: Logger): () => void {
  const said = new Set<string>();
  const listener = (reason: unknown) => {
    let kind = reasonKind(reason);
    if (!said.has(kind) && said.size >= MAX_KINDS) kind = 'other';
    unhandledRejections.inc({ kind });
    if (said.has(kind)) return;
    said.add(kind);
    const err = reason instanceof Error ? { message: reason.message, stack: reason.stack } : String(reason).slice(0, 1_000);
    log.error({ kind, err }, 'a promise was rejected and nothing handled it: counted in screenpop_unhandled_rejections_total, the relay goes on (said once per kind)');
  };
  process.on('unhandledRejection', listener);
  return () => void process.off('unhandledRejection', listener);
}
