import type { Response } from 'express';
import type { z } from 'zod';
import type { FloorAgent } from '../../../shared/console';
import type { Admin, Admins } from '../../accounts/admins';
import type { Agents } from '../../accounts/agents';
import type { PopupToken } from '../../accounts/secrets';
import type { CallLogSearch } from '../../calls/call-log-search';
import type { Calls } from '../../calls/call-tracker';
import type { LineNames } from '../../calls/line-names';
import type { LookupChain } from '../../lookup/chain';
import type { ContactChoices } from '../../lookup/contact-choices';
import type { Directory } from '../../lookup/directory';
import type { Config } from '../../platform/config';
import type { Logger } from '../../platform/log';
import type { AgentSockets } from '../../push/agent-sockets';
import type { VoicenterConfig } from '../../voicenter/config';
import type { RealtimeBoard } from '../../voicenter/realtime-board';
import { sendError } from '../errors';
import type { VoicenterTraffic } from '../voicenter-traffic';

/** What the console's pages need of the relay. */
export interface ConsoleOptions {
  admins: Admins;
  agents: Agents;
  sockets: AgentSockets;
  calls: Calls;
  callLog: CallLogSearch;
  lines: LineNames;
  directory: Directory;
  chain: LookupChain;
  /** Contacts agents chose for numbers with several matches (the Sources page lists and clears them). */
  choices: ContactChoices;
  token: PopupToken;
  /** Queues and phone statuses from Voicenter's Real-Time API; null when the relay does not use it. */
  voicenterBoard: RealtimeBoard | null;
  /** Voicenter's extension list (the Agents page's sync); null when not set up. */
  voicenterExtensions: VoicenterConfig['extensions'];
  config: Config;
  log: Logger;
  /** The extension id this installation's own key gives (force-install). */
  installationExtensionId: string;
  /**
   * Subscribes to `change` of the floor (agents connecting, calls changing) or to `shutdown` of
   * the relay (open live views end then, or the server never finishes closing); returns the unsubscribe.
   */
  on: (event: 'change' | 'shutdown', listener: () => void) => () => void;
  /** What this relay last heard at the pop-up URL. */
  traffic: VoicenterTraffic;
}

/** A 400 saying, in words, what the body's fields lack. */
export function invalid(res: Response, err: z.ZodError | string): void {
  const words = typeof err === 'string' ? err : err.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
  sendError(res, 'INVALID_FIELDS', words);
}

/** The administrator of this request (set once the session cookie was checked). */
export const adminOf = (res: Response): Admin => res.locals.admin as Admin;

/** Every agent on the roster with its connections. */
export async function floorAgents(relay: Pick<ConsoleOptions, 'agents' | 'sockets' | 'voicenterBoard'>): Promise<FloorAgent[]> {
  const agents = await relay.agents.list();
  const connected = relay.sockets.connected();
  return agents.map((a) => {
    const c = connected.get(a.id);
    const phone = relay.voicenterBoard?.phoneStatus(a.extenUser) ?? null;
    return { extenUser: a.extenUser, name: a.name, enabled: a.enabled, browsers: c?.sockets ?? 0, since: c?.since ?? null, phone };
  });
}
