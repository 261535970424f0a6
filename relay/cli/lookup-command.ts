import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { parsePhone } from '../../shared/phone';
import { voicenterAnswer } from '../calls/voicenter-answer';
import { createChain, type TraceStep } from '../lookup/chain';
import { loadLookupConfig, type LookupConfig } from '../lookup/config';
import type { Config } from '../platform/config';
import { openStore } from '../platform/store';
import { UsageError, type CliIo } from './common';

/** `lookup <phone> [--no-cache]`: what Voicenter would get for that caller, each source's part, and the requests sent. */
export async function lookupCommand(config: Config, args: string[], io: CliIo): Promise<number | void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'no-cache': { type: 'boolean' } } });
  const [number] = positionals;
  if (number === undefined) throw new UsageError('lookup <phone> [--no-cache]');
  const store = await openStore(config);
  try {
    const lookup = loadLookupConfig(config.RELAY_CONFIG, io.env);
    const { chain } = createChain(store.sql, config, lookup, pino({ level: 'silent' }));
    const phone = parsePhone(number, config.RELAY_DEFAULT_COUNTRY);
    const requests = watchRequests(lookup);
    const started = process.hrtime.bigint();
    const traced = await chain.trace(phone, !values['no-cache']).finally(requests.stop);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    io.out(JSON.stringify(voicenterAnswer(traced.identity), null, 2));
    const shown = phone.withheld ? 'withheld' : `${phone.e164 ?? 'not understood'} (${phone.local || phone.raw})`;
    io.out(`number: ${shown}`);
    const { identity } = traced;
    const found = identity.source ? `${identity.source}: ${identity.status}, ${identity.how}` : identity.status;
    io.out(`answer: ${found}, ${identity.total} match(es), ${ms.toFixed(2)} ms; cache: ${traced.cache}`);
    for (const step of traced.steps) printStep(step, io);
    io.out(requests.sent.length ? 'requests sent (method and URL; headers, where credentials go, are not shown):' : 'requests sent: none');
    for (const line of requests.sent) io.out(`  ${line}`);
  } finally {
    await store.close();
  }
}

/** A source's outcome, then every record it returned: kept or dropped, and why (numbers verified). */
function printStep(step: TraceStep, io: CliIo): void {
  io.out(`  ${step.source.padEnd(20)} ${step.outcome.padEnd(10)} ${String(step.ms).padStart(5)} ms  ${step.detail}`);
  for (const c of step.candidates ?? []) {
    const who = `${c.name || '(no name)'}${c.company ? ` (${c.company})` : ''}${c.id ? ` [id ${c.id}]` : ''}`;
    io.out(`      ${c.kept ? 'kept   ' : 'dropped'} ${who}: ${c.why}`);
  }
  if (step.records) io.out(`      ... and ${step.records.returned - step.records.read} more records, not read: the relay reads the first ${step.records.read} of an answer`);
}

const REQUEST_START = 'http.client.request.start';

/**
 * The requests that leave while `lookup` runs (searches, company records, 401 retries, redirects),
 * as method and URL, seen on Node's HTTP client as they are sent rather than rebuilt from the
 * configuration: what a supervisor compares with the CRM's reference. Credentials go in headers,
 * never shown; one in the query (`auth: query`) is masked, and a forwarded endpoint's path is not
 * shown, as it may carry that endpoint's token.
 */
function watchRequests(lookup: LookupConfig): { sent: string[]; stop: () => void } {
  const masked = new Set(lookup.sources.flatMap((s) => (s.kind === 'http' && s.auth.type === 'query' ? [s.auth.param] : [])));
  const forwarded = new Set(lookup.sources.flatMap((s) => (s.kind === 'voicenter-forward' ? [new URL(s.url).origin] : [])));
  const sent: string[] = [];
  const onStart = (message: unknown) => {
    const req = (message as { request: ClientRequest }).request;
    const origin = `${req.protocol}//${String(req.getHeader('host') ?? req.host)}`;
    sent.push(forwarded.has(origin) ? `${req.method} ${origin}/… (a forwarded endpoint: its path is not shown)` : `${req.method} ${origin}${maskQuery(req.path, masked)}`);
  };
  subscribe(REQUEST_START, onStart);
  return { sent, stop: () => unsubscribe(REQUEST_START, onStart) };
}

/** The path as sent, with the values of the named query parameters replaced by "…". */
function maskQuery(path: string, names: Set<string>): string {
  const at = path.indexOf('?');
  if (at < 0 || names.size === 0) return path;
  const pairs = path.slice(at + 1).split('&').map((pair) => {
    const [name] = new URLSearchParams(pair).keys();
    return name !== undefined && names.has(name) ? `${pair.split('=')[0]}=…` : pair;
  });
  return `${path.slice(0, at)}?${pairs.join('&')}`;
}
