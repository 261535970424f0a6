import type { CallView, Identity } from '../shared/messages';
import { storedGroup } from './storage';

/**
 * The calls as this browser knows them. In storage.session (while Chrome runs; a worker restart
 * keeps them, a browser restart starts with none live): the calls still ringing or in progress, and
 * those whose CRM page was opened by itself (so it happens once). In storage.local (kept across
 * browser restarts): the recent calls the popup lists, the missed calls not yet seen (the badge),
 * and when the relay last said calls may have been missed.
 */

export const RECENT_LIMIT = 50;

interface ThisSession {
  /** Calls still ringing or in progress, by ivrid. */
  live: Record<string, CallView>;
  /** Calls whose CRM page was already opened by itself. */
  autoOpened: Record<string, true>;
}
const thisSession = storedGroup<ThisSession>('session', 'call-book', { live: {}, autoOpened: {} });

interface Kept {
  /** Recent calls, newest first. */
  recent: CallView[];
  /** Missed calls not yet seen (the toolbar badge). */
  missed: number;
  /** When the relay said calls may have been missed (continuity lost); 0 when it never did. */
  continuityLostAt: number;
}
const kept = storedGroup<Kept>('local', 'call-book', { recent: [], missed: 0, continuityLostAt: 0 });

export const liveCalls = (): Promise<Record<string, CallView>> => thisSession.get('live');
export const setLiveCalls = (live: Record<string, CallView>): Promise<void> => thisSession.set({ live });

export const recentCalls = (): Promise<CallView[]> => kept.get('recent');

/** A call by its ivrid: live, else among the recent ones. */
export async function findCall(ivrid: string): Promise<CallView | undefined> {
  return (await liveCalls())[ivrid] ?? (await recentCalls()).find((c) => c.ivrid === ivrid);
}

/** The call's newest view in the recent list (added when new), newest first, at most RECENT_LIMIT. */
export async function recordView(call: CallView): Promise<void> {
  const recent = await recentCalls();
  const index = recent.findIndex((c) => c.ivrid === call.ivrid);
  if (index >= 0) recent[index] = { ...recent[index]!, ...call };
  else recent.unshift(call);
  await keepRecent(recent);
}

/** A slow lookup's answer for a call no longer live: filled in where the recent list has it. */
export async function recordIdentity(ivrid: string, identity: Identity): Promise<void> {
  const recent = await recentCalls();
  const index = recent.findIndex((c) => c.ivrid === ivrid);
  if (index >= 0) recent[index] = { ...recent[index]!, identity };
  await keepRecent(recent);
}

async function keepRecent(recent: CallView[]): Promise<void> {
  recent.sort((a, b) => b.startedAt - a.startedAt);
  await kept.set({ recent: recent.slice(0, RECENT_LIMIT) });
}

export const missedCount = (): Promise<number> => kept.get('missed');
export const setMissedCount = (missed: number): Promise<void> => kept.set({ missed });

export const continuityLostAt = (): Promise<number> => kept.get('continuityLostAt');
export const continuityLost = (at: number): Promise<void> => kept.set({ continuityLostAt: at });

/** True the first time it is asked for `ivrid`: its CRM page is opened by itself once. */
export async function firstAutoOpen(ivrid: string): Promise<boolean> {
  const opened = await thisSession.get('autoOpened');
  if (opened[ivrid]) return false;
  await thisSession.set({ autoOpened: { ...opened, [ivrid]: true } });
  return true;
}

/** The session ended: no call is live any more, and the lost-continuity warning goes (the recent list stays). */
export async function forgetSessionCalls(): Promise<void> {
  await kept.reset('continuityLostAt');
  await thisSession.reset('live');
}
