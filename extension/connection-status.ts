import { storedGroup } from './storage';

/**
 * How the connection to the relay stands, in storage.session: every page shows it, and it means
 * nothing after a browser restart (the worker connects afresh then). The count of failed attempts
 * in a row sets the reconnect backoff; a worker restart keeps it, so a relay that stays away is
 * not asked again every second by each new worker.
 */

export type ConnectionState = 'signed-out' | 'connecting' | 'connected' | 'disconnected';

/** Why the extension is not connected (each page says it in the agent's language). */
export type ConnectionProblem = '' | 'session-ended' | 'relay-url-invalid' | 'connection-lost' | 'relay-unreachable';

export interface Connection {
  state: ConnectionState;
  /** Why it is not connected; "" when nothing is wrong. */
  problem: ConnectionProblem;
  since: number;
}

interface Stored {
  connection: Connection;
  /** Consecutive failed connection attempts, for the backoff. */
  attempt: number;
}
const stored = storedGroup<Stored>('session', 'connection-status', { connection: { state: 'signed-out', problem: '', since: 0 }, attempt: 0 });

export const getConnection = (): Promise<Connection> => stored.get('connection');
export const setConnection = (state: ConnectionState, problem: ConnectionProblem = ''): Promise<void> =>
  stored.set({ connection: { state, problem, since: Date.now() } });

export const failedAttempts = (): Promise<number> => stored.get('attempt');
export const setFailedAttempts = (attempt: number): Promise<void> => stored.set({ attempt });
