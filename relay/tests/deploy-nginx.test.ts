import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../shared/messages';
import { Console, PASSWORD } from './console-client';
import { AgentClient, popup, signIn, startRelay, type TestRelay } from './helpers';
import { freePort, getFrom, nginxBinary, replaceOnce, startNginx, type NginxProcess } from './nginx-process';
import { clusterServices } from './per-test';
import { SERVICES_REQUIRED } from './services';

/**
 * docker-compose.yml's nginx configuration, deploy/nginx.conf, read as it is now, with Debian's
 * real nginx in front of two real relays on the machine's PostgreSQL and Redis: only the
 * upstreams' addresses and the listening port are rewritten. Health checks, pop-ups in every
 * format, an agent's WebSocket and the client's address (X-Forwarded-For) go through it.
 */
const CONF_PATH = fileURLToPath(new URL('../../deploy/nginx.conf', import.meta.url));
const NGINX = nginxBinary();
if (!NGINX) {
  const why = 'nginx is missing (neither /usr/sbin/nginx nor nginx on PATH): install it (apt-get install nginx) to check deploy/nginx.conf';
  if (SERVICES_REQUIRED) throw new Error(`${why}; SCREENPOP_REQUIRE_SERVICES=1 makes this a failure`);
  console.warn(`Skipping the nginx tests: ${why}.`);
}
const { database, redis, ready } = NGINX ? await clusterServices() : { database: null, redis: null, ready: false };

/** Only this address may read /metrics: it answers through nginx only if the relay saw the client's address, not nginx's (127.0.0.1). */
const CLIENT = '127.0.0.5';
const OTHER_CLIENT = '127.0.0.6';

let a: TestRelay;
let b: TestRelay;
let nginx: NginxProcess;

beforeAll(async () => {
  if (!NGINX || !ready) return;
  const env = {
    RELAY_DATABASE_URL: database!.url,
    RELAY_REDIS_URL: redis!.url,
    RELAY_REDIS_PREFIX: redis!.prefix,
    RELAY_TRUST_PROXY: 'loopback',
    RELAY_METRICS_ALLOW_IPS: [CLIENT],
  };
  a = await startRelay(env);
  b = await startRelay(env);
  await a.agents.add('N1', 'Dana', 'pw-one');
  await a.agents.add('N2', 'Avi', 'pw-two');
  await a.directory.upsert({ id: 'c-1', name: 'Nikita Karpushin', company: 'Voicenter', url: '', phones: ['0722776772'] });
  let site = readFileSync(CONF_PATH, 'utf8');
  const port = await freePort();
  site = replaceOnce(site, 'server relay-a:8080;', `server 127.0.0.1:${new URL(a.url).port};`, 'deploy/nginx.conf');
  site = replaceOnce(site, 'server relay-b:8080;', `server 127.0.0.1:${new URL(b.url).port};`, 'deploy/nginx.conf');
  site = replaceOnce(site, 'listen 8080;', `listen 127.0.0.1:${port};`, 'deploy/nginx.conf');
  nginx = await startNginx(NGINX, site, port);
}, 60_000);
afterAll(async () => {
  await nginx?.stop();
  await a?.stop();
  await b?.stop();
});

const isCall = (ivrid: string, state?: string) => (m: ServerMessage): m is Extract<ServerMessage, { type: 'call' }> =>
  m.type === 'call' && m.call.ivrid === ivrid && (state === undefined || m.call.state === state);

/** Pop-up requests one relay counted, by format. */
async function popupsCounted(relay: TestRelay): Promise<Record<string, number>> {
  const counted: Record<string, number> = {};
  for (const { labels, value } of (await relay.metrics.popupRequests.get()).values) {
    const format = String(labels.format);
    counted[format] = (counted[format] ?? 0) + value;
  }
  return counted;
}

const viaNginx = () => ({ url: nginx.base, popupUrl: `${nginx.base}/voicenter/${a.token}` });

describe.skipIf(!NGINX || !ready)('deploy/nginx.conf in front of two relays', () => {
  it('passes /healthz on', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${nginx.base}/healthz`);
      expect(res.status, nginx.explain(`GET /healthz through nginx: ${res.status} ${await res.text()}`)).toBe(200);
    }
  });

  it('passes pop-ups in every format on, to both relays in turn', async () => {
    const before = [await popupsCounted(a), await popupsCounted(b)];
    const formats = ['json', 'form', 'query'] as const;
    for (const format of formats) {
      for (let i = 0; i < 4; i++) {
        const answer = await popup(viaNginx(), { ivrid: `n-${format}-${i}`, extenUser: 'N2', phone: '0722776772', status: 'Ringing' }, format);
        expect(answer.status, nginx.explain(`a ${format} pop-up through nginx: ${answer.status} ${JSON.stringify(answer.body)}`)).toBe(200);
      }
    }
    const after = [await popupsCounted(a), await popupsCounted(b)];
    const taken = after.map((counts, i) => Object.fromEntries(formats.map((f) => [f, (counts[f] ?? 0) - (before[i]![f] ?? 0)])));
    // Every request reached a relay once; nginx's round robin gave each relay some.
    for (const format of formats) expect(taken[0]![format]! + taken[1]![format]!, `${format} pop-ups counted`).toBe(4);
    const total = (t: Record<string, number>) => Object.values(t).reduce((x, y) => x + y, 0);
    expect(total(taken[0]!), `pop-ups relay A took (B took ${total(taken[1]!)}): both upstreams should be used`).toBeGreaterThan(0);
    expect(total(taken[1]!), `pop-ups relay B took (A took ${total(taken[0]!)}): both upstreams should be used`).toBeGreaterThan(0);
  });

  it("keeps an agent's WebSocket, signed in through nginx, and it gets calls rung on either relay", async () => {
    const token = await signIn(viaNginx(), 'N1', 'pw-one');
    let agent: AgentClient;
    try {
      agent = await AgentClient.connect(viaNginx(), token);
    } catch (err) {
      throw new Error(nginx.explain(`the agent's WebSocket (/ws) did not open through nginx (${(err as Error).message}): does deploy/nginx.conf still pass Upgrade and Connection on, with HTTP/1.1?`), { cause: err });
    }
    try {
      await agent.next((m) => m.type === 'hello');
      expect((await popup(a, { ivrid: 'n-on-a', extenUser: 'N1', phone: '0722776772', status: 'Ringing' })).status).toBe(200);
      const onA = await agent.next(isCall('n-on-a', 'ringing'));
      expect(onA.call.identity).toMatchObject({ status: 'found', name: 'Nikita Karpushin' });
      expect((await popup(b, { ivrid: 'n-on-b', extenUser: 'N1', phone: '0501234567', status: 'Ringing' })).status).toBe(200);
      await agent.next(isCall('n-on-b', 'ringing'));
      expect((await popup(viaNginx(), { ivrid: 'n-via-nginx', extenUser: 'N1', phone: '0722776772', status: 'Ringing' })).status).toBe(200);
      await agent.next(isCall('n-via-nginx', 'ringing'));
      expect(agent.invalid).toEqual([]);
      expect(agent.closeCode).toBeUndefined();
    } finally {
      agent.close();
    }
  });

  it("tells the relays the client's address (X-Forwarded-For), not nginx's", async () => {
    // Directly, nginx's own address (127.0.0.1) may not read /metrics; through it, only CLIENT may.
    expect(await getFrom(a.url, '/metrics', '127.0.0.1')).toBe(403);
    for (let i = 0; i < 2; i++) {
      // Twice each: round robin sends them to both relays.
      expect(await getFrom(nginx.base, '/metrics', CLIENT), nginx.explain(`/metrics from ${CLIENT} through nginx: the relay did not see the client's address`)).toBe(200);
      expect(await getFrom(nginx.base, '/metrics', OTHER_CLIENT), `/metrics from ${OTHER_CLIENT} through nginx`).toBe(403);
    }
  });

  it('does not let a client choose the address the relays see (a forged X-Forwarded-For)', async () => {
    for (let i = 0; i < 2; i++) {
      const status = await getFrom(nginx.base, '/metrics', OTHER_CLIENT, { 'x-forwarded-for': CLIENT });
      expect(status, nginx.explain(`/metrics from ${OTHER_CLIENT} claiming to be ${CLIENT}: nginx passed the client's X-Forwarded-For on`)).toBe(403);
    }
  });

  it("passes a directory CSV of several megabytes on to the console (the relay's 20 MB limit, not nginx's 1 MB default)", async () => {
    await a.admins.setPassword('admin', PASSWORD);
    const throughNginx = { url: nginx.base } as TestRelay;
    const admin = await Console.signIn(throughNginx);
    const rows = Array.from({ length: 60_000 }, (_, i) => `Contact ${i},Company ${i},+97250${String(1_000_000 + i)}`);
    const csv = ['name,company,phone', ...rows].join('\n');
    expect(csv.length).toBeGreaterThan(2 * 1024 * 1024);
    const preview = await admin.call('/contacts/import?dryRun=1', { method: 'POST', body: csv, type: 'text/csv' });
    expect(preview.status, nginx.explain(`a ${(csv.length / 1024 / 1024).toFixed(1)} MB contacts CSV through nginx: ${preview.status} ${preview.text.slice(0, 200)}`)).toBe(200);
    expect(preview.body, JSON.stringify(preview.body).slice(0, 300)).toMatchObject({ good: rows.length, bad: [] });
  });
});
