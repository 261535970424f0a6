import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as SocketServer, type Socket } from 'socket.io';
import { failed } from './crm-servers';

/**
 * A faithful local stand-in for Voicenter's Real-Time API, built from ../shared/VOICENTER-REALTIME.md:
 * the Token login and RefreshIdentityToken (§1.1: `Data.Socket.{Token,TokenExpiry,RefreshToken,URLList,Url}`,
 * 401 on a bad token), and monitor servers speaking engine.io 3 (a socket.io server with `allowEIO3`,
 * §1.2) that check the `token` query, greet with loginSuccess/loginStatus/AllExtensionsStatus (§1.5),
 * answer `keepalive` with keepaliveResponse (§1.6) — unless told to fall silent — and push events.
 */
export interface FakeVoicenter {
  loginUrl: string;
  /** Monitor servers, main first (their URLs as the login lists them). */
  servers: FakeMonitor[];
  /** Every login and refresh request, in order. */
  requests: { path: string; token: string }[];
  /** The socket tokens handed out so far (the newest is valid, older ones too unless revoked). */
  socketTokens: string[];
  /** How long a socket token lives. */
  tokenLifeMs: number;
  close(): Promise<void>;
}

export interface FakeMonitor {
  url: string;
  /** Connected clients, with the token each came with. */
  clients(): { socket: Socket; token: string }[];
  /** Events every connected client gets. */
  emit(event: string, payload: unknown): void;
  /** Stops answering keepalive and sending anything (a server that hangs). */
  silent: boolean;
  keepalives: number;
  /** Drops every client (a server restart). */
  dropAll(): void;
  /** What the greeting lists: loginStatus's queues, AllExtensionsStatus's extensions. */
  greeting: { queues: unknown[]; extensions: unknown[] };
  close(): Promise<void>;
}

const GOOD_TOKEN = 'account-api-token';
export { GOOD_TOKEN };

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => resolve(body));
  });
}

async function listen(server: HttpServer): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function startMonitor(valid: (token: string) => boolean): Promise<FakeMonitor> {
  const http = createServer();
  const io = new SocketServer(http, { allowEIO3: true, transports: ['websocket'] });
  const clients = new Map<string, { socket: Socket; token: string }>();
  const monitor: FakeMonitor = {
    url: await listen(http),
    clients: () => [...clients.values()],
    emit: (event, payload) => void io.emit(event, payload),
    silent: false,
    keepalives: 0,
    dropAll: () => void io.disconnectSockets(true),
    greeting: { queues: [], extensions: [] },
    close: () => new Promise<void>((resolve, reject) => void io.close(() => resolve()).catch(reject)),
  };
  io.use((socket, next) => {
    const token = String(socket.handshake.query.token ?? '');
    if (valid(token)) next();
    else next(new Error('invalid token'));
  });
  io.on('connection', (socket) => {
    clients.set(socket.id, { socket, token: String(socket.handshake.query.token) });
    socket.on('disconnect', () => clients.delete(socket.id));
    const now = Math.floor(Date.now() / 1000);
    // The greeting of a real connection (§1.5, [CAP]).
    socket.emit('loginSuccess', { servertime: now, servertimeoffset: 120, errorCode: 0, errorDesc: 'OK' });
    socket.emit('loginStatus', { queues: monitor.greeting.queues, servertime: now, servertimeoffset: 120 });
    socket.emit('AllExtensionsStatus', { extensions: monitor.greeting.extensions, servertime: now, servertimeoffset: 120, errorCode: 0, errorDesc: 'OK' });
    socket.on('keepalive', () => {
      monitor.keepalives++;
      if (!monitor.silent) socket.emit('keepaliveResponse', { errorCode: 0, errorDesc: 'OK', isOk: true, serverTime: Math.floor(Date.now() / 1000), serverTimeOffset: 120 });
    });
  });
  return monitor;
}

export async function startFakeVoicenter(options: { monitors?: number; tokenLifeMs?: number } = {}): Promise<FakeVoicenter> {
  const fake = { requests: [], socketTokens: [], tokenLifeMs: options.tokenLifeMs ?? 3_600_000 } as unknown as FakeVoicenter;
  const valid = (token: string) => fake.socketTokens.includes(token);
  fake.servers = await Promise.all(Array.from({ length: options.monitors ?? 2 }, () => startMonitor(valid)));
  const issue = () => {
    const token = `socket-token-${fake.socketTokens.length + 1}`;
    fake.socketTokens.push(token);
    const urls = fake.servers.map((s) => s.url);
    return {
      StatusCode: 0,
      Status: 'OK',
      Data: {
        Socket: {
          Token: token,
          TokenExpiry: new Date(Date.now() + fake.tokenLifeMs).toISOString(),
          RefreshToken: `refresh-${token}`,
          RefreshTokenExpiry: new Date(Date.now() + 86_400_000).toISOString(),
          URLList: urls,
          Url: urls[0],
          Version: '2.4.0',
          Client: `${urls[0]}/monitorAPI/GetSocketClient?v=2.4.0`,
          PersonId: 169034,
        },
      },
    };
  };
  const http = createServer((req, res) => {
    (async () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      };
      if (req.method === 'POST' && path === '/monitorAPI/Login/Token') {
        const { token } = JSON.parse((await readBody(req)) || '{}') as { token?: string };
        fake.requests.push({ path, token: token ?? '' });
        return token === GOOD_TOKEN ? send(200, issue()) : send(401, '"Unauthorized"');
      }
      if (req.method === 'GET' && path === '/monitorAPI/RefreshIdentityToken') {
        const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '');
        fake.requests.push({ path, token: bearer });
        return fake.socketTokens.some((t) => `refresh-${t}` === bearer) ? send(200, issue()) : send(401, '"Unauthorized"');
      }
      send(404, { error: 'not found' });
    })().catch((err: unknown) => failed(res, err));
  });
  const base = await listen(http);
  fake.loginUrl = `${base}/monitorAPI/Login/Token`;
  fake.close = async () => {
    await Promise.all(fake.servers.map((s) => s.close()));
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  };
  return fake;
}

/**
 * An ExtensionEvent as Voicenter sends it: the captured HANGUP of the note (§1.5, [CAP]) field for
 * field, its reason, call status and fields changed as each reason changes them there.
 */
/** `reason`: NEWCALL, ANSWER, HOLD, UNHOLD, HANGUP, or any other (an unknown one). */
export function extensionEvent(reason: string, call: { ivrid: string; extenUser?: string; phone?: string; direction?: string; cause?: string }): unknown {
  const callstatus = { NEWCALL: call.direction === 'Outgoing' ? 'Dialing' : 'Ringing', ANSWER: 'Talking', HOLD: 'Hold', UNHOLD: 'Talking', HANGUP: 'Talking' }[reason] ?? 'Talking';
  const now = Math.floor(Date.now() / 1000);
  const currentCall = {
    callStarted: now, calldurationinterval: now, callAnswered: reason === 'NEWCALL' ? 0 : now, answered: reason === 'NEWCALL' ? 0 : 1,
    callername: 'Queue Testing', callerphone: call.phone ?? '0501234567', outgoingcallername: '', outgoingcallerphone: '',
    callstatus, customdata: {}, direction: call.direction ?? 'Incoming', ivrid: call.ivrid,
    recording: { Filename: 'x.mp3', Options: '', ApproximateURL: '', IsMuted: 0 }, did: '0776707528',
    relatedIvrUniqueIDs: [], callType: call.direction ?? 'Incoming', originalCallerID: call.phone ?? '0501234567', actualDialedNumber: '0776707528',
    channel: 'SIP/x', channel2: 'SIP/y', queueID: 14520, isSpyed: false, isInternal: false, ip: '10.0.0.1',
  };
  const hangup = reason === 'HANGUP';
  return {
    data: {
      calls: hangup ? [] : [currentCall], userID: 169034, userName: 'Agent', number: 135904, extenUser: call.extenUser ?? 'KGpK4iWq', accountID: 640,
      topAccountID: 836, summery: { representative: 'Agent' }, onlineUserID: 169034, representative: 169034, representativeStatus: 1,
      lastCallEventEpoch: now, lastAnsweredCallEventEpoch: now, lastHangupCallEpoch: now, representativeUpdated: now * 1000, peerStatus: null, currentCall,
    },
    eventName: 'extension', reason, servertime: now, servertimeoffset: 120, telephonyservertime: now,
    ...(hangup ? { callerID: currentCall.callerphone, ivruniqueid: call.ivrid, dialStatus: '', cause: call.cause ?? 'Normal hangup' } : {}),
  };
}

/** The `data` of an ExtensionEvent without a call, as AllExtensionsStatus lists extensions (§1.5, [CAP]). */
export function extensionStatus(extenUser: string, representativeStatus: number, userName = 'Agent'): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    calls: [], userID: 169034, userName, number: 135904, extenUser, accountID: 640, topAccountID: 836, summery: { representative: userName },
    onlineUserID: 169034, representative: 169034, representativeStatus, lastCallEventEpoch: now, representativeUpdated: now * 1000, peerStatus: null,
  };
}

/** A caller waiting in a queue, as loginStatus and QueueEvent list them (§1.5, [CAP]); `waitedS` before the server's now. */
export function waitingCall(ivrid: string, phone: string, waitedS = 0, serverNow = Math.floor(Date.now() / 1000)): Record<string, unknown> {
  const joined = serverNow - waitedS;
  return { CallerID: phone, CallerName: 'Queue Testing', IvrUniqueID: ivrid, JoinTimeStamp: joined, calldurationinterval: joined, ivrid, isDistributedQueue: false, customdata: {} };
}

/** A queue as loginStatus and QueueEvent's `data` carry it (§1.5, [CAP]). */
export function queue(id: number, name: string, calls: unknown[]): Record<string, unknown> {
  return { QueueID: id, QueueName: name, UserID: 58488, DistributorID: 640, IsDistributedQueue: false, Calls: calls };
}

/** A QueueEvent (§1.5): the queue after the change. Server time is Voicenter's local clock: +120 min here, as captured. */
export function queueEvent(reason: string, data: unknown, serverNow = Math.floor(Date.now() / 1000)): unknown {
  return { data, eventName: 'queue', reason, servertime: serverNow, servertimeoffset: 120, telephonyservertime: serverNow, ivruniqueid: '' };
}
