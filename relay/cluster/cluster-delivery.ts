import type { Redis } from 'ioredis';
import type { SequencedMessage, ServerMessage, Unsequenced } from '../../shared/messages';
import type { AgentSockets } from '../push/agent-sockets';
import type { Delivery, DeliveryOptions } from '../push/delivery';
import { resyncWindow } from '../push/resume';
import { SharedOutbox } from './shared-outbox';

/** Raises an agent's number to at least ARGV[1]: numbers given while Redis was away are never given again. */
const AT_LEAST = `
local now = tonumber(redis.call('GET', KEYS[1]) or '0')
if now < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
return 0`;

const seqOf = (json: string) => Number(/^\{"seq":(\d+),/.exec(json)?.[1] ?? 0);

/**
 * Several relays: every message numbered and kept once in Redis (SharedOutbox) and read back by
 * every relay, each writing it to the sockets it holds. A hello and a replay are read from Redis;
 * a resync (the gap past the replay window) comes from the calls this relay knows.
 *
 * While Redis cannot be reached, a relay still delivers to the browsers it holds, numbering after
 * the last number it saw; when Redis is back the agent's number is raised past those (AT_LEAST).
 * What was sent meanwhile is not kept for replay, and browsers on other relays do not get it.
 */
export async function clusterDelivery(redis: Redis, options: DeliveryOptions): Promise<Delivery> {
  const { calls, windowMs, heartbeatMs, onResume, log } = options;
  const outbox = await SharedOutbox.open(redis, windowMs, log);
  /** The highest number this relay has seen or given, per agent. */
  const seen = new Map<number, number>();
  /** Agents numbered here while Redis was away. */
  const owed = new Set<number>();
  const saw = (agentId: number, seq: number) => void (seq > (seen.get(agentId) ?? 0) && seen.set(agentId, seq));
  let sockets: AgentSockets | undefined;
  let stopReading: (() => void) | undefined;

  redis.on('ready', () => {
    for (const agentId of owed) {
      redis.eval(AT_LEAST, 1, `seq:${agentId}`, String(seen.get(agentId) ?? 0)).then(
        () => owed.delete(agentId),
        (err: unknown) => log.warn({ err: (err as Error).message }, 'could not bring the numbering up to date: retried when Redis is back'),
      );
    }
  });

  const deliverHere = (agentId: number, message: Unsequenced<SequencedMessage>) => {
    const seq = (seen.get(agentId) ?? 0) + 1;
    saw(agentId, seq);
    owed.add(agentId);
    sockets?.send(agentId, JSON.stringify({ ...message, seq }));
  };

  /** Settles once the message is in Redis (or, Redis away, written to this relay's sockets). */
  const deliver = (agentId: number, message: Unsequenced<SequencedMessage>): Promise<void> =>
    outbox.add(agentId, message).then(
      () => undefined,
      (err: unknown) => {
        log.warn({ err: (err as Error).message, agentId }, 'Redis unreachable: delivered to this relay\'s browsers only');
        deliverHere(agentId, message);
      },
    );

  return {
    deliver,
    async hello(agent) {
      const seq = await outbox.last(agent.id).catch(() => seen.get(agent.id) ?? 0);
      saw(agent.id, seq);
      return { type: 'hello', seq: Math.max(seq, seen.get(agent.id) ?? 0), epoch: outbox.epoch, agent: { extenUser: agent.extenUser, name: agent.name }, heartbeatMs };
    },
    async resume(agent, { epoch, seq, since }) {
      const missed = epoch === outbox.epoch ? await outbox.since(agent.id, seq).catch(() => null) : null;
      if (missed) {
        onResume?.('replay');
        return missed;
      }
      onResume?.('resync');
      const { complete, from } = resyncWindow(since, windowMs);
      log.info({ agent: agent.extenUser, complete }, 'resync');
      // Numbered and published like any message, after this number: they reach this socket (and the agent's others) after the resync line.
      const recent = await calls.recentFor(agent.extenUser, from);
      const header: ServerMessage = { type: 'resync', complete, since: from, seq: await outbox.last(agent.id).catch(() => seen.get(agent.id) ?? 0) };
      for (const call of recent) void deliver(agent.id, { type: 'call', call });
      return [header];
    },
    attach(attached) {
      sockets = attached;
      stopReading = outbox.start((agentId, json) => {
        saw(agentId, seqOf(json));
        attached.send(agentId, json);
      });
    },
    kept: () => 0,
    prune: () => undefined,
    close: () => stopReading?.(),
  };
}
