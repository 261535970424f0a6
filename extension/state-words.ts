import type { ConnectionState } from './storage';

/** The connection state in words for the agent. */
export function stateWords(state: ConnectionState): string {
  switch (state) {
    case 'connected':
      return 'Connected';
    case 'connecting':
      return 'Connecting…';
    case 'disconnected':
      return 'Disconnected';
    case 'signed-out':
      return 'Signed out';
  }
}
