import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { get } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { popup, startRelay } from './test-helpers';

describe('the pop-up endpoint behind an IP allow-list', () => {
  it('refuses an address outside the list with 403, and serves one inside', async () => {
    const closed = await startRelay({ RELAY_POPUP_ALLOW_IPS: ['10.0.0.0/8', '2001:db8::/32'] });
    const open = await startRelay({ RELAY_POPUP_ALLOW_IPS: ['127.0.0.0/8'] });
    try {
      const refused = await popup(closed, { ivrid: 'ip-1', phone: '0722776772', status: 'Ringing' });
      expect(refused).toMatchObject({ status: 403, body: { STATUS: 'ERROR', CODE: 'FORBIDDEN_ADDRESS' } });
      expect((await popup(open, { ivrid: 'ip-2', status: 'Ringing' })).status).toBe(200);
    } finally {
      await closed.stop();
      await open.stop();
    }
  });

  it('believes X-Forwarded-For only from a trusted proxy', async () => {
    const trusting = await startRelay({ RELAY_POPUP_ALLOW_IPS: ['203.0.113.0/24'], RELAY_TRUST_PROXY: 'loopback' });
    const notTrusting = await startRelay({ RELAY_POPUP_ALLOW_IPS: ['203.0.113.0/24'] });
    try {
      const send = (relay: { popupUrl: string }) =>
        fetch(`${relay.popupUrl}?ivrid=xff-1&statusCall=Ringing`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
      expect((await send(trusting)).status).toBe(200);
      expect((await send(notTrusting)).status).toBe(403);
    } finally {
      await trusting.stop();
      await notTrusting.stop();
    }
  });
});

describe('TLS served directly', () => {
  it('answers over HTTPS with the given certificate and key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tls-'));
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-days', '1', '-keyout', key, '-out', cert], {
      stdio: 'ignore',
    });
    const relay = await startRelay({ RELAY_TLS_CERT: cert, RELAY_TLS_KEY: key });
    try {
      const url = relay.url.replace('http:', 'https:');
      const body = await new Promise<string>((resolve, reject) => {
        get(`${url}/healthz`, { rejectUnauthorized: false }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve(text));
        }).on('error', reject);
      });
      expect(JSON.parse(body)).toEqual({ status: 'ok' });
    } finally {
      await relay.stop();
    }
  });
});

describe('a client that sends its body slowly', () => {
  it('is cut off after the request timeout, and the relay goes on serving', async () => {
    const relay = await startRelay({ RELAY_REQUEST_TIMEOUT_MS: 300 });
    try {
      const { port } = new URL(relay.url);
      const socket = connect(Number(port), '127.0.0.1');
      socket.write(`POST /voicenter/${relay.token} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"ivrid":`);
      const answer = await new Promise<string>((resolve) => {
        let text = '';
        socket.on('data', (d: Buffer) => (text += d.toString()));
        socket.on('close', () => resolve(text));
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      expect((await popup(relay, { ivrid: 'after-slow', status: 'Ringing' })).status).toBe(200);
    } finally {
      await relay.stop();
    }
  });
});
