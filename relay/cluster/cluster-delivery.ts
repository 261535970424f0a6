import type { Redis } from 'ioredis';
import type { ClientMessage, ServerMessage } from '../../shared/messages';
import type { Agent } from '../accounts/agents';
import type { Calls } from '../calls/call-tracker';
import type { Logger } from '../platform/log';
import type { AgentSockets } from '../push/agent-sockets';
import type { Delivery, DeliveryOptions } from '../push/delivery';
import { notSent, resyncWindow, stillShown } from '../push/resume';
import { AwayOutbox, keptViews, mergeViews, type Message } from './away-outbox';
import { CallStore } from './call-store';
import { isRefused } from './junk';
import { SharedOutbox } from './shared-outbox';

/** While Redis is away, how often the relay tries it again (and on every reconnection). */
const PROBE_MS = 1_000;

/** Several relays: messages numbered and kept in Redis (see ClusterDelivery). */
export async function clusterDelivery(redis: Redis, options: DeliveryOptions): Promise<Delivery> {
  return new ClusterDelivery(redis, await SharedOutbox.open(redis, options.windowMs, options.log), options);
}

/**
 * Every message numbered and kept once in Redis (SharedOutbox) and read back by every relay, each
 * writing it to the sockets it holds. A hello and a replay are read from Redis; a resync (the gap
 * past the replay window) comes from the calls every relay shares, and the views relays kept
 * while Redis was away.
 *
 * While Redis cannot be reached, a relay still delivers to the browsers it holds, in an epoch of
 * its own (AwayOutbox): an agent's sockets here are told so by a hello before the first message
 * numbered in it (or at their connection), and resume (a resync from what this relay knows).
 * Agents who get nothing meanwhile are left as they are. When Redis answers again, the agents told
 * are told the shared epoch the same way, and what the relay delivered meanwhile is handed to every
 * relay's browsers (the last view of each call, kept in Redis for resyncs too).
 */
class ClusterDelivery implements Delivery {
  private readonly calls: Calls;
  private readonly windowMs: number;
  private readonly heartbeatMs: number;
  private readonly clickToCall: boolean;
  private readonly onResume: DeliveryOptions['onResume'];
  private readonly log: Logger;
  /** The highest shared number this relay has seen or given, per agent. */
  private readonly seen = new Map<number, number>();
  /** This relay's own numbering while Redis is away; null while it answers. */
  private away: AwayOutbox | null = null;
  /** Each agent's last message on its way to Redis: one numbered here meanwhile waits for it (order kept). */
  private readonly onTheWay = new Map<number, Promise<void>>();
  private sockets: AgentSockets | undefined;
  private stopReading: (() => void) | undefined;
  private probe: NodeJS.Timeout | undefined;
  private readonly callStore: CallStore;

  constructor(
    private readonly redis: Redis,
    private readonly outbox: SharedOutbox,
    options: DeliveryOptions,
  ) {
    ({ calls: this.calls, windowMs: this.windowMs, heartbeatMs: this.heartbeatMs, clickToCall: this.clickToCall, onResume: this.onResume, log: this.log } = options);
    this.callStore = new CallStore(redis, this.log);
    redis.on('ready', () => this.settled(this.comeBack(), 'taking up the shared numbering again failed'));
  }

  /** Settles once the message is in Redis (or, Redis away, written to this relay's sockets). */
  readonly deliver = (agentId: number, message: Message): Promise<void> => {
    const before = this.onTheWay.get(agentId);
    if (this.away && !before) return Promise.resolve(this.deliverHere(agentId, message));
    const sent = this.away
      ? before!.then(() => this.deliverHere(agentId, message))
      : this.outbox.add(agentId, message, this.seen.get(agentId) ?? 0).then(
          () => undefined,
          (err: unknown) => {
            this.goAway(err);
            this.deliverHere(agentId, message);
          },
        );
    this.onTheWay.set(agentId, sent);
    // The caller hears of a failure through `sent`; this only stops waiting for it.
    const arrived = () => {
      if (this.onTheWay.get(agentId) === sent) this.onTheWay.delete(agentId);
    };
    sent.then(arrived, arrived);
    return sent;
  };

  readonly hello = (agent: Agent): ServerMessage | Promise<ServerMessage> => {
    const numbering = this.away;
    if (numbering) {
      // This socket is counted already: the agent's others here (if any) are told too.
      this.switchAgent(numbering, agent.id, (this.sockets?.count(agent.id) ?? 0) > 1);
      return this.awayHello(numbering, agent);
    }
    return this.outbox.last(agent.id).then(
      (seq) => {
        this.saw(agent.id, seq);
        return this.helloIn(this.outbox.epoch, this.seen.get(agent.id) ?? 0, agent);
      },
      (err: unknown) => {
        this.goAway(err);
        return this.hello(agent);
      },
    );
  };

  async resume(agent: Agent, { epoch, seq, since, open = [] }: Extract<ClientMessage, { type: 'resume' }>): Promise<(ServerMessage | string)[]> {
    const replay = await this.missed(agent, epoch, seq);
    if (!replay) return this.resync(agent, since, epoch === (this.away ?? this.outbox).epoch, open);
    this.onResume?.('replay');
    return replay;
  }

  attach(sockets: AgentSockets): void {
    this.sockets = sockets;
    this.stopReading = this.outbox.start((agentId, json, seq) => {
      // Its sockets here are in this relay's own epoch: what they miss of the shared one comes with the resync once Redis is back.
      if (this.away?.switched.has(agentId)) return;
      this.saw(agentId, seq);
      sockets.send(agentId, json);
    });
  }

  kept(): number {
    return this.away?.outbox.size() ?? 0;
  }

  prune(): void {
    this.away?.outbox.prune();
  }

  close(): void {
    clearInterval(this.probe);
    this.stopReading?.();
  }

  private saw(agentId: number, seq: number): void {
    if (seq > (this.seen.get(agentId) ?? 0)) this.seen.set(agentId, seq);
  }

  private helloIn(epoch: string, seq: number, agent: Agent): ServerMessage {
    return { type: 'hello', seq, epoch, agent: { extenUser: agent.extenUser, name: agent.name }, heartbeatMs: this.heartbeatMs, clickToCall: this.clickToCall };
  }

  private awayHello(numbering: AwayOutbox, agent: Agent): ServerMessage {
    return this.helloIn(numbering.epoch, numbering.outbox.last(agent.id), agent);
  }

  /** The agent's sockets here are told the away epoch (once), before anything numbered in it reaches them. */
  private switchAgent(numbering: AwayOutbox, agentId: number, hasSockets: boolean): void {
    if (numbering.switched.has(agentId)) return;
    numbering.switched.add(agentId);
    if (hasSockets) this.sockets?.restart([agentId], (agent) => this.awayHello(numbering, agent));
  }

  private deliverHere(agentId: number, message: Message): void {
    const numbering = this.away;
    if (!numbering) return this.settled(this.deliver(agentId, message), 'a message not delivered');
    this.switchAgent(numbering, agentId, true);
    this.sockets?.send(agentId, numbering.add(agentId, message));
  }

  /** `inherited`: an outage's numbering whose hand-over failed (Redis went away again at once): kept on. */
  private goAway(err: unknown, inherited?: AwayOutbox): void {
    if (this.away) return;
    const why = isRefused(err) ? 'Redis refused to number a message' : 'Redis unreachable';
    this.log.warn({ err: (err as Error).message }, `${why}: this relay's browsers get its messages in an epoch of its own until it is back`);
    this.away = new AwayOutbox(this.windowMs, (agentId) => this.seen.get(agentId) ?? 0, inherited);
    this.probe = setInterval(() => this.settled(this.comeBack(), 'taking up the shared numbering again failed'), PROBE_MS);
    this.probe.unref();
  }

  /**
   * Redis answers again: the shared numbering is taken up again, in one turn — the views stored
   * first, then the hellos' numbers read and the views handed on, in that order on one connection.
   */
  private async comeBack(): Promise<void> {
    if (!this.away) return;
    try {
      await this.redis.ping();
    } catch {
      return;
    }
    const leaving = this.away;
    if (!leaving) return;
    this.away = null;
    clearInterval(this.probe);
    this.log.info({ agents: leaving.switched.size }, 'Redis is back: messages numbered for every relay again');
    leaving.settle(this.redis, this.windowMs, this.log).catch((err: unknown) => this.goAway(err, leaving));
    this.sockets?.restart(leaving.switched, this.hello);
    this.settled(this.handOn(leaving), 'what was delivered while Redis was away not handed on');
  }

  /** Work nobody waits for: a failure is said, never left unhandled. */
  private settled(work: Promise<unknown>, what: string): void {
    work.catch((err: unknown) => this.log.error({ err: (err as Error).message }, what));
  }

  /**
   * What this relay delivered while Redis was away, to every relay's browsers: the last view of
   * each call, unless another relay has had news of the call since (then its own view went out,
   * newer) — an ended view always goes (a station's call that ended does not start again).
   */
  private async handOn(leaving: AwayOutbox): Promise<void> {
    const kept = leaving.kept();
    const newest = ({ message: m }: { message: Message }) => (m.type === 'call' && m.call.state !== 'ended' ? this.callStore.lastHeard(m.call.ivrid) : Promise.resolve(null));
    // Redis gone again: all of it goes (numbered here again, and kept for the next time).
    const heard = await Promise.all(kept.map(newest)).catch((): (number | null)[] => []);
    kept.forEach(({ agentId, message, at }, i) => {
      if ((heard[i] ?? 0) <= at) this.settled(this.deliver(agentId, message), 'a message not delivered');
    });
  }

  /** Messages after `seq` of this epoch, when they can all still be replayed (null: resync). */
  private missed(agent: Agent, epoch: string, seq: number): string[] | null | Promise<string[] | null> {
    const numbering = this.away;
    if (numbering) return epoch === numbering.epoch ? numbering.outbox.since(agent.id, seq) : null;
    return epoch === this.outbox.epoch ? this.outbox.since(agent.id, seq).catch((err: unknown) => (this.goAway(err), null)) : null;
  }

  /**
   * The gap is past what can be replayed: the agent's recent calls, numbered and sent again after a
   * resync line. From where the browser stopped when it stopped in this numbering; from another
   * (a relay's own while Redis was away), the whole window: the time of its last message says
   * nothing of what the other relays delivered meanwhile.
   */
  private async resync(agent: Agent, since: number, sameNumbering: boolean, open: readonly string[]): Promise<ServerMessage[]> {
    this.onResume?.('resync');
    const window = resyncWindow(since, this.windowMs);
    const from = sameNumbering ? window.from : Math.min(window.from, Date.now() - this.windowMs);
    this.log.info({ agent: agent.extenUser, complete: window.complete }, 'resync');
    // The number first: what is numbered after it (another relay handing on what it kept) comes live, after the line.
    const numbering = this.away;
    const seq = numbering ? numbering.outbox.last(agent.id) : await this.outbox.last(agent.id).catch(() => this.seen.get(agent.id) ?? 0);
    const views = await this.calls.recentFor(agent.extenUser, from);
    // The calls the browser still shows open that the window leaves out (ended long ago): their view now.
    const named = new Map(await Promise.all(notSent(open, views).map(async (ivrid) => [ivrid, await this.calls.views(ivrid)] as const)));
    const shown = stillShown({ views: (ivrid) => named.get(ivrid) ?? new Map() }, agent.extenUser, open, views);
    const recent: Message[] = [...shown, ...views].map((call) => ({ type: 'call', call }));
    const kept = numbering ? [] : await keptViews(this.redis, agent.id, this.log).catch(() => []);
    for (const message of mergeViews(recent, kept)) this.settled(this.deliver(agent.id, message), 'a message not delivered');
    return [{ type: 'resync', complete: window.complete, since: from, seq }];
  }
}
