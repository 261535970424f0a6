import type { CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import { IVRID, text, unixSeconds } from '../../shared/call-event';
import type { AgentPhoneStatus, QueueView, WaitingCaller } from '../../shared/console';
import type { Identity } from '../../shared/messages';
import { parsePhone, type Phone } from '../../shared/phone';

/**
 * What the Real-Time API tells the supervisor beyond calls: the callers waiting in each queue and
 * each extension's status (logged in, logged out, on a break), for the console's Live page.
 * Read from the greeting (loginStatus's queues, AllExtensionsStatus's extensions), then kept up to
 * date by QueueEvent and every ExtensionEvent (../shared/VOICENTER-REALTIME.md §1.5). Field names
 * are those of the capture [CAP]; the documented [DOC] and client [CM] spellings are read too.
 * Anything that does not parse is dropped, and the caller is told why.
 */

const MAX_QUEUES = 500;
const MAX_CALLERS_PER_QUEUE = 500;
const MAX_EXTENSIONS = 5_000;

const waitingCallSchema = z.looseObject({
  CallerID: text,
  CallerId: text,
  CallerName: text,
  CallerNme: text,
  IvrUniqueID: text,
  ivrid: text,
  JoinTimeStamp: unixSeconds,
});

const queueSchema = z.looseObject({
  QueueID: z.union([z.number(), z.string().max(64)]),
  QueueName: text,
  Calls: z.array(waitingCallSchema).max(MAX_CALLERS_PER_QUEUE).nullable().optional(),
});

const queueEventSchema = z.looseObject({
  reason: z.string().max(64),
  data: queueSchema,
  servertime: unixSeconds,
  serverTime: unixSeconds,
});

const greetingQueuesSchema = z.looseObject({
  queues: z.array(queueSchema).max(MAX_QUEUES).optional(),
  Queues: z.array(queueSchema).max(MAX_QUEUES).optional(),
  servertime: unixSeconds,
  serverTime: unixSeconds,
});

const extensionStatusSchema = z.looseObject({
  extenUser: z.string().min(1).max(256),
  userName: text,
  representativeStatus: z.number().nullable().optional(),
});

const extensionsGreetingSchema = z.looseObject({ extensions: z.array(z.unknown()).max(MAX_EXTENSIONS) });

/** `QueueEvent` reasons (note §1.5). */
const QUEUE_REASONS = new Set(['JOIN', 'EXIT', 'ANSWER', 'ABANDONED']);

/** representativeStatus: 1 logged in, 2 logged out, anything else a break (note §1.5, [NET]). */
function phoneStatusOf(status: number): AgentPhoneStatus {
  return status === 1 ? 'logged-in' : status === 2 ? 'logged-out' : 'break';
}

interface Waiting {
  ivrid: string;
  phone: Phone;
  callerName: string;
  joinedAt: number;
  identity: Identity | null;
}

interface Queue {
  id: string;
  name: string;
  callers: Waiting[];
  answered: number;
  abandoned: number;
}

export interface BoardOptions {
  /** Where numbers without a country code are. */
  country: CountryCode;
  /** Finds who a waiting caller is (the relay's lookup chain, with its cache). */
  identify?: (phone: Phone) => Identity | Promise<Identity>;
  /** Told whenever what the board shows changed. */
  onChange?: () => void;
  now?: () => number;
}

export type BoardRead = { ok: true } | { ok: false; why: string };

const unreadable = (err: z.ZodError): BoardRead => ({ ok: false, why: `unreadable: ${err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` });

export class RealtimeBoard {
  private readonly queues = new Map<string, Queue>();
  private readonly extensions = new Map<string, { status: AgentPhoneStatus; since: number }>();
  private readonly now: () => number;

  constructor(private readonly options: BoardOptions) {
    this.now = options.now ?? Date.now;
  }

  /** loginStatus at connect: every queue and its waiting callers, replacing what was known. */
  greeting(payload: unknown): BoardRead {
    const parsed = greetingQueuesSchema.safeParse(payload);
    if (!parsed.success) return unreadable(parsed.error);
    const serverNow = parsed.data.servertime ?? parsed.data.serverTime ?? null;
    const known = new Map(this.queues);
    this.queues.clear();
    for (const q of parsed.data.queues ?? parsed.data.Queues ?? []) this.setQueue(q, serverNow, known.get(String(q.QueueID)));
    this.options.onChange?.();
    return { ok: true };
  }

  /** QueueEvent: the queue after the change (JOIN includes the caller; EXIT, ANSWER, ABANDONED exclude it). */
  queueEvent(payload: unknown): BoardRead {
    const parsed = queueEventSchema.safeParse(payload);
    if (!parsed.success) return unreadable(parsed.error);
    const { reason, data } = parsed.data;
    if (!QUEUE_REASONS.has(reason)) return { ok: false, why: `unknown queue reason ${reason}` };
    const id = String(data.QueueID);
    const before = this.queues.get(id);
    if (!before && this.queues.size >= MAX_QUEUES) return { ok: false, why: 'too many queues' };
    const queue = this.setQueue(data, parsed.data.servertime ?? parsed.data.serverTime ?? null, before);
    if (reason === 'ANSWER') queue.answered++;
    if (reason === 'ABANDONED') queue.abandoned++;
    this.options.onChange?.();
    return { ok: true };
  }

  /** AllExtensionsStatus at connect: every extension's status. */
  extensionsGreeting(payload: unknown): BoardRead {
    const list = extensionsGreetingSchema.safeParse(payload);
    if (!list.success) return unreadable(list.error);
    for (const extension of list.data.extensions) this.setStatus(extension);
    this.options.onChange?.();
    return { ok: true };
  }

  /** Any ExtensionEvent: the status its `data` carries. */
  extensionEvent(payload: unknown): void {
    const data = (payload as { data?: unknown } | null)?.data;
    if (this.setStatus(data)) this.options.onChange?.();
  }

  /** The connection is gone: what it said is no longer known (the next greeting says it again). */
  forget(): void {
    if (this.queues.size === 0 && this.extensions.size === 0) return;
    this.queues.clear();
    this.extensions.clear();
    this.options.onChange?.();
  }

  queuesView(): QueueView[] {
    return [...this.queues.values()]
      .map((q) => ({ id: q.id, name: q.name, answered: q.answered, abandoned: q.abandoned, callers: q.callers.map((c): WaitingCaller => ({ ...c })) }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  phoneStatus(extenUser: string): { status: AgentPhoneStatus; since: number } | null {
    return this.extensions.get(extenUser) ?? null;
  }

  /** Replaces a queue's callers with those listed, keeping what was already known of each. */
  private setQueue(data: z.infer<typeof queueSchema>, serverNow: number | null, before: Queue | undefined): Queue {
    const id = String(data.QueueID);
    const queue: Queue = { id, name: data.QueueName || before?.name || id, callers: [], answered: before?.answered ?? 0, abandoned: before?.abandoned ?? 0 };
    const known = new Map(before?.callers.map((c) => [c.ivrid, c]));
    for (const call of data.Calls ?? []) {
      // The same rule as every source's ids: a waiting caller is keyed and shown by it.
      const ivrid = [call.ivrid, call.IvrUniqueID].find((id) => id !== undefined && IVRID.test(id));
      if (!ivrid) continue;
      const kept = known.get(ivrid);
      queue.callers.push(kept ?? this.newCaller(id, ivrid, call, serverNow));
    }
    this.queues.set(id, queue);
    return queue;
  }

  /**
   * A caller that just joined. The join time is on Voicenter's clock (server-local seconds): the
   * wait so far is taken against the event's own `servertime`, so neither clock nor time zone matters.
   */
  private newCaller(queueId: string, ivrid: string, call: z.infer<typeof waitingCallSchema>, serverNow: number | null): Waiting {
    const waitedMs = call.JoinTimeStamp && serverNow ? Math.max(0, serverNow - call.JoinTimeStamp) * 1000 : 0;
    const caller: Waiting = { ivrid, phone: parsePhone(call.CallerID || call.CallerId || '', this.options.country), callerName: call.CallerName || call.CallerNme || '', joinedAt: this.now() - waitedMs, identity: null };
    if (!caller.phone.withheld && this.options.identify) this.identify(queueId, caller);
    return caller;
  }

  /** Looks the waiting caller up in the background. */
  private identify(queueId: string, caller: Waiting): void {
    new Promise<Identity>((resolve) => resolve(this.options.identify!(caller.phone)))
      .then((identity) => {
        // (A caller's record is carried over from one queue state to the next: setting it here sets it on the board.)
        caller.identity = identity;
        // The caller may have left meanwhile: then nothing shown changed.
        if (this.queues.get(queueId)?.callers.includes(caller)) this.options.onChange?.();
      })
      .catch(() => {
        // Nothing to add: the chain logs its own failures, and the caller stays unknown.
      });
  }

  private setStatus(data: unknown): boolean {
    const parsed = extensionStatusSchema.safeParse(data);
    if (!parsed.success || typeof parsed.data.representativeStatus !== 'number') return false;
    const status = phoneStatusOf(parsed.data.representativeStatus);
    const before = this.extensions.get(parsed.data.extenUser);
    if (before?.status === status) return false;
    if (!before && this.extensions.size >= MAX_EXTENSIONS) return false;
    this.extensions.set(parsed.data.extenUser, { status, since: this.now() });
    return true;
  }
}
