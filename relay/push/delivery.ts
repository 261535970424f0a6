import type { SequencedMessage, ServerMessage, ClientMessage, Unsequenced } from '../../shared/messages';
import type { Agent } from '../accounts/agents';
import type { CallTracker, Calls } from '../calls/call-tracker';
import type { Logger } from '../platform/log';
import type { AgentSockets } from './agent-sockets';
import { Outbox } from './outbox';
import { resumption } from './resume';

type Later<T> = T | Promise<T>;

/**
 * How messages reach agents: numbered and kept for replay, then written to their sockets. One
 * relay keeps them in memory (this file); several share them through Redis (relay/cluster/).
 */
export interface Delivery {
  /** Hands a message to the agent's browsers, wherever they are connected; a promise settles once it is handed over. */
  deliver(agentId: number, message: Unsequenced<SequencedMessage>): void | Promise<void>;
  /** What a new connection is told first; what a resuming one is sent (see AgentSockets). */
  hello(agent: Agent): Later<ServerMessage>;
  resume(agent: Agent, message: Extract<ClientMessage, { type: 'resume' }>): Later<(ServerMessage | string)[]>;
  /** Starts writing to these sockets. */
  attach(sockets: AgentSockets): void;
  /** Messages kept for replay on this relay (the metrics' gauge). */
  kept(): number;
  /** Drops kept messages that left the window (a repeated chore). */
  prune(): void;
  close(): void;
}

export interface DeliveryOptions {
  calls: Calls;
  windowMs: number;
  heartbeatMs: number;
  /** Click-to-call is set up on this relay: every hello says so. */
  clickToCall: boolean;
  onResume?: (kind: 'replay' | 'resync') => void;
  log: Logger;
}

/** One relay: the outbox in memory, replay and resync answered at once. */
export function localDelivery(options: DeliveryOptions & { calls: CallTracker }): Delivery & { outbox: Outbox } {
  const outbox = new Outbox(options.windowMs);
  const resume = resumption({ outbox, ...options });
  let sockets: AgentSockets | undefined;
  return {
    outbox,
    deliver: (agentId, message) => void sockets?.send(agentId, outbox.add(agentId, message)),
    hello: resume.hello,
    resume: resume.resume,
    attach: (s) => void (sockets = s),
    kept: () => outbox.size(),
    prune: () => outbox.prune(),
    close: () => undefined,
  };
}
