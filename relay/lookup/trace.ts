import type { Identity } from '../../shared/messages';
import type { RecordsRead } from './records';
import type { Candidate } from './verify';

/**
 * Why a source named nobody for one lookup, or was not asked. The chain decides on the kind
 * (what counts against the source, whether "nobody" may be remembered); the words a supervisor
 * reads are made from it once, when the step is noted, and never read back.
 */
export type SkipReason =
  /** It answered: nobody has this number there. */
  | { kind: 'no match' }
  /** It failed, or did not answer in time; `message` says how, never with its URL or credentials. */
  | { kind: 'error'; message: string }
  /** Not asked: its circuit breaker is open after repeated failures. */
  | { kind: 'circuit open' }
  /** Not asked: the CRM asked the relay to wait (429 Retry-After), this many seconds more. */
  | { kind: 'rate limited'; retryInSeconds: number }
  /** Not needed: a source before it in priority matched (its request, if any, was cut short). */
  | { kind: 'not needed' };

/** A step's outcome as shown (`lookup`, the console's trace) and counted (the metrics' `outcome` label). */
export type StepOutcome = 'matched' | 'none' | 'error' | 'skipped' | 'not needed';

interface StepBase {
  source: string;
  ms: number;
  /** Every record read from the source's answer, kept or dropped and why (sources that verify numbers). */
  candidates?: Candidate[];
  /** The answer held more records than are read: how many, and how many were read. */
  records?: RecordsRead;
}

/** What happened at one source for one lookup (shown by `lookup`, logged, counted). */
export type TraceStep = StepBase &
  ({ outcome: 'matched'; detail: string } | { outcome: Exclude<StepOutcome, 'matched'>; detail: string; reason: SkipReason });

export interface Traced {
  identity: Identity;
  steps: TraceStep[];
  cache: 'fresh' | 'stale' | 'miss' | 'not used';
}

/** A step where the source named nobody, with the words its reason is shown in. */
export function skippedStep(source: string, ms: number, reason: SkipReason, read: Pick<StepBase, 'candidates' | 'records'> = {}): TraceStep {
  return { source, ms, ...shown(reason), reason, ...read };
}

/** The outcome and detail a reason is shown as: the same words the trace has always had. */
function shown(reason: SkipReason): { outcome: Exclude<StepOutcome, 'matched'>; detail: string } {
  switch (reason.kind) {
    case 'no match':
      return { outcome: 'none', detail: '' };
    case 'error':
      return { outcome: 'error', detail: reason.message };
    case 'circuit open':
      return { outcome: 'skipped', detail: 'circuit open' };
    case 'rate limited':
      return { outcome: 'skipped', detail: `rate limited: asked again in ${reason.retryInSeconds} s` };
    case 'not needed':
      return { outcome: 'not needed', detail: '' };
  }
}
