import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identity, SequencedMessage, ServerMessage } from '../../shared/messages';
import { CONSOLE_HEADER } from '../../shared/console';
import { AgentClient, popup, signIn, startRelay, type TestRelay } from './helpers';
import { clusterServices } from './per-test';

/**
 * Two relays on the machine's PostgreSQL and Redis (a fresh database and key prefix): what one
 * relay receives reaches the agents connected to the other; a browser resumes on either; a
 * session ended on one ends on both.
 */
const { database, redis, ready } = await clusterServices();
let a: TestRelay;
let b: TestRelay;

beforeAll(async () => {
  if (!ready) return;
  const env = { RELAY_DATABASE_URL: database!.url, RELAY_REDIS_URL: redis!.url, RELAY_REDIS_PREFIX: redis!.prefix, RELAY_HEARTBEAT_MS: 60_000 };
  a = await startRelay(env);
  b = await startRelay(env);
  await a.agents.add('C1', 'Dana', 'pw-one');
  await a.directory.upsert({ id: 'c-1', name: 'Nikita Karpushin', company: 'Voicenter', url: '', phones: ['0722776772'] });
  await a.agents.add('C2', 'Avi', 'pw-two');
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

type Hello = Extract<ServerMessage, { type: 'hello' }>;

const isCall = (ivrid: string, state?: string) => (m: ServerMessage): m is Extract<ServerMessage, { type: 'call' }> =>
  m.type === 'call' && m.call.ivrid === ivrid && (state === undefined || m.call.state === state);

describe.skipIf(!ready)('several relays on PostgreSQL and Redis', () => {
  it('share one pop-up URL, and a request to one pops on the browser connected to the other', async () => {
    expect(a.token).toBe(b.token);
    // One signing key for all: the force-installed extension is the same on every relay, and welcome.
    expect(a.installationExtensionId).toBe(b.installationExtensionId);
    const agent = await AgentClient.connect(b, await signIn(b, 'C1', 'pw-one'), `chrome-extension://${a.installationExtensionId}`);
    try {
      const hello = await agent.next((m) => m.type === 'hello');
      const answer = await popup(a, { ivrid: 'x-1', extenUser: 'C1', phone: '0722776772', status: 'Ringing' });
      expect(answer.status).toBe(200);
      const rang = await agent.next(isCall('x-1', 'ringing'));
      // A caller the directory knows is in the first message, though the directory is in PostgreSQL.
      expect(rang.call.identity).toMatchObject({ status: 'found', name: 'Nikita Karpushin' });
      expect(rang.seq).toBe((hello).seq + 1);
      // Another agent's call reaches nobody else.
      await popup(a, { ivrid: 'x-2', extenUser: 'C2', phone: '0722776772', status: 'Ringing' });
      await popup(b, { ivrid: 'x-3', extenUser: 'C1', phone: '0501234567', status: 'Ringing' });
      await agent.next(isCall('x-3'));
      expect(agent.messages.some((m) => m.type === 'call' && m.call.ivrid === 'x-2')).toBe(false);
      // Each message once, numbered in order, whichever relay took the request.
      const seqs = agent.messages.filter((m): m is SequencedMessage => m.type === 'call' || m.type === 'identity').map((m) => m.seq);
      expect(seqs).toEqual([...new Set(seqs)].sort((x, y) => x - y));
    } finally {
      agent.close();
    }
  });

  it('works a call out the same whichever relay each of its phases reaches', async () => {
    const dana = await AgentClient.connect(a, await signIn(a, 'C1', 'pw-one'));
    const avi = await AgentClient.connect(b, await signIn(b, 'C2', 'pw-two'));
    try {
      await popup(a, { ivrid: 'q-1', extenUser: 'C1', phone: '0722776772', status: 'Ringing' });
      await popup(b, { ivrid: 'q-1', extenUser: 'C2', phone: '0722776772', status: 'Ringing' });
      await dana.next(isCall('q-1', 'ringing'));
      await avi.next(isCall('q-1', 'ringing'));
      // The floor is the same from both relays while the call goes on.
      const floorOf = async (relay: TestRelay) => (await relay.calls.openCalls()).find((c) => c.ivrid === 'q-1');
      expect((await floorOf(a))?.stations).toEqual([{ extenUser: 'C1', state: 'ringing' }, { extenUser: 'C2', state: 'ringing' }]);
      expect(await floorOf(b)).toEqual(await floorOf(a));
      // Dana answers (the request reaches B); the queue's other station is told the call is gone.
      await popup(b, { ivrid: 'q-1', extenUser: 'C1', phone: '0722776772', status: 'Talking' });
      await dana.next(isCall('q-1', 'talking'));
      const gone = await avi.next(isCall('q-1', 'ended'));
      expect(gone.call.answeredBy).toBe('other');
      // Her hang-up reaches A: the call ends for her too, and leaves the floor.
      await popup(a, { ivrid: 'q-1', extenUser: 'C1', phone: '0722776772', status: 'Hangup', cause: 'Normal hangup' });
      const ended = await dana.next(isCall('q-1', 'ended'));
      expect(ended.call.answeredBy).toBe('me');
      expect(await floorOf(b)).toBeUndefined();
      // One row in the call log, answered by Dana, whichever relay wrote which phase.
      const [row] = await a.sql.all<{ answered_by: string; ended_at: number | null }>("SELECT answered_by, ended_at FROM calls WHERE ivrid = 'q-1'");
      expect(row).toMatchObject({ answered_by: 'C1' });
      expect(row!.ended_at).not.toBeNull();
    } finally {
      dana.close();
      avi.close();
    }
  });

  it('ends a call whose hang-up never came once, though every relay looks for such calls', async () => {
    const avi = await AgentClient.connect(b, await signIn(b, 'C2', 'pw-two'));
    try {
      const rang = Date.now();
      await popup(a, { ivrid: 'lost-1', extenUser: 'C2', phone: '0722776772', status: 'Ringing' });
      await avi.next(isCall('lost-1', 'ringing'));
      const limits = { ringingMs: 60_000, talkingMs: 3_600_000 };
      const later = rang + 120_000;
      // Both relays at once (other tests' calls that never ended go too).
      await Promise.all([a.flow.expireStale(later, limits), b.flow.expireStale(later, limits)]);
      await avi.next(isCall('lost-1', 'ended'));
      expect(await b.flow.expireStale(later + 1, limits)).toBe(0);
      // The ended view came once.
      await popup(a, { ivrid: 'after-lost', extenUser: 'C2', phone: '0722776772', status: 'Ringing' });
      await avi.next(isCall('after-lost'));
      expect(avi.messages.filter((m) => m.type === 'call' && m.call.ivrid === 'lost-1' && m.call.state === 'ended')).toHaveLength(1);
    } finally {
      avi.close();
    }
  });

  it('a browser that reconnects to the other relay gets what it missed, replayed', async () => {
    const token = await signIn(a, 'C2', 'pw-two');
    const first = await AgentClient.connect(a, token);
    const hello = await first.next((m): m is Hello => m.type === 'hello');
    first.close();
    await first.closed();
    // While it is away, calls come in through both relays.
    await popup(a, { ivrid: 'away-1', extenUser: 'C2', phone: '0722776772', status: 'Ringing' });
    await popup(b, { ivrid: 'away-1', extenUser: 'C2', phone: '0722776772', status: 'Hangup', cause: 'Normal hangup' });
    const again = await AgentClient.connect(b, token);
    try {
      const back = await again.next((m): m is Hello => m.type === 'hello');
      expect(back.epoch).toBe(hello.epoch);
      again.ws.send(JSON.stringify({ type: 'resume', epoch: hello.epoch, seq: hello.seq, since: Date.now() - 1_000 }));
      await again.next(isCall('away-1', 'ringing'));
      await again.next(isCall('away-1', 'ended'));
      expect(again.messages.some((m) => m.type === 'resync')).toBe(false);
    } finally {
      again.close();
    }
  });

  it('a browser too long away is resynced on any relay with the calls every relay took', async () => {
    // Taken by relay B only; the browser comes back on relay A, past what replay can give.
    await popup(b, { ivrid: 'resync-1', extenUser: 'C1', phone: '0722776772', status: 'Ringing' });
    const agent = await AgentClient.connect(a, await signIn(a, 'C1', 'pw-one'));
    try {
      await agent.next((m) => m.type === 'hello');
      agent.ws.send(JSON.stringify({ type: 'resume', epoch: 'an-epoch-long-gone', seq: 1, since: Date.now() - 60_000 }));
      await agent.next((m) => m.type === 'resync');
      const again = await agent.next(isCall('resync-1', 'ringing'));
      expect(again.call.phone.local).toBe('072-277-6772');
    } finally {
      agent.close();
    }
  });

  it('a sign-out on one relay closes the session\'s sockets on the other within a second', async () => {
    const token = await signIn(a, 'C1', 'pw-one');
    const onB = await AgentClient.connect(b, token);
    await onB.next((m) => m.type === 'hello');
    const out = await fetch(`${a.url}/api/sessions/current`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    expect(out.status).toBe(204);
    expect(await onB.closed(2_000)).toBe(4001);
  });

  it('a pop-up token rotated in one relay\'s console is the one both take, within a second or two', async () => {
    await a.admins.setPassword('admin', 'console-pw');
    const signedIn = await fetch(`${a.url}/console/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [CONSOLE_HEADER]: '1' },
      body: JSON.stringify({ username: 'admin', password: 'console-pw' }),
    });
    const cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
    const old = b.token;
    const rotated = await fetch(`${a.url}/console/api/settings/rotate-token`, { method: 'POST', headers: { cookie, [CONSOLE_HEADER]: '1' } });
    expect(rotated.status).toBe(200);
    expect(a.token).not.toBe(old);
    const until = Date.now() + 5_000;
    while (b.token !== a.token && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(b.token).toBe(a.token);
    const refused = await fetch(`${b.url}/voicenter/${old}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(refused.status).toBe(404);
  });
});

describe.skipIf(!ready)('one caller lookup per call across relays', () => {
  it('a queue call whose stations\' requests reach two relays at once asks the CRM once, and both answer Voicenter with the caller', async () => {
    let asked = 0;
    const identify = async (): Promise<Identity> => {
      asked++;
      await new Promise((resolve) => setTimeout(resolve, 150));
      return { status: 'found', name: 'Dana from the CRM', company: 'Acme', url: '', total: 1, id: 'crm-1', source: 'crm', how: 'exact number' };
    };
    const env = { RELAY_DATABASE_URL: database!.url, RELAY_REDIS_URL: redis!.url, RELAY_REDIS_PREFIX: `${redis!.prefix}lookup:` };
    const [one, two] = await Promise.all([startRelay(env, { identify }), startRelay(env, { identify })]);
    try {
      const answers = await Promise.all([
        popup(one, { ivrid: 'once-1', extenUser: 'Q1', phone: '0722776772', status: 'Ringing' }),
        popup(two, { ivrid: 'once-1', extenUser: 'Q2', phone: '0722776772', status: 'Ringing' }),
      ]);
      expect(answers.map((a) => a.body.CLIENTNAME)).toEqual(['Dana from the CRM', 'Dana from the CRM']);
      expect(asked).toBe(1);
    } finally {
      await one.stop();
      await two.stop();
    }
  });
});
