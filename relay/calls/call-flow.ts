// Room relay/calls/: what happens to a call — each Voicenter request recorded, the caller identified once, agents told, Voicenter answered; the call log.
import type { CountryCode } from 'libphonenumber-js';
import type { CallEvent, EventOrigin } from '../../shared/call-event';
import { PENDING, UNKNOWN, type Identity, type SequencedMessage, type Unsequenced } from '../../shared/messages';
import { parsePhone, type Phone } from '../../shared/phone';
import type { Agents } from '../accounts/agents';
import { errorBody, type ErrorBody } from '../../shared/errors';
import type { Calls } from './call-tracker';
import { CALL_LIMITS, type CallLimit, type StaleLimits } from './call-state';
import { voicenterAnswer, type VoicenterAnswer } from './voicenter-answer';
import type { Logger } from '../platform/log';
import { boundedCache } from '../platform/bounded-cache';

/** What became of a message for one station. */
type Delivered = 'delivered' | 'no such agent' | 'agent disabled' | 'not read' | 'not delivered';

/** Distinct numbers kept parsed (a few hundred KB). */
const PARSED_NUMBERS = 5_000;
/** Calls whose refusal was logged: each is said once, however many requests follow. */
const REFUSED_CALLS = 1_000;

/** Something that finds who is calling: at once, or later (a promise) when it must ask a slow source. */
export type Identify = (phone: Phone, event?: CallEvent) => Promise<Identity>;

export interface CallFlowOptions {
  calls: Calls;
  agents: Agents;
  /** Numbers a message for an agent, keeps it for replay and sends it to the agent's sockets (the push room). */
  deliver: (agentId: number, message: Unsequenced<SequencedMessage>) => void | Promise<void>;
  identify: Identify;
  country: CountryCode;
  /** Voicenter drops the pop-up after about 3 s: answer with what is known by then. */
  answerBudgetMs: number;
  /**
   * How long the first message to the agents may wait for a caller found quickly (several relays:
   * the directory answers over the network, in a millisecond or two). 0: it never waits.
   */
  firstMessageWaitMs?: number;
  log: Logger;
  /** Told whenever a call changes for some agent, or its caller is found (the console's live view). */
  onChange?: () => void;
  /** Told how long a request took from arrival to its messages written to the sockets (metrics). */
  onDelivered?: (seconds: number) => void;
}

/**
 * What happens on each pop-up request: record it, find the caller (once per call, however many
 * stations ring), tell every affected agent, and answer Voicenter.
 */
export class CallFlow {
  /** Lookups still running, by ivrid, so that parallel requests for one call share one. */
  private readonly inflight = new Map<string, Promise<Identity>>();
  /** Each distinct number parsed once (every phase of a call, every station, sends it again): libphonenumber is a sixth of a request. */
  private readonly phones = boundedCache<string, Phone>(PARSED_NUMBERS);
  private readonly refusedCalls = boundedCache<string, true>(REFUSED_CALLS);

  constructor(private readonly options: CallFlowOptions) {}

  /**
   * `log`: the request's own logger (with its request id), else the relay's. A request the call
   * cannot take (at its limits) is answered with the error, for the pop-up URL to send as a 4xx.
   */
  async handle(event: CallEvent, format: EventOrigin, arrived = performance.now(), log = this.options.log): Promise<VoicenterAnswer | ErrorBody> {
    let phone = this.phones.get(event.phone);
    if (!phone) this.phones.set(event.phone, (phone = Object.freeze(parsePhone(event.phone, this.options.country))));
    if (event.phase === 'unknown') {
      log.warn({ ivrid: event.ivrid, status: event.status, phone: event.phone }, 'unknown call status: recorded, nothing delivered');
    }
    const recorded = await this.options.calls.record(event, phone, format);
    if (recorded.refused) return this.refuse(event, format, recorded.refused, log);
    let identity = recorded.identity;
    let later = this.inflight.get(event.ivrid);
    if (!identity && !later) {
      // Whether the caller is known in time for the first message is decided here, once: the
      // embedded directory answers within this turn; with several relays it answers over the
      // network, so a moment's wait (firstMessageWaitMs) keeps a known name out of a second message.
      const found = this.identify(event, phone);
      const now = await this.soon(found, this.options.firstMessageWaitMs ?? 0);
      if (now) {
        identity = now;
        this.options.calls.setIdentity(event.ivrid, now).catch((err: unknown) => this.logWriteFailure(err));
      } else later = this.lookUpLater(event.ivrid, found);
    }
    // Agents hear of it at once; Voicenter's answer waits until the call log has it on disk and
    // the messages are handed over (with several relays, in Redis: a relay that dies after
    // answering has lost nothing; one that dies before is asked again, through another).
    const handedOver = recorded.changed.map(({ extenUser, view }) => this.deliver(extenUser, { type: 'call', call: { ...view, identity: identity ?? PENDING } }));
    if (recorded.changed.length > 0) {
      this.options.onDelivered?.((performance.now() - arrived) / 1000);
      this.options.onChange?.();
    }
    // The budget counts from the request's arrival (Voicenter's clock runs from its sending): what
    // the commit and the deliveries take is spent already. From the wait's start instead, a burst
    // overran it by the burst's own queueing (bench/RESULTS.md). A database too slow to commit
    // within the budget does not hold the answer past it: the log keeps the call until it can.
    const left = () => this.options.answerBudgetMs - (performance.now() - arrived);
    const handed = await this.within(Promise.all([recorded.committed, ...handedOver]), left());
    if (!handed) log.warn({ ivrid: event.ivrid }, 'Voicenter answered before the call was committed or handed over: the database or Redis is slow');
    identity ??= (await this.within(later!, left())) ?? UNKNOWN;
    const own = recorded.changed.findIndex((c) => c.extenUser === event.extenUser);
    // One line per request at info: what came, for whom, what Voicenter got and how fast (the number masked by the logger).
    log.info(
      {
        origin: format, ivrid: event.ivrid, phase: event.phase, phone: event.phone, agent: event.extenUser,
        agentFound: own >= 0 && handed ? handed[own + 1] === 'delivered' : await this.agentKnown(event.extenUser),
        caller: identity.status, duplicate: recorded.duplicate || undefined, ms: Math.round(performance.now() - arrived),
      },
      'Voicenter call event',
    );
    return voicenterAnswer(identity);
  }

  /**
   * Ends calls Voicenter never sent a hang-up for (a lost request), for the agents and the
   * console alike: each affected agent gets the ended view, as for a real hang-up.
   */
  async expireStale(now: number, limits: StaleLimits): Promise<number> {
    const expired = await this.options.calls.expireStale(now, limits);
    for (const { ivrid, changed, written } of expired) {
      this.options.log.info({ ivrid, stations: changed.length }, 'call ended: no hang-up received');
      written?.catch((err: unknown) => this.logWriteFailure(err));
      for (const { extenUser, view } of changed) this.tell(extenUser, { type: 'call', call: view });
    }
    if (expired.length > 0) this.options.onChange?.();
    return expired.length;
  }

  /** The error for a request beyond the call's limits, logged once per call (a flood of them is one line). */
  private refuse(event: CallEvent, format: EventOrigin, limit: CallLimit, log: Logger): ErrorBody {
    const words = `the call has ${limit === 'stations' ? 'rung at' : 'had'} ${CALL_LIMITS[limit]} ${limit}, the most the relay takes for one call: this request is not taken`;
    if (!this.refusedCalls.has(event.ivrid)) {
      this.refusedCalls.set(event.ivrid, true);
      log.warn({ ivrid: event.ivrid, origin: format, agent: event.extenUser, limit, max: CALL_LIMITS[limit] }, `call at its limit (CALL_TOO_LARGE): ${words}; said once for the call`);
    }
    return errorBody('CALL_TOO_LARGE', words);
  }

  /** The caller, never a rejection: a lookup that fails is logged and the caller unknown. */
  private identify(event: CallEvent, phone: Parameters<Identify>[0]): Promise<Identity> {
    let found: Promise<Identity>;
    try {
      found = this.options.identify(phone, event);
    } catch (err) {
      found = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return found.catch((err: unknown) => {
      this.options.log.error({ ivrid: event.ivrid, err: (err as Error).message }, 'caller lookup failed');
      return UNKNOWN;
    });
  }

  private lookUpLater(ivrid: string, found: Promise<Identity>): Promise<Identity> {
    const later = found.then((identity) => {
      this.inflight.delete(ivrid);
      // (announce says its own failures: nothing reaches here.)
      this.announce(ivrid, identity).catch((err: unknown) => this.options.log.error({ ivrid, err: (err as Error).message }, 'caller not sent'));
      return identity;
    });
    this.inflight.set(ivrid, later);
    return later;
  }

  /** The call's caller is now `identity` (found later, or chosen by an agent): recorded, and every station told. */
  async announce(ivrid: string, identity: Identity): Promise<void> {
    this.options.calls.setIdentity(ivrid, identity).catch((err: unknown) => this.logWriteFailure(err));
    try {
      const stations = await this.options.calls.stations(ivrid);
      for (const extenUser of stations) this.tell(extenUser, { type: 'identity', ivrid, identity });
      this.options.onChange?.();
    } catch (err) {
      this.options.log.error({ ivrid, err: (err as Error).message }, 'could not read the call: its caller not sent');
    }
  }

  /** The extension users a call rang or talks at. */
  stations(ivrid: string): Promise<string[]> {
    return this.options.calls.stations(ivrid);
  }

  private logWriteFailure(err: unknown): void {
    this.options.log.error({ err: (err as Error).message }, 'could not write the call log');
  }

  /**
   * The work's value if it settles within `ms`, or with no wait before this turn of the event loop
   * ends (a setImmediate callback runs only once every microtask has): else undefined.
   */
  private soon<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
    if (ms > 0) return this.within(work, ms);
    return Promise.race([work, new Promise<undefined>((resolve) => setImmediate(resolve, undefined))]);
  }

  private within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), Math.max(0, ms));
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }

  /**
   * Hands the message to the push room for the agent of this extension user; unknown and disabled
   * agents get nothing. Messages for one agent keep their order (Agents.get shares one lookup).
   */
  private deliver(extenUser: string, message: Unsequenced<SequencedMessage>): Promise<Delivered> {
    return this.options.agents.get(extenUser).then(
      async (agent): Promise<Delivered> => {
        if (!agent) return 'no such agent';
        if (!agent.enabled) return 'agent disabled';
        try {
          await this.options.deliver(agent.id, message);
          return 'delivered';
        } catch (err) {
          this.options.log.error({ agent: extenUser, err: (err as Error).message }, 'message not delivered');
          return 'not delivered';
        }
      },
      (err: unknown): Delivered => {
        this.options.log.error({ agent: extenUser, err: (err as Error).message }, 'could not read the agent: message not delivered');
        return 'not read';
      },
    );
  }

  /** `deliver` with nobody waiting: it says its own failures. */
  private tell(extenUser: string, message: Unsequenced<SequencedMessage>): void {
    this.deliver(extenUser, message).catch((err: unknown) => this.options.log.error({ agent: extenUser, err: (err as Error).message }, 'message not delivered'));
  }

  /** For the log: whether the request's station is an agent's (undefined when it names none, or cannot be read). */
  private agentKnown(extenUser: string | null): Promise<boolean | undefined> {
    if (!extenUser) return Promise.resolve(undefined);
    return this.options.agents.get(extenUser).then(
      (agent) => agent !== undefined,
      () => undefined,
    );
  }
}
