// Room relay/lookup/: who is calling — the built-in directory, CRM sources and presets, the cache, circuit breakers, contact imports.
import type { CallEvent } from '../../shared/call-event';
import type { SourceHealth } from '../../shared/console';
import { UNKNOWN, type Identity } from '../../shared/messages';
import type { Phone } from '../../shared/phone';
import { isHttpUrl } from '../../shared/url';
import { CircuitBreaker, type CircuitState } from './circuit-breaker';
import { SourceError } from './http-fetch';
import type { Logger } from '../platform/log';
import { LookupCache as LookupCacheImpl, type Cached, type LookupCache } from './cache';
import type { Config } from '../platform/config';
import type { Sql } from '../platform/sql';
import { Directory } from './directory';
import type { LookupConfig } from './config';
import { sourcesFrom, type LookupInput, type Source, type SourceOutcome } from './sources';
import { fill, phoneValues } from './template';
import { plainWords } from './plain-words';
import { timeoutSignal, withDeadline } from './deadline';
import { choiceKey, ContactChoices, withChoice, type ContactChoice } from './contact-choices';
import { skippedStep, type SkipReason, type TraceStep, type Traced } from './trace';

export type { SkipReason, TraceStep, Traced } from './trace';

export interface ChainOptions {
  sources: Source[];
  cache: LookupCache | null;
  /** Page for unknown callers: RELAY_SEARCH_URL. */
  searchUrl: string;
  /** How many last digits `{suffix}` in that page's URL holds: RELAY_MATCH_SUFFIX_DIGITS (default 9). */
  suffixDigits?: number;
  circuit: { failures: number; cooldownMs: number };
  log: Logger;
  now?: () => number;
  /** Told of every source's outcome (metrics). */
  onStep?: (step: TraceStep) => void;
  /** Contacts agents chose for numbers that match several (applied to every answer, cached or not). */
  choices?: ContactChoices;
}

/** One lookup on its way through the chain. */
interface Lookup {
  phone: Phone;
  event: CallEvent | undefined;
  useCache: boolean;
  steps: TraceStep[];
}

/** A remote source's part in one lookup: asked, not asked (and why), or it threw before answering. */
type Running = { source: Source; started: number } & (
  | { state: 'asked'; outcome: Promise<SourceOutcome> }
  | { state: 'skipped'; reason: SkipReason }
  | { state: 'threw'; error: unknown }
);

/**
 * Finds a caller through a chain of sources in priority order: the first that matches wins.
 * Local sources (the directory) answer at once and are asked first; remote ones are asked in
 * parallel, each within its own timeout, and priority still decides. Remote answers are cached.
 */
export class LookupChain {
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly now: () => number;
  /** Refreshes running behind a stale cached answer, so one number is refreshed once at a time. */
  private readonly refreshing = new Set<string>();
  /** Each source's last failure in plain words (the console's Sources page); gone once it answers. */
  private readonly lastError = new Map<string, string>();
  /** Sources the CRM asked to wait (429 Retry-After): not asked until then, and not counted as down. */
  private readonly pausedUntil = new Map<string, number>();

  constructor(private readonly options: ChainOptions) {
    this.now = options.now ?? Date.now;
    for (const s of options.sources) this.breakers.set(s.name, new CircuitBreaker(options.circuit.failures, options.circuit.cooldownMs, this.now));
  }

  /**
   * For the call flow. On the embedded file, a caller the directory or the cache knows is settled
   * within this turn (no timer, no I/O on that path), so the call flow can put it in the first message.
   */
  identify = async (phone: Phone, event?: CallEvent): Promise<Identity> => (await this.run(phone, event, true)).identity;

  /** For `lookup`: the answer and what each source did. */
  async trace(phone: Phone, useCache = true): Promise<Traced> {
    return this.run(phone, undefined, useCache);
  }

  /** Each source in priority order with its circuit state (the console's sources page). */
  health(): SourceHealth[] {
    return this.options.sources.map((s) => {
      const breaker = this.breakers.get(s.name);
      const retryInMs = breaker?.retryInMs() ?? null;
      return {
        name: s.name,
        kind: s.kind,
        local: s.local,
        circuit: breaker?.state() ?? 'none',
        retryInSeconds: retryInMs === null ? null : Math.ceil(retryInMs / 1000),
        problem: s.problem?.() || this.lastError.get(s.name) || '',
      };
    });
  }

  circuits(): Record<string, CircuitState> {
    return Object.fromEntries([...this.breakers].map(([name, b]) => [name, b.state()]));
  }

  private unknown(phone: Phone): Identity {
    return { ...UNKNOWN, url: phone.withheld || !this.options.searchUrl ? '' : fill(this.options.searchUrl, phoneValues(phone, this.options.suffixDigits ?? 9)) };
  }

  private async run(phone: Phone, event: CallEvent | undefined, useCache: boolean): Promise<Traced> {
    if (phone.withheld) return { identity: this.unknown(phone), steps: [], cache: 'not used' };
    return this.chosen(phone, await this.askLocal({ phone, event, useCache, steps: [] }));
  }

  /** The contact an agent chose for this number, when the answer still holds it; a choice it no longer holds is forgotten. */
  private async chosen(phone: Phone, traced: Traced): Promise<Traced> {
    const store = this.options.choices;
    if (!store || (traced.identity.status !== 'multiple' && traced.identity.status !== 'found')) return traced;
    let choice: ContactChoice | null;
    try {
      choice = await store.get(choiceKey(phone));
    } catch {
      return traced;
    }
    const { identity, stale } = withChoice(traced.identity, choice);
    if (stale) {
      this.options.log.info({ source: choice!.source }, 'a remembered contact choice is forgotten: the source no longer returns that record');
      store.remove(choice!.number).catch((err: unknown) => this.options.log.warn({ err: (err as Error).message }, 'contact choice not removed'));
    }
    return { ...traced, identity };
  }

  /**
   * Local sources, while they lead the chain: no remote request when the directory knows. One that
   * settles within the turn (the embedded file) gets no timer; one that answers over the network
   * (PostgreSQL) is bounded by its timeout, and the rest follows then.
   */
  private async askLocal(lookup: Lookup): Promise<Traced> {
    const { sources } = this.options;
    let i = 0;
    for (; i < sources.length && sources[i]!.local; i++) {
      const source = sources[i]!;
      const started = this.now();
      const asked = ask(source, { phone: lookup.phone, event: lookup.event }, NEVER_ABORTED);
      let outcome: SourceOutcome;
      try {
        outcome = await (source.settlesInTurn ? asked : withDeadline(asked, source.timeoutMs, () => new SourceError(`no answer within ${source.timeoutMs} ms`)));
      } catch (err) {
        this.note(lookup.steps, this.failed(source, started, err));
        continue;
      }
      this.note(lookup.steps, this.step(source, started, outcome));
      if (outcome.kind === 'matched') return this.done(lookup.steps, source, outcome, 'not used');
    }
    if (i === sources.length) return { identity: this.unknown(lookup.phone), steps: lookup.steps, cache: 'not used' };
    return this.askCache(lookup, sources.slice(i));
  }

  /** The cache, then the remote sources; a cache that cannot be read (its database away) is a miss. */
  private async askCache(lookup: Lookup, remote: Source[]): Promise<Traced> {
    const key = lookup.phone.e164 ?? lookup.phone.digits;
    const cache = lookup.useCache ? this.options.cache : null;
    let cached: Cached | null = null;
    try {
      cached = cache ? await cache.get(key) : null;
    } catch (err) {
      this.options.log.warn({ err: (err as Error).message }, 'lookup cache unreadable: asking the sources');
    }
    return this.afterCache(lookup, remote, key, cached);
  }

  private async afterCache(lookup: Lookup, remote: Source[], key: string, cached: Cached | null): Promise<Traced> {
    const { steps } = lookup;
    const fromCache = (state: Traced['cache']): Traced => ({
      identity: { ...cached!.identity, url: this.safeLink(cached!.identity.url, 'cache'), how: withCache(cached!.identity.how, cached!.fromCopy) },
      steps,
      cache: state,
    });
    if (cached && !cached.stale) return fromCache('fresh');
    const asked = this.askRemote(lookup.phone, lookup.event, remote, steps, key);
    if (cached) {
      // Stale: answer from the cache now, refresh behind (once per number at a time).
      if (!this.refreshing.has(key)) {
        this.refreshing.add(key);
        // (What the refresh found, or why not, is in its own trace: only the mark is cleared here.)
        const refreshed = () => void this.refreshing.delete(key);
        asked.then(refreshed, refreshed);
      }
      return fromCache('stale');
    }
    return asked.then((r) => ({ ...r, cache: lookup.useCache && this.options.cache ? 'miss' : 'not used' }));
  }

  /** Every remaining source at once, each within its timeout; priority decides which answer wins. */
  private async askRemote(phone: Phone, event: CallEvent | undefined, remaining: Source[], steps: TraceStep[], key: string): Promise<Traced> {
    const controller = new AbortController();
    const running = remaining.map((source): Running => {
      const started = this.now();
      const paused = this.pausedUntil.get(source.name) ?? 0;
      if (paused > started) return { source, started, state: 'skipped', reason: { kind: 'rate limited', retryInSeconds: Math.ceil((paused - started) / 1000) } };
      if (!this.breakers.get(source.name)!.allow()) return { source, started, state: 'skipped', reason: { kind: 'circuit open' } };
      const deadline = timeoutSignal(source.timeoutMs);
      try {
        const outcome = source.lookup({ phone, event }, AbortSignal.any([controller.signal, deadline.signal]));
        // Also handles its failure: answers after a match are never awaited.
        outcome.then(deadline.clear, deadline.clear);
        return { source, started, state: 'asked', outcome };
      } catch (err) {
        deadline.clear();
        return { source, started, state: 'threw', error: err };
      }
    });
    let errors = 0;
    for (let k = 0; k < running.length; k++) {
      const r = running[k]!;
      if (r.state !== 'asked') {
        this.note(steps, r.state === 'skipped' ? skippedStep(r.source.name, 0, r.reason) : this.failed(r.source, r.started, r.error));
        errors++;
        continue;
      }
      let outcome: SourceOutcome;
      try {
        outcome = await r.outcome;
        this.breakers.get(r.source.name)!.success();
        this.lastError.delete(r.source.name);
      } catch (err) {
        this.note(steps, this.failed(r.source, r.started, err));
        errors++;
        continue;
      }
      this.note(steps, this.step(r.source, r.started, outcome));
      if (outcome.kind === 'matched') {
        // A match decides: lower-priority lookups still running are not needed.
        controller.abort();
        for (const rest of running.slice(k + 1)) {
          // Cut short, no verdict on the source (a half-open trial among them must not stay running).
          if (rest.state === 'asked') this.breakers.get(rest.source.name)!.neutral();
          this.note(steps, skippedStep(rest.source.name, 0, { kind: 'not needed' }));
        }
        const traced = this.done(steps, r.source, outcome, 'miss');
        this.remember(key, traced.identity);
        return traced;
      }
    }
    const identity = this.unknown(phone);
    // "Nobody has this number" is remembered only when every source could answer.
    if (errors === 0) this.remember(key, identity);
    return { identity, steps, cache: 'miss' };
  }

  /** Keeps a remote answer in the cache; a cache that cannot be written costs only a later lookup. */
  private remember(key: string, identity: Identity): void {
    this.options.cache?.set(key, identity).catch((err: unknown) => this.options.log.warn({ err: (err as Error).message }, 'lookup cache not written'));
  }

  /**
   * Only http(s) links leave the relay (to Voicenter, the call log, the console, the agents): a
   * source answering javascript:, data:, file: or chrome: gets its link dropped, and logged.
   */
  private safeLink(url: string, source: string): string {
    if (url === '' || isHttpUrl(url)) return url;
    this.options.log.warn({ source, scheme: /^([a-z][\w+.-]*):/i.exec(url)?.[1]?.slice(0, 20) ?? '(none)' }, 'dropped a link that is not http(s)');
    return '';
  }

  private note(steps: TraceStep[], step: TraceStep): void {
    steps.push(step);
    this.options.onStep?.(step);
  }

  private step(source: Source, started: number, outcome: SourceOutcome): TraceStep {
    const ms = this.now() - started;
    const read = { ...(outcome.candidates?.length ? { candidates: outcome.candidates } : {}), ...(outcome.records ? { records: outcome.records } : {}) };
    if (outcome.kind === 'none') return skippedStep(source.name, ms, { kind: 'no match' }, read);
    const { how, total } = outcome.match;
    return { source: source.name, outcome: 'matched', ms, detail: `${how}, ${total} match${total > 1 ? 'es' : ''}`, ...read };
  }

  private failed(source: Source, started: number, err: unknown): TraceStep {
    // A request the source could not take because of the caller's input (a number no header can
    // carry, a 400 from the CRM) says nothing about the source's health; nor does a CRM asking to
    // slow down (429): it is left alone for as long as it asked.
    const limited = err instanceof SourceError && err.status === 429;
    if (limited) this.pausedUntil.set(source.name, this.now() + (err.retryAfterMs ?? 60_000));
    if (err instanceof SourceError && (err.blamesRequest || limited)) this.breakers.get(source.name)?.neutral();
    else this.breakers.get(source.name)?.failure();
    const detail = message(err);
    this.lastError.set(source.name, plainWords(detail));
    // The source's name and what went wrong, never its URL or credentials.
    this.options.log.warn({ source: source.name, err: detail }, 'caller lookup source failed');
    return skippedStep(source.name, this.now() - started, { kind: 'error', message: detail });
  }

  private done(steps: TraceStep[], source: Source, outcome: Extract<SourceOutcome, { kind: 'matched' }>, cache: Traced['cache']): Traced {
    const m = outcome.match;
    return {
      identity: {
        status: m.total > 1 ? 'multiple' : 'found',
        name: m.name,
        company: m.company,
        url: this.safeLink(m.url, source.name),
        total: m.total,
        id: m.id,
        source: source.name,
        how: m.how,
        ...(m.choices ? { choices: m.choices.map((c) => ({ ...c, url: this.safeLink(c.url, source.name), source: source.name })) } : {}),
      },
      steps,
      cache,
    };
  }
}

/** Local sources are not cut short by a signal: one that answers later is bounded by withDeadline. */
const NEVER_ABORTED = new AbortController().signal;

/** The source's answer; what it throws before answering is its failure like any other. */
function ask(source: Source, input: LookupInput, signal: AbortSignal): Promise<SourceOutcome> {
  try {
    return source.lookup(input, signal);
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}


const withCache = (how: string, fromCopy?: true) => {
  const where = fromCopy ? "from the relay's copy of the cache" : 'from the cache';
  return how ? `${how}, ${where}` : where;
};

function message(err: unknown): string {
  if (err instanceof SourceError) return err.message;
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'timed out';
  return err instanceof Error ? err.message : String(err);
}

/** The chain as the configuration describes it, over this database (the relay and the CLI share it). */
export function createChain(
  sql: Sql,
  config: Config,
  lookup: LookupConfig,
  log: Logger,
  onStep?: (step: TraceStep) => void,
): { chain: LookupChain; cache: LookupCache; directory: Directory; choices: ContactChoices } {
  const directory = new Directory(sql, config.RELAY_DEFAULT_COUNTRY, config.RELAY_MATCH_SUFFIX_DIGITS);
  const choices = new ContactChoices(sql);
  const cache = new LookupCacheImpl(sql, lookup.cache);
  const chain = new LookupChain({
    sources: sourcesFrom(
      lookup.sources,
      directory,
      { contact: config.RELAY_CONTACT_URL, search: config.RELAY_SEARCH_URL },
      config.RELAY_MATCH_SUFFIX_DIGITS,
      config.RELAY_DEFAULT_COUNTRY,
    ),
    cache,
    searchUrl: config.RELAY_SEARCH_URL,
    suffixDigits: config.RELAY_MATCH_SUFFIX_DIGITS,
    circuit: lookup.circuit,
    log,
    onStep,
    choices,
  });
  return { chain, cache, directory, choices };
}
