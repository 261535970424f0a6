import { describe, expect, it } from 'vitest';
import { loadConfig } from '../platform/config';
import { AgentClient, popup, signIn, startRelay } from './helpers';


describe('GET /metrics', () => {
  it('counts pop-up requests by format and outcome, agents and sockets, deliveries and lookups', async () => {
    const relay = await startRelay({});
    try {
      await relay.agents.add('M1', '', 'pw');
      const agent = await AgentClient.connect(relay, await signIn(relay, 'M1', 'pw'));
      await popup(relay, { ivrid: 'm-1', extenUser: 'M1', phone: '0722776772', status: 'Ringing' });
      await popup(relay, { ivrid: 'm-1', extenUser: 'M1', status: 'Hangup', cause: 'x' });
      await popup(relay, { ivrid: 'm-2', extenUser: 'M1', status: 'Ringing' }, 'query');
      await fetch(relay.popupUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{bad' });
      await agent.next((m) => m.type === 'call' && m.call.ivrid === 'm-2');

      const res = await fetch(`${relay.url}/metrics`);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await res.text();
      // What was served is what prom-client holds: read the values from its JSON, the format from the text.
      const families = await relay.metrics.registry.getMetricsAsJSON();
      const family = (name: string) => families.find((f) => f.name === name)!;
      for (const name of ['screenpop_popup_requests_total', 'screenpop_connected_agents', 'screenpop_delivery_duration_seconds']) {
        expect(text).toMatch(new RegExp(`^# TYPE ${name} \\w+$`, 'm'));
      }
      const requests = Object.fromEntries(
        family('screenpop_popup_requests_total').values.map((v) => [`${String(v.labels.format)} ${String(v.labels.outcome)}`, v.value]),
      );
      expect(requests).toEqual({ 'json 200': 2, 'query 200': 1, 'unreadable 400': 1 });
      expect(family('screenpop_connected_agents').values[0]!.value).toBe(1);
      expect(family('screenpop_connected_sockets').values[0]!.value).toBe(1);
      expect(family('screenpop_delivery_duration_seconds').type).toBe('histogram');
      expect(text).toMatch(/^screenpop_delivery_duration_seconds_count 3$/m);
      // One lookup: m-2 came with no number (nothing to look up).
      expect(text).toMatch(/^screenpop_lookup_duration_seconds_count\{source="directory",outcome="none"\} 1$/m);
      agent.close();
    } finally {
      await relay.stop();
    }
  });
});

describe('GET /readyz', () => {
  it('is ready when the database answers', async () => {
    const relay = await startRelay({});
    try {
      const res = await fetch(`${relay.url}/readyz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ready', database: true, sources: { directory: 'closed' } });
    } finally {
      await relay.stop();
    }
  });
});

describe('who may read /metrics and /readyz', () => {
  const TOKEN = 'scrape-token-0123456789';

  it('answers this machine and private networks by default, not an outside address, and /healthz says only ok to anyone', async () => {
    const relay = await startRelay({ RELAY_TRUST_PROXY: 'loopback' });
    try {
      const from = (ip: string, path: string) => fetch(`${relay.url}${path}`, { headers: { 'x-forwarded-for': ip } });
      expect((await from('10.1.2.3', '/metrics')).status).toBe(200);
      expect((await from('192.168.1.9', '/readyz')).status).toBe(200);
      for (const path of ['/metrics', '/readyz']) {
        const refused = await from('203.0.113.9', path);
        expect(refused.status).toBe(403);
        const text = await refused.text();
        expect(JSON.parse(text)).toMatchObject({ STATUS: 'ERROR', CODE: 'FORBIDDEN_ADDRESS' });
        expect(text).not.toMatch(/directory|screenpop_|circuit/);
      }
      const health = await from('203.0.113.9', '/healthz');
      expect(health.status).toBe(200);
      expect(await health.text()).toBe('{"status":"ok"}');
    } finally {
      await relay.stop();
    }
  });

  it('answers any address with the bearer token, and no address outside the list without it', async () => {
    const relay = await startRelay({ RELAY_METRICS_ALLOW_IPS: ['10.0.0.0/8'], RELAY_METRICS_TOKEN: TOKEN });
    try {
      expect((await fetch(`${relay.url}/metrics`)).status).toBe(403);
      expect((await fetch(`${relay.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(403);
      const ok = await fetch(`${relay.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('screenpop_connected_agents');
      expect((await fetch(`${relay.url}/readyz`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    } finally {
      await relay.stop();
    }
  });

  it('reads the settings: none means the token alone, a bad address is named', () => {
    expect(loadConfig({ RELAY_METRICS_ALLOW_IPS: 'none' }).config.RELAY_METRICS_ALLOW_IPS).toEqual([]);
    expect(loadConfig({}).config.RELAY_METRICS_ALLOW_IPS).toContain('127.0.0.0/8');
    expect(() => loadConfig({ RELAY_METRICS_ALLOW_IPS: 'localhost' })).toThrow(/^RELAY_METRICS_ALLOW_IPS: /);
    expect(() => loadConfig({ RELAY_METRICS_TOKEN: 'short' })).toThrow(/^RELAY_METRICS_TOKEN: /);
  });
});
