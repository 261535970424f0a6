import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parsePhone } from '../../shared/phone';
import { openDatabase, type DB } from '../platform/db';
import { SqliteSql } from '../platform/sql';
import { Directory } from './directory';
import { LookupCache } from './cache';
import { makeConfig } from '../platform/config';
import { createChain, LookupChain } from './chain';
import { DEFAULT_LOOKUP } from './config';
import { settledThisTurn } from './this-turn';
import { directorySource, voicenterForwardSource, type Source } from './sources';
import { found, json, nobody, restSource as rest, testServer, type TestServer } from '../tests/crm-servers';

const phone = parsePhone('0722776772', 'IL');
let db: DB;
let servers: TestServer[] = [];
let logged: string[] = [];
let clock = 1_000_000;
const log = pino({ level: 'warn' }, { write: (line: string) => void logged.push(line) });

beforeEach(() => {
  db = openDatabase(mkdtempSync(join(tmpdir(), 'chain-')));
  logged = [];
  clock = 1_000_000;
});
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function crm(handler: Parameters<typeof testServer>[0]): Promise<TestServer> {
  const server = await testServer(handler);
  servers.push(server);
  return server;
}

function chain(sources: Source[], cache = false): LookupChain {
  return new LookupChain({
    sources,
    cache: cache ? new LookupCache(new SqliteSql(db), { positiveTtlMs: 60_000, negativeTtlMs: 10_000, staleMs: 600_000, maxEntries: 100 }, () => clock) : null,
    searchUrl: 'https://search.example/?q={e164}',
    circuit: { failures: 3, cooldownMs: 30_000 },
    log,
    now: () => clock,
  });
}

describe('an http source', () => {
  it('sends the templated request with its credentials and maps the answer', async () => {
    const server = await crm(found('Dana Cohen'));
    const traced = await chain([rest('crm', server.url)]).trace(phone);
    expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/contacts' });
    expect(server.requests[0]!.query.get('phone')).toBe('+972722776772');
    expect(server.requests[0]!.headers.authorization).toBe('Bearer SECRET-TOKEN-123');
    expect(traced.identity).toEqual({
      status: 'found',
      name: 'Dana Cohen',
      company: 'Acme',
      url: `${server.url}/contacts/7`,
      total: 1,
      id: '7',
      source: 'crm',
      how: 'exact number',
    });
  });

  it('posts a JSON body template with the number in it', async () => {
    const server = await crm(found('Dana'));
    await chain([rest('crm', server.url, { method: 'POST', query: {}, body: { filter: { phone: '{digits}', local: '{national}' } } })]).trace(phone);
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ filter: { phone: '972722776772', local: '0722776772' } });
    expect(server.requests[0]!.headers['content-type']).toBe('application/json');
  });

  it('counts several matches, names the first, and gives the search page', async () => {
    const server = await crm((_r, res) => json(res, { data: [{ id: 1, name: 'A', org: 'X' }, { id: 2, name: 'B', org: 'Y' }, { id: 3, name: 'C' }] }));
    const { identity } = await chain([rest('crm', server.url)]).trace(phone);
    expect(identity).toMatchObject({ status: 'multiple', total: 3, name: 'A', url: `${server.url}/search?q=972722776772` });
  });

  it('says how it matched when it searches by the last digits', async () => {
    const server = await crm(found('Dana'));
    const { identity } = await chain([rest('crm', server.url, { query: { phone: '{suffix}' }, match: 'suffix' })]).trace(phone);
    expect(server.requests[0]!.query.get('phone')).toBe('722776772');
    expect(identity.how).toBe('last 9 digits');
  });
});

describe('the chain', () => {
  it('lets priority decide, even when a lower source answers first', async () => {
    const slow = await crm((req, res) => void setTimeout(() => found('From the first')(req, res), 150));
    const fast = await crm(found('From the second'));
    const { identity, steps } = await chain([rest('first', slow.url), rest('second', fast.url)]).trace(phone);
    expect(identity).toMatchObject({ name: 'From the first', source: 'first' });
    expect(steps.map((s) => [s.source, s.outcome])).toEqual([
      ['first', 'matched'],
      ['second', 'not needed'],
    ]);
    expect(steps[1]).toMatchObject({ reason: { kind: 'not needed' } });
    // Both were asked at once: the chain took the slow one's time, not the sum.
    expect(fast.requests).toHaveLength(1);
  });

  it('moves to the next source when one knows nobody', async () => {
    const a = await crm(nobody);
    const b = await crm(found('Second'));
    const { identity } = await chain([rest('a', a.url), rest('b', b.url)]).trace(phone);
    expect(identity).toMatchObject({ name: 'Second', source: 'b' });
  });

  it('asks no remote source when the directory knows the caller, and answers within the turn', async () => {
    const server = await crm(found('Remote'));
    const directory = new Directory(new SqliteSql(db), 'IL', 9);
    await directory.upsert({ id: 'd1', name: 'Local Dana', company: '', url: '', phones: ['072-277-6772'] });
    const c = chain([directorySource('directory', directory, { contact: '', search: '' }, 9), rest('crm', server.url)]);
    const identity = await settledThisTurn(c.identify(phone));
    expect(identity).toMatchObject({ name: 'Local Dana', source: 'directory', how: 'exact number' });
    expect(server.requests).toHaveLength(0);
  });

  it("names a directory caller with an agent's remembered choice within the turn, as the embedded relay builds it (no timer, no I/O)", async () => {
    const { chain: c, directory, choices } = createChain(new SqliteSql(db), makeConfig(), DEFAULT_LOOKUP, log);
    await directory.upsertAll([
      { id: 'a', name: 'Dana A', company: '', url: '', phones: ['072-277-6772'] },
      { id: 'b', name: 'Dana B', company: '', url: '', phones: ['072-277-6772'] },
    ]);
    await choices.set({ number: '+972722776772', source: 'directory', id: 'b', name: 'Dana B', company: '', url: '', chosenBy: 'Noa', chosenAt: 1 });
    expect(await settledThisTurn(c.identify(phone))).toMatchObject({ status: 'found', name: 'Dana B', how: 'chosen by Noa' });
  });

  it('answers unknown with the search page when no source knows the caller', async () => {
    const server = await crm(nobody);
    const { identity } = await chain([rest('crm', server.url)]).trace(phone);
    expect(identity).toMatchObject({ status: 'unknown', total: 0, url: 'https://search.example/?q=%2B972722776772' });
  });

  it('fills {suffix} of the search page with as many digits as the setting says', async () => {
    const short = new LookupChain({ sources: [], cache: null, searchUrl: 'https://search.example/?q={suffix}', suffixDigits: 7, circuit: { failures: 3, cooldownMs: 30_000 }, log });
    expect((await short.trace(phone)).identity.url).toBe('https://search.example/?q=2776772');
  });

  it('never asks about a withheld number', async () => {
    const server = await crm(found('x'));
    const { identity } = await chain([rest('crm', server.url)]).trace(parsePhone('Anonymous', 'IL'));
    expect(identity).toMatchObject({ status: 'unknown', url: '' });
    expect(server.requests).toHaveLength(0);
  });
});

describe('failures', () => {
  const cases: [string, Parameters<typeof testServer>[0], string][] = [
    ['answers 500', (_r, res) => json(res, { error: 'boom' }, 500), 'HTTP 500'],
    ['answers 401', (_r, res) => json(res, { error: 'no' }, 401), 'HTTP 401'],
    ['answers invalid JSON', (_r, res) => void res.end('<html>oops</html>'), 'answer is not JSON'],
    ['answers more than it may', (_r, res) => json(res, { data: [{ name: 'x'.repeat(70_000) }] }), 'answer larger than 65536 bytes'],
    ['hangs', () => undefined, 'timed out'],
    ['redirects to itself forever', (req, res) => void res.writeHead(302, { location: req.path }).end(), 'more than 5 redirects'],
  ];

  it.each(cases)('a source that %s gives way to the next, and is logged by name without its secret', async (_what, handler, detail) => {
    const bad = await crm(handler);
    const good = await crm(found('Backup'));
    const { identity, steps } = await chain([rest('flaky-crm', bad.url), rest('backup', good.url)]).trace(phone);
    expect(identity).toMatchObject({ name: 'Backup', source: 'backup' });
    expect(steps[0]).toMatchObject({ source: 'flaky-crm', outcome: 'error' });
    expect(steps[0]!.detail).toContain(detail);
    const line = logged.find((l) => l.includes('flaky-crm'));
    expect(line).toBeDefined();
    expect(logged.join('\n')).not.toContain('SECRET-TOKEN-123');
  });

  it('a source that is down gives way to the next', async () => {
    const gone = await crm(nobody);
    await gone.close();
    servers = servers.filter((s) => s !== gone);
    const good = await crm(found('Backup'));
    const { identity, steps } = await chain([rest('down', gone.url), rest('backup', good.url)]).trace(phone);
    expect(identity.source).toBe('backup');
    expect(steps[0]).toMatchObject({ outcome: 'error', detail: 'ECONNREFUSED' });
  });

  it('stops asking a failing source, and tries it again after the cool-down', async () => {
    const bad = await crm((_r, res) => json(res, {}, 503));
    const c = chain([rest('bad', bad.url)]);
    for (let i = 0; i < 3; i++) await c.trace(phone);
    expect(c.circuits()).toEqual({ bad: 'open' });
    // The Sources page says when it is asked again.
    clock += 12_500;
    expect(c.health()).toMatchObject([{ name: 'bad', circuit: 'open', retryInSeconds: 18 }]);
    clock -= 12_500;
    const skipped = await c.trace(phone);
    expect(skipped.steps[0]).toMatchObject({ outcome: 'skipped', detail: 'circuit open', reason: { kind: 'circuit open' } });
    expect(bad.requests).toHaveLength(3);
    clock += 30_000;
    expect(c.circuits()).toEqual({ bad: 'half-open' });
    expect(c.health()).toMatchObject([{ circuit: 'half-open', retryInSeconds: null }]);
    await c.trace(phone);
    expect(bad.requests).toHaveLength(4);
    expect(c.circuits()).toEqual({ bad: 'open' });
  });
});

describe('the cache', () => {
  it('answers from the cache within the TTL, naming it', async () => {
    const server = await crm(found('Dana'));
    const c = chain([rest('crm', server.url)], true);
    expect((await c.trace(phone)).cache).toBe('miss');
    const again = await settledThisTurn(c.identify(phone));
    expect(again).toMatchObject({ name: 'Dana', how: 'exact number, from the cache' });
    expect(server.requests).toHaveLength(1);
  });

  it('after the TTL answers the stale entry at once and refreshes it behind', async () => {
    let name = 'Old Name';
    const server = await crm((req, res) => found(name)(req, res));
    const c = chain([rest('crm', server.url)], true);
    await c.trace(phone);
    clock += 61_000;
    name = 'New Name';
    const stale = await settledThisTurn(c.identify(phone));
    expect(stale).toMatchObject({ name: 'Old Name' });
    await expect.poll(() => server.requests.length).toBe(2);
    await expect.poll(async () => (await settledThisTurn(c.identify(phone))).name).toBe('New Name');
  });

  it('forgets entirely past the stale window', async () => {
    const server = await crm(found('Dana'));
    const c = chain([rest('crm', server.url)], true);
    await c.trace(phone);
    clock += 60_000 + 600_000;
    expect((await c.trace(phone)).cache).toBe('miss');
    expect(server.requests).toHaveLength(2);
  });

  it('remembers "nobody" for the negative TTL only, and never a failure', async () => {
    let fail = true;
    const server = await crm((req, res) => (fail ? json(res, {}, 500) : nobody(req, res)));
    const c = chain([rest('crm', server.url)], true);
    await c.trace(phone);
    await c.trace(phone);
    expect(server.requests).toHaveLength(2);
    fail = false;
    await c.trace(phone);
    expect((await c.trace(phone)).cache).toBe('fresh');
    expect(server.requests).toHaveLength(3);
    clock += 10_001;
    expect((await c.trace(phone)).cache).toBe('stale');
  });

  it('keeps at most maxEntries answers, and can be cleared', async () => {
    const cache = new LookupCache(new SqliteSql(db), { positiveTtlMs: 60_000, negativeTtlMs: 1, staleMs: 1, maxEntries: 2 }, () => clock++);
    const id = { status: 'found', name: 'x', company: '', url: '', total: 1, id: '', source: 's', how: '' } as const;
    for (const k of ['a', 'b', 'c']) await cache.set(k, id);
    expect(await cache.prune()).toBe(1);
    expect(await cache.get('a')).toBeNull();
    expect(await cache.get('c')).not.toBeNull();
    expect(await cache.clear()).toBe(2);
  });
});

describe('a voicenter-forward source', () => {
  it.each(['json', 'form', 'query'] as const)('forwards the call as %s, as Voicenter would, and relays the answer', async (format) => {
    const server = await crm((_r, res) => json(res, { STATUS: 'OK', URL: 'https://old.example/c/1', CLIENTNAME: 'Legacy Dana', TOTAL: '1', COMPANY: 'Old Co' }));
    const source = voicenterForwardSource({ name: 'legacy', url: `${server.url}/popup.asp?key=abc`, format, timeoutMs: 500, maxBytes: 65536 });
    const { identity } = await chain([source]).trace(phone);
    expect(identity).toMatchObject({ name: 'Legacy Dana', company: 'Old Co', url: 'https://old.example/c/1', total: 1, source: 'legacy' });
    const req = server.requests[0]!;
    expect(req.query.get('key')).toBe('abc');
    const fields = format === 'json' ? JSON.parse(req.body) : Object.fromEntries(format === 'form' ? new URLSearchParams(req.body) : req.query);
    expect(fields.phone).toBe('0722776772');
    expect(fields[format === 'query' ? 'statusCall' : 'status']).toBe('Ringing');
  });

  it('reads an empty answer as nobody', async () => {
    const server = await crm((_r, res) => json(res, { STATUS: 'OK', URL: '', CLIENTNAME: '', TOTAL: 0, COMPANY: '' }));
    const { identity } = await chain([voicenterForwardSource({ name: 'legacy', url: server.url, format: 'json', timeoutMs: 500, maxBytes: 65536 })]).trace(phone);
    expect(identity.status).toBe('unknown');
  });
});
