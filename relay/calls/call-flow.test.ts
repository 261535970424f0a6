import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseCallEvent } from '../../shared/call-event';
import type { Agents } from '../accounts/agents';
import { openDatabase } from '../platform/db';
import { CallFlow } from './call-flow';
import { SqliteCallLog } from './call-log-store';
import { CallTracker } from './call-tracker';

describe('CallFlow: the answer budget', () => {
  it('counts from the request\'s arrival: time already spent before the lookup wait is not given again', async () => {
    const db = openDatabase(mkdtempSync(join(tmpdir(), 'flow-')));
    const budgetMs = 2_000;
    const flow = new CallFlow({
      calls: new CallTracker(new SqliteCallLog(db)),
      agents: { get: () => Promise.resolve(null) } as unknown as Agents,
      deliver: () => undefined,
      // A CRM that never answers.
      identify: () => new Promise(() => undefined),
      country: 'IL',
      answerBudgetMs: budgetMs,
      log: pino({ level: 'silent' }),
    });
    const parsed = parseCallEvent({ ivrid: 'late', phone: '0722776772', extenUser: 'A', status: 'Ringing' });
    if (!parsed.ok) throw new Error(parsed.error);
    // The request arrived a budget ago (its commit, say, was that slow): Voicenter is answered at once.
    const started = performance.now();
    const answer = await flow.handle(parsed.event, 'json', started - budgetMs);
    expect(answer).toMatchObject({ STATUS: 'OK', CLIENTNAME: '' });
    expect(performance.now() - started).toBeLessThan(budgetMs / 2);
    db.close();
  });
});
