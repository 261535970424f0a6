import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endlessServer, NEAR_THE_CAP } from '../tests/endless-answer';
import { fetchJson, SourceError } from './http-fetch';

/**
 * CRMs are asked over HTTPS (every SaaS CRM): Node's own HTTPS client with the certificate checked
 * against the trusted roots — Node's own, plus NODE_EXTRA_CA_CERTS for an organisation's own CA.
 */
describe('a CRM over HTTPS', () => {
  let dir: string;
  let cert: string;
  let server: Server;
  let url: string;
  let seen = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'crm-tls-'));
    cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=crm.test', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    server = createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (req, res) => {
      seen++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: [{ name: 'Dana' }], path: req.url }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/contacts?phone=%2B972722776772`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('whose certificate is not trusted is refused, in words, before any request is sent', async () => {
    const before = seen;
    await expect(fetchJson(url, { method: 'GET', headers: { Authorization: 'Bearer secret' } }, AbortSignal.timeout(5_000), 65_536)).rejects.toThrow(
      'DEPTH_ZERO_SELF_SIGNED_CERT',
    );
    expect(seen).toBe(before);
  });

  it("is read when its certificate is trusted (the organisation's CA in NODE_EXTRA_CA_CERTS)", async () => {
    // NODE_EXTRA_CA_CERTS is read when Node starts: a process of its own, asking this server.
    const script = `import { fetchJson } from './relay/lookup/http-fetch.ts';
      console.log(JSON.stringify(await fetchJson(${JSON.stringify(url)}, { method: 'GET', headers: {} }, AbortSignal.timeout(5000), 65536)));`;
    // (Not execFileSync: this process's event loop serves the CRM meanwhile.)
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: cert },
      encoding: 'utf8',
    });
    expect(JSON.parse(stdout)).toEqual({ status: 200, json: { data: [{ name: 'Dana' }], path: '/contacts?phone=%2B972722776772' } });
  });
});

describe('connections to a CRM', () => {
  it('are kept for the next lookup, and closed by the relay after 4 s unused (before the server would)', async () => {
    const server = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    server.keepAliveTimeout = 60_000;
    let opened = 0;
    server.on('connection', () => opened++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/contacts`;
    const connections = () => new Promise<number>((resolve) => server.getConnections((_err, n) => resolve(n)));
    try {
      await fetchJson(url, { method: 'GET', headers: {} }, AbortSignal.timeout(5_000), 1_000);
      await fetchJson(url, { method: 'GET', headers: {} }, AbortSignal.timeout(5_000), 1_000);
      expect(opened).toBe(1);
      const idleSince = performance.now();
      const deadline = idleSince + 10_000;
      while ((await connections()) > 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await connections()).toBe(0);
      expect(performance.now() - idleSince).toBeGreaterThan(3_500);
    } finally {
      server.close();
    }
  });
});

describe('a request Node refuses to send', () => {
  it('fails as a source error naming why (a line break in a header value), not as a crash', async () => {
    const request = fetchJson('http://127.0.0.1:9/contacts', { method: 'GET', headers: { 'X-Client': 'screen\npop' } }, AbortSignal.timeout(5_000), 1_000);
    await expect(request).rejects.toBeInstanceOf(SourceError);
    await expect(request).rejects.toThrow('ERR_INVALID_CHAR');
  });
});

describe('a CRM answer that never ends', () => {
  it("is read no further than the source's cap, the connection closed, a source error in words", async () => {
    const endless = await endlessServer({ prefix: '{"data":[{"name":"' });
    try {
      const request = fetchJson(`${endless.url}/contacts`, { method: 'GET', headers: {} }, AbortSignal.timeout(30_000), 1024 * 1024);
      await expect(request).rejects.toBeInstanceOf(SourceError);
      await expect(request).rejects.toThrow('answer larger than 1048576 bytes');
      await endless.ended(1);
      expect([endless.cutOff(), endless.gaveUp()]).toEqual([1, 0]);
      expect(endless.sent()).toBeLessThan(NEAR_THE_CAP);
    } finally {
      await endless.close();
    }
  });
});
