import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identity, ServerMessage } from '../../shared/messages';
import { FORM_SAMPLE, GET_SAMPLE, JSON_ANSWER, JSON_HANGUP, JSON_RINGING } from '../../shared/fixtures/voicenter-samples';
import { VOICENTER_EXTENSION_ORIGIN } from '../platform/config';
import { AgentClient, popup, signIn, startRelay, type TestRelay } from './helpers';

const isCall = (ivrid: string, state?: string) => (m: ServerMessage) =>
  m.type === 'call' && m.call.ivrid === ivrid && (state === undefined || m.call.state === state);

let relay: TestRelay;
let dana: AgentClient;
let avi: AgentClient;
let uniq = 0;
const ivrid = () => `ivr${Date.now()}x${uniq++}`;

beforeAll(async () => {
  relay = await startRelay({
    RELAY_CONTACT_URL: 'https://crm.example/contacts/{id}?from={e164}',
    RELAY_SEARCH_URL: 'https://crm.example/search?q={local}',
  });
  await relay.agents.add('KGpK4iWq', 'Dana', 'dana-pass');
  await relay.agents.add('Avi01', 'Avi', 'avi-pass');
  await relay.directory.upsert({ id: 'c-1', name: 'Nikita Karpushin', company: 'Voicenter', url: '', phones: ['0722776772'] });
  await relay.directory.upsert({ id: 'c-2', name: 'דנה כהן', company: 'חברה בע"מ', url: 'https://crm.example/own/2', phones: ['050-123-4567'] });
  await relay.directory.upsert({ id: 'c-3', name: 'Switchboard A', company: 'Acme', url: '', phones: ['03-7654321'] });
  await relay.directory.upsert({ id: 'c-4', name: 'Switchboard B', company: 'Acme', url: '', phones: ['+972 3 765 4321'] });
  dana = await AgentClient.connect(relay, await signIn(relay, 'KGpK4iWq', 'dana-pass'));
  avi = await AgentClient.connect(relay, await signIn(relay, 'Avi01', 'avi-pass'));
});

afterAll(async () => {
  await relay.stop();
});

describe('GET|POST /voicenter/:token', () => {
  describe('the three formats of the Voicenter document', () => {
    it('answers the GET sample with the matched contact', async () => {
      const res = await fetch(`${relay.popupUrl}?${GET_SAMPLE}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toEqual({
        STATUS: 'OK',
        URL: 'https://crm.example/contacts/c-1?from=%2B972722776772',
        CLIENTNAME: 'Nikita Karpushin',
        TOTAL: 1,
        COMPANY: 'Voicenter',
      });
    });

    it('answers the form sample', async () => {
      const res = await fetch(relay.popupUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: FORM_SAMPLE.replace('202010111sdsd3684752bcb3d', ivrid()),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ STATUS: 'OK', CLIENTNAME: 'Nikita Karpushin', TOTAL: 1 });
    });

    it('delivers the JSON ringing, answer and hang-up phases to the agent, in order', async () => {
      const id = ivrid();
      for (const sample of [JSON_RINGING, JSON_ANSWER, JSON_HANGUP]) {
        const { status, body } = await popup(relay, { ...sample, ivrid: id });
        expect(status).toBe(200);
        expect(body).toMatchObject({ STATUS: 'OK', CLIENTNAME: 'Nikita Karpushin', COMPANY: 'Voicenter', TOTAL: 1 });
      }
      await dana.next(isCall(id, 'ended'));
      const states = dana.calls(id).map((m) => m.call.state);
      expect(states).toEqual(['ringing', 'talking', 'ended']);
      const seqs = dana.calls(id).map((m) => m.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      const ended = dana.calls(id).at(-1)!.call;
      expect(ended).toMatchObject({ answeredBy: 'me', cause: 'Normal hangup', callerName: 'Queue Testing' });
      expect(ended.identity).toMatchObject({ status: 'found', name: 'Nikita Karpushin', how: 'exact number' });
    });
  });

  describe('the ringing message', () => {
    it('carries what Voicenter sent and the directory match in one message', async () => {
      const id = ivrid();
      await popup(relay, { ivrid: id, extenUser: 'KGpK4iWq', phone: '972501234567', status: 'Ringing', callerName: 'Queue' });
      const m = await dana.next(isCall(id));
      expect(m.type === 'call' && m.call).toMatchObject({
        state: 'ringing',
        direction: 'unknown',
        callerName: 'Queue',
        phone: { raw: '972501234567', e164: '+972501234567', local: '050-123-4567', withheld: false },
        identity: { status: 'found', name: 'דנה כהן', company: 'חברה בע"מ', url: 'https://crm.example/own/2', total: 1 },
      });
    });

    it.each([
      ['international without plus', '972722776772'],
      ['local', '0722776772'],
      ['with plus and dashes', '+972-72-277-6772'],
      ['with spaces', '072 277 6772'],
    ])('matches a number written %s', async (_how, phone) => {
      const { body } = await popup(relay, { ivrid: ivrid(), phone, status: 'Ringing' });
      expect(body.CLIENTNAME).toBe('Nikita Karpushin');
    });

    it.each(['', 'Anonymous', 'Private', 'Restricted'])('still delivers a call whose number is %j', async (phone) => {
      const id = ivrid();
      const { status, body } = await popup(relay, { ivrid: id, phone, extenUser: 'KGpK4iWq', status: 'Ringing' }, 'query');
      expect(status).toBe(200);
      expect(body).toEqual({ STATUS: 'OK', URL: '', CLIENTNAME: '', TOTAL: 0, COMPANY: '' });
      const m = await dana.next(isCall(id));
      expect(m.type === 'call' && m.call.phone.withheld).toBe(true);
    });

    it('answers an unknown caller with TOTAL 0 and the search URL', async () => {
      const { body } = await popup(relay, { ivrid: ivrid(), phone: '0529999999', status: 'Ringing' });
      expect(body).toEqual({
        STATUS: 'OK',
        URL: 'https://crm.example/search?q=052-999-9999',
        CLIENTNAME: '',
        TOTAL: 0,
        COMPANY: '',
      });
    });

    it('answers several matches with their count, the best one named, and the search URL', async () => {
      const { body } = await popup(relay, { ivrid: ivrid(), phone: '037654321', status: 'Ringing' });
      expect(body).toMatchObject({ TOTAL: 2, COMPANY: 'Acme', URL: 'https://crm.example/search?q=03-765-4321' });
      expect(['Switchboard A', 'Switchboard B']).toContain(body.CLIENTNAME);
    });
  });

  describe('several stations and retries', () => {
    it('delivers a retried ringing once per agent', async () => {
      const id = ivrid();
      const ring = { ivrid: id, extenUser: 'KGpK4iWq', phone: '0722776772', status: 'Ringing' };
      const answers = await Promise.all([popup(relay, ring), popup(relay, ring), popup(relay, ring, 'form')]);
      for (const a of answers) expect(a.body).toMatchObject({ STATUS: 'OK', CLIENTNAME: 'Nikita Karpushin' });
      await popup(relay, { ...ring, status: 'Hangup' });
      await dana.next(isCall(id, 'ended'));
      expect(dana.calls(id).map((m) => m.call.state)).toEqual(['ringing', 'ended']);
    });

    it('rings every station of a queue, and clears the others when one answers', async () => {
      const id = ivrid();
      await popup(relay, { ivrid: id, extenUser: 'KGpK4iWq', phone: '0722776772', status: 'Ringing' });
      await popup(relay, { ivrid: id, extenUser: 'Avi01', phone: '0722776772', status: 'Ringing' });
      await avi.next(isCall(id, 'ringing'));
      await popup(relay, { ivrid: id, extenUser: 'KGpK4iWq', phone: '0722776772', status: 'Talking' });
      const aviEnded = await avi.next(isCall(id, 'ended'));
      expect(aviEnded.type === 'call' && aviEnded.call.answeredBy).toBe('other');
      const danaTalking = await dana.next(isCall(id, 'talking'));
      expect(danaTalking.type === 'call' && danaTalking.call.answeredBy).toBe('me');
    });

    it('never delivers a call to an agent it is not for', async () => {
      const id = ivrid();
      await popup(relay, { ivrid: id, extenUser: 'Avi01', phone: '0722776772', status: 'Ringing' });
      await popup(relay, { ivrid: id, extenUser: 'Avi01', status: 'Hangup', cause: 'Normal hangup' });
      await avi.next(isCall(id, 'ended'));
      // Dana's socket got everything Avi's did before it; a message for this call would be there by now.
      const marker = ivrid();
      await popup(relay, { ivrid: marker, extenUser: 'KGpK4iWq', status: 'Ringing' });
      await dana.next(isCall(marker));
      expect(dana.calls(id)).toEqual([]);
    });

    it('delivers to every browser the agent is signed in on', async () => {
      const second = await AgentClient.connect(relay, await signIn(relay, 'KGpK4iWq', 'dana-pass'));
      const id = ivrid();
      await popup(relay, { ivrid: id, extenUser: 'KGpK4iWq', status: 'Ringing' });
      const [a, b] = await Promise.all([dana.next(isCall(id)), second.next(isCall(id))]);
      expect(a).toEqual(b);
      second.close();
    });

    it('logs and acknowledges an unknown status without delivering it', async () => {
      const id = ivrid();
      const { status, body } = await popup(relay, { ivrid: id, extenUser: 'KGpK4iWq', phone: '0722776772', status: 'Transferring' });
      expect(status).toBe(200);
      expect(body.STATUS).toBe('OK');
      const marker = ivrid();
      await popup(relay, { ivrid: marker, extenUser: 'KGpK4iWq', status: 'Ringing' });
      await dana.next(isCall(marker));
      expect(dana.calls(id)).toEqual([]);
    });
  });

  describe('security and bad input', () => {
    it('answers a wrong token with 404 and delivers nothing', async () => {
      const id = ivrid();
      const res = await fetch(`${relay.url}/voicenter/not-the-token?ivrid=${id}&extenUser=KGpK4iWq&statusCall=Ringing`);
      expect(res.status).toBe(404);
      const marker = ivrid();
      await popup(relay, { ivrid: marker, extenUser: 'KGpK4iWq', status: 'Ringing' });
      await dana.next(isCall(marker));
      expect(dana.calls(id)).toEqual([]);
    });

    it('answers the preflight of Voicenter\'s extension and allows its origin', async () => {
      const res = await fetch(relay.popupUrl, {
        method: 'OPTIONS',
        headers: {
          origin: VOICENTER_EXTENSION_ORIGIN,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(VOICENTER_EXTENSION_ORIGIN);
      expect(res.headers.get('access-control-allow-methods')).toContain('POST');
      const get = await fetch(`${relay.popupUrl}?ivrid=${ivrid()}`, { headers: { origin: VOICENTER_EXTENSION_ORIGIN } });
      expect(get.headers.get('access-control-allow-origin')).toBe(VOICENTER_EXTENSION_ORIGIN);
    });

    it('does not allow other origins', async () => {
      const res = await fetch(`${relay.popupUrl}?ivrid=${ivrid()}`, { headers: { origin: 'https://evil.example' } });
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    });

    it.each([
      ['malformed JSON', 'application/json', '{"ivrid": ', 400, 'MALFORMED_JSON'],
      ['an unsupported content type', 'text/plain', 'ivrid=1', 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['a body over 64 KB', 'application/json', JSON.stringify({ ivrid: 'x', pad: 'a'.repeat(70_000) }), 413, 'TOO_LARGE'],
      ['a JSON list', 'application/json', '[1,2]', 400, 'INVALID_FIELDS'],
      ['a list where text belongs', 'application/json', '{"ivrid":"x","phone":["1"]}', 400, 'INVALID_FIELDS'],
      ['no ivrid', 'application/x-www-form-urlencoded', 'phone=1', 400, 'INVALID_FIELDS'],
    ])('answers %s with a clear 4xx', async (_what, type, body, status, code) => {
      const res = await fetch(relay.popupUrl, { method: 'POST', headers: { 'content-type': type }, body });
      expect(res.status).toBe(status);
      const json = (await res.json()) as Record<string, unknown>;
      expect(json).toMatchObject({ STATUS: 'ERROR', CODE: code });
      expect(json.ERROR).toMatch(/\w+ \w+/);
    });

    it('answers a repeated query field with 400', async () => {
      const res = await fetch(`${relay.popupUrl}?ivrid=a1&phone=1&phone=2`);
      expect(res.status).toBe(400);
    });

    it('is not polluted by __proto__ keys', async () => {
      const res = await fetch(relay.popupUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"ivrid":"proto1","__proto__":{"isAdmin":true},"constructor":{"prototype":{"x":1}}}',
      });
      expect(res.status).toBe(200);
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    });

    it('always answers valid JSON and never a 5xx, whatever the body (property)', async () => {
      const bodies = fc.oneof(
        fc.json().map((b) => ['application/json', b] as const),
        fc.dictionary(fc.string(), fc.jsonValue()).map((d) => ['application/json', JSON.stringify(d)] as const),
        fc.dictionary(fc.string(), fc.string()).map(
          (d) => ['application/x-www-form-urlencoded', new URLSearchParams(d).toString()] as const,
        ),
        fc.string().map((s) => ['application/x-www-form-urlencoded', s] as const),
        fc.string().map((s) => ['application/json', s] as const),
      );
      await fc.assert(
        fc.asyncProperty(bodies, async ([type, body]) => {
          const res = await fetch(relay.popupUrl, { method: 'POST', headers: { 'content-type': type }, body });
          expect(res.status).toBeLessThan(500);
          const json = (await res.json()) as Record<string, unknown>;
          expect(['OK', 'ERROR']).toContain(json.STATUS);
        }),
        { numRuns: 300 },
      );
      expect((await fetch(`${relay.url}/healthz`)).status).toBe(200);
    });

    it('always answers a query string (property)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.dictionary(fc.string(), fc.string()), async (d) => {
          const res = await fetch(`${relay.popupUrl}?${new URLSearchParams(d).toString()}`);
          expect([200, 400]).toContain(res.status);
        }),
        { numRuns: 200 },
      );
    });
  });
});

describe('a slow caller lookup', () => {
  it('rings at once with a pending identity, then sends the match as an update', async () => {
    let finish!: (identity: Identity) => void;
    const slow = await startRelay({}, { identify: () => new Promise<Identity>((resolve) => (finish = resolve)) });
    try {
      await slow.agents.add('KGpK4iWq', 'Dana', 'pw');
      const client = await AgentClient.connect(slow, await signIn(slow, 'KGpK4iWq', 'pw'));
      const answer = popup(slow, { ivrid: 'slow1', extenUser: 'KGpK4iWq', phone: '0722776772', status: 'Ringing' });
      const ringing = await client.next(isCall('slow1'));
      expect(ringing.type === 'call' && ringing.call.identity.status).toBe('pending');
      const identity: Identity = {
        status: 'found', name: 'Late Match', company: 'Slow CRM', url: 'https://crm.example/9', total: 1, id: '9', source: 'test', how: 'exact number',
      };
      finish(identity);
      const update = await client.next((m): m is Extract<ServerMessage, { type: 'identity' }> => m.type === 'identity');
      expect(update).toEqual({ type: 'identity', seq: ringing.type === 'call' ? ringing.seq + 1 : -1, ivrid: 'slow1', identity });
      expect((await answer).body).toMatchObject({ CLIENTNAME: 'Late Match', COMPANY: 'Slow CRM' });
      client.close();
    } finally {
      await slow.stop();
    }
  });
});
