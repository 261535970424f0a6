import type { CallView, ClientMessage, ServerMessage } from '../../shared/messages';
import type { Agent } from '../accounts/agents';
import type { CallTracker } from '../calls/call-tracker';
import type { Logger } from '../platform/log';
import type { Outbox } from './outbox';

export interface ResumeOptions {
  outbox: Outbox;
  calls: Pick<CallTracker, 'recentFor' | 'views'>;
  /** How long messages are kept for replay, and how far back a resync looks (ms). */
  windowMs: number;
  heartbeatMs: number;
  /** Click-to-call is set up (the hello says so). */
  clickToCall: boolean;
  /** Told how each resume was answered (metrics). */
  onResume?: (kind: 'replay' | 'resync') => void;
  log: Logger;
}

/**
 * What a connecting extension is told first, and what it gets when it says where it stopped:
 * the missed messages replayed from the outbox when they are all still kept in this epoch, else a
 * resync from the call log (the relay restarted, or the gap is past the window).
 */
export function resumption({ outbox, calls, windowMs, heartbeatMs, clickToCall, onResume, log }: ResumeOptions) {
  return {
    hello: (agent: Agent): ServerMessage => ({
      type: 'hello',
      seq: outbox.last(agent.id),
      epoch: outbox.epoch,
      agent: { extenUser: agent.extenUser, name: agent.name },
      heartbeatMs,
      clickToCall,
    }),
    resume: async (agent: Agent, { epoch, seq, since, open = [] }: Extract<ClientMessage, { type: 'resume' }>): Promise<(ServerMessage | string)[]> => {
      const missed = epoch === outbox.epoch ? outbox.since(agent.id, seq) : null;
      if (missed) {
        onResume?.('replay');
        return missed;
      }
      onResume?.('resync');
      const { complete, from } = resyncWindow(since, windowMs);
      log.info({ agent: agent.extenUser, complete }, 'resync');
      const recent = await calls.recentFor(agent.extenUser, from);
      const named = new Map(await Promise.all(notSent(open, recent).map(async (ivrid) => [ivrid, await calls.views(ivrid)] as const)));
      return [
        { type: 'resync', complete, since: from, seq: outbox.last(agent.id) },
        ...[...stillShown({ views: (ivrid) => named.get(ivrid) ?? new Map() }, agent.extenUser, open, recent), ...recent].map((call) => outbox.add(agent.id, { type: 'call', call })),
      ];
    },
  };
}

/**
 * The station's view of each call the extension still shows open that the resync's window leaves
 * out (its last news is older): ended meanwhile, it is told so. Only the agent's own station's
 * view: naming another call's id tells nothing.
 */
export function stillShown(calls: { views(ivrid: string): Map<string, CallView> }, station: string, open: readonly string[], recent: readonly CallView[]): CallView[] {
  return notSent(open, recent).flatMap((ivrid) => calls.views(ivrid).get(station) ?? []);
}

/** The calls the extension named open that the resync's window does not send already. */
export function notSent(open: readonly string[], recent: readonly CallView[]): string[] {
  const sent = new Set(recent.map((call) => call.ivrid));
  return [...new Set(open)].filter((ivrid) => !sent.has(ivrid));
}

/**
 * How far back a resync looks: from where the extension stopped when that is within the window
 * (then nothing is missing: `complete`), else the whole window (what came before it is lost).
 */
export function resyncWindow(since: number, windowMs: number, now = Date.now()): { complete: boolean; from: number } {
  const complete = since > 0 && now - since <= windowMs;
  return { complete, from: complete ? since : now - windowMs };
}
