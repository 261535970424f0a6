import type { MessageKey, Translate } from './catalogue';
import type { ConnectionProblem, ConnectionState } from './connection-status';

const STATES: Record<ConnectionState, MessageKey> = {
  connected: 'stateConnected',
  connecting: 'stateConnecting',
  disconnected: 'stateDisconnected',
  'signed-out': 'stateSignedOut',
};

const PROBLEMS: Record<Exclude<ConnectionProblem, ''>, MessageKey> = {
  'session-ended': 'problemSessionEnded',
  'relay-url-invalid': 'problemRelayUrlInvalid',
  'connection-lost': 'problemConnectionLost',
  'relay-unreachable': 'problemRelayUnreachable',
};

/** The connection state in words for the agent. */
export const stateWords = (state: ConnectionState, t: Translate): string => t(STATES[state]);

/** Why it is not connected, in words for the agent ("" when nothing is wrong). */
export const problemWords = (problem: ConnectionProblem | undefined, t: Translate): string => (problem ? t(PROBLEMS[problem]) : '');
