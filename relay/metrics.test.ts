import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { AgentClient, popup, signIn, startRelay } from './test-helpers';

interface Family {
  name: string;
  type: string;
  metrics: { labels?: Record<string, string>; value?: string; count?: string }[];
}

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
      const families = parsePrometheusTextFormat(text) as Family[];
      const family = (name: string) => families.find((f) => f.name === name)!;
      const requests = Object.fromEntries(
        family('screenpop_popup_requests_total').metrics.map((m) => [`${m.labels!.format} ${m.labels!.outcome}`, Number(m.value)]),
      );
      expect(requests).toEqual({ 'json 200': 2, 'query 200': 1, 'unreadable 400': 1 });
      expect(Number(family('screenpop_connected_agents').metrics[0]!.value)).toBe(1);
      expect(Number(family('screenpop_connected_sockets').metrics[0]!.value)).toBe(1);
      expect(family('screenpop_delivery_duration_seconds').type).toBe('HISTOGRAM');
      expect(Number(family('screenpop_delivery_duration_seconds').metrics[0]!.count)).toBe(3);
      // One lookup: m-2 came with no number (nothing to look up). The parser keeps no histogram labels: read the line.
      expect(family('screenpop_lookup_duration_seconds').type).toBe('HISTOGRAM');
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
