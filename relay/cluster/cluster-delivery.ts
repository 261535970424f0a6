import type { Redis } from 'ioredis';
import type { ServerMessage } from '../../shared/messages';
import type { Delivery, DeliveryOptions } from '../push/delivery';
import { SharedOutbox } from './shared-outbox';

/**
 * Several relays: every message numbered and kept once in Redis (SharedOutbox) and read back by
 * every relay, each writing it to the sockets it holds. A hello and a replay are read from Redis;
 * a resync (the gap past the replay window) comes from the calls this relay knows.
 */
export async function clusterDelivery(redis: Redis, options: DeliveryOptions): Promise<Delivery> {
  const { calls, windowMs, heartbeatMs, onResume, log } = options;
  const outbox = await SharedOutbox.open(redis, windowMs, log);
  let stopReading: (() => void) | undefined;
  return {
    deliver(agentId, message) {
      outbox.add(agentId, message).catch((err: unknown) => log.error({ err: (err as Error).message, agentId }, 'Redis unreachable: message not delivered'));
    },
    async hello(agent) {
      return { type: 'hello', seq: await outbox.last(agent.id), epoch: outbox.epoch, agent: { extenUser: agent.extenUser, name: agent.name }, heartbeatMs };
    },
    async resume(agent, { epoch, seq, since }) {
      const missed = epoch === outbox.epoch ? await outbox.since(agent.id, seq) : null;
      if (missed) {
        onResume?.('replay');
        return missed;
      }
      onResume?.('resync');
      const now = Date.now();
      const complete = since > 0 && now - since <= windowMs;
      const from = complete ? since : now - windowMs;
      log.info({ agent: agent.extenUser, complete }, 'resync');
      // Numbered and published like any message: they reach this socket (and the agent's others) after the resync line.
      await Promise.all(calls.recentFor(agent.extenUser, from).map((call) => outbox.add(agent.id, { type: 'call', call })));
      const header: ServerMessage = { type: 'resync', complete, since: from };
      return [header];
    },
    attach(sockets) {
      stopReading = outbox.start((agentId, json) => sockets.send(agentId, json));
    },
    kept: () => 0,
    prune: () => undefined,
    close: () => stopReading?.(),
  };
}
