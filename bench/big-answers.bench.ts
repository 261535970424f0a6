/**
 * Answers from outside that are too big: `npm run bench -- big-answers`.
 *
 * 1. A CRM answering a search with 20,000 records, just under 1 MB: eight calls at once, rounds of
 *    them; how long Voicenter waits for each answer (the budget is 2,500 ms), how many callers are
 *    named in time, and how long the event loop was held (perf_hooks monitorEventLoopDelay: what
 *    every other call, socket and timer waits behind).
 * 2. An OAuth token endpoint whose answer never ends: how far the relay reads, how long until the
 *    lookup fails, and how much the process grew meanwhile.
 *
 * The CRM and the token endpoint share the relay's process (their part is writing bytes: small
 * beside the relay's reading).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DEFAULT_LOOKUP } from '../relay/lookup/config';
import { OAuth2Token } from '../relay/lookup/oauth2';
import { endlessServer } from '../relay/tests/endless-answer';
import { popup, startRelay } from '../relay/tests/helpers';
import { testServer } from '../relay/tests/crm-servers';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const AT_ONCE = 8;
const MB = 1024 * 1024;

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** 20,000 records: the callers first (the CRM's best matches), then numbers that only end alike. */
function bigAnswer(callers: string[]): string {
  const records = [
    ...callers.map((phone, i) => ({ id: i, name: `Caller ${i}`, phone })),
    ...Array.from({ length: 20_000 - callers.length }, (_, i) => ({ id: 100 + i, name: `O${i}`, phone: `+1212${String(i).padStart(7, '0')}` })),
  ];
  return JSON.stringify({ data: records });
}

async function bigAnswerBench(): Promise<Record<string, string>> {
  const callers = Array.from({ length: AT_ONCE }, (_, i) => `05012345${String(i).padStart(2, '0')}`);
  const body = bigAnswer(callers);
  const crm = await testServer((_r, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(body));
  const relay = await startRelay({}, {
    lookup: {
      ...DEFAULT_LOOKUP,
      // No cache: every call's lookup reads the whole answer.
      cache: { positiveTtlMs: 1, negativeTtlMs: 1, staleMs: 1, maxEntries: 10 },
      sources: [{
        kind: 'http', name: 'wide', method: 'GET', url: `${crm.url}/contacts`, query: { phone: '{e164}' }, headers: {}, auth: { type: 'none' }, params: {},
        response: { items: '$.data[*]', name: '$.name', id: '$.id', phone: '$.phone' }, recordUrl: '', searchUrl: '', match: 'exact', suffixDigits: 9,
        timeoutMs: 2_000, maxBytes: MB, redirects: 'same-origin',
      }],
    },
  });
  try {
    await popup(relay, { ivrid: 'warm-up', phone: callers[0], status: 'Ringing' });
    const delay = monitorEventLoopDelay({ resolution: 10 });
    const times: number[] = [];
    let named = 0;
    delay.enable();
    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all(callers.map(async (phone, i) => {
        const started = performance.now();
        const { body: answer } = await popup(relay, { ivrid: `big-${round}-${i}`, phone, status: 'Ringing' });
        times.push(performance.now() - started);
        if (answer.CLIENTNAME === `Caller ${i}`) named++;
      }));
    }
    delay.disable();
    times.sort((a, b) => a - b);
    return {
      'answer size, records': `${(Buffer.byteLength(body) / MB).toFixed(2)} MB, 20,000`,
      [`Voicenter's answer, ${AT_ONCE} calls at once × ${ROUNDS}, p50 / max (budget 2,500 ms)`]: `${pct(times, 50).toFixed(0)} ms / ${times.at(-1)!.toFixed(0)} ms`,
      'callers named in time': `${named} of ${times.length}`,
      'event loop held, p99 / max (monitorEventLoopDelay)': `${(delay.percentile(99) / 1e6).toFixed(0)} ms / ${(delay.max / 1e6).toFixed(0)} ms`,
    };
  } finally {
    await relay.stop();
    await crm.close();
  }
}

async function endlessTokenBench(): Promise<Record<string, string>> {
  // Past 1 GB the endpoint ends the answer itself: a relay reading without bound is shown, not killed.
  const endless = await endlessServer({ giveUpAfter: 1024 * MB });
  const token = new OAuth2Token({ type: 'oauth2-refresh', tokenUrl: `${endless.url}/token`, clientId: 'c', clientSecret: 's', refreshToken: 'r' });
  const base = process.memoryUsage.rss();
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const started = performance.now();
  let words = '';
  try {
    await token.header();
  } catch (err) {
    words = (err as Error).message;
  }
  const ms = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  await endless.close();
  return {
    'endless token answer: the lookup failed after': `${ms.toFixed(0)} ms, "${words}"`,
    'endless token answer: bytes the endpoint got out before the relay closed': `${(endless.sent() / MB).toFixed(1)} MB${endless.gaveUp() ? ' (the endpoint gave up first)' : ''}`,
    'endless token answer: the process grew by (RSS peak)': `${((peak - base) / MB).toFixed(0)} MB`,
  };
}

export async function bigAnswersBench(): Promise<Record<string, string>> {
  return { ...(await bigAnswerBench()), ...(await endlessTokenBench()) };
}
