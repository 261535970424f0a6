import { stringify } from 'csv-stringify/sync';
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { CSV_COLUMNS, csvRecord, MAX_LOG_ROWS, type CallLogFilter } from '../../calls/call-log-search';
import { invalid, type ConsoleOptions } from './options';

const logFilterSchema = z.object({
  number: z.string().max(32).optional(),
  agent: z.string().max(64).optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  missed: z.enum(['1', 'true', '0', 'false', '']).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LOG_ROWS).optional(),
});
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A date filter in ms: a day (2026-11-27, the relay's local day; `to` includes it) or any date Date.parse reads. */
function when(s: string | undefined, endOfDay: boolean): number | undefined {
  if (!s) return undefined;
  const ms = Date.parse(DAY.test(s) ? `${s}T00:00:00` : s);
  return Number.isNaN(ms) ? NaN : endOfDay && DAY.test(s) ? ms + 86_400_000 : ms;
}

function filterOf(req: Request, res: Response): CallLogFilter | undefined {
  const parsed = logFilterSchema.safeParse(req.query);
  if (!parsed.success) return void invalid(res, parsed.error);
  const { number, agent, from, to, missed, limit } = parsed.data;
  const f = when(from, false);
  const t = when(to, true);
  if (Number.isNaN(f) || Number.isNaN(t)) return void invalid(res, 'from and to are dates like 2026-11-27');
  return { number, agent, from: f, to: t, missed: missed === '1' || missed === 'true', limit };
}

/** The Call log page: calls filtered, and the same as CSV. */
export function callLogRoutes(relay: ConsoleOptions): express.Router {
  const router = express.Router();
  router.get('/calls', async (req, res) => {
    const filter = filterOf(req, res);
    if (filter) res.json(await relay.callLog.find(filter));
  });
  router.get('/calls.csv', async (req, res) => {
    const filter = filterOf(req, res);
    if (!filter) return;
    const rows = await relay.callLog.find({ ...filter, limit: filter.limit ?? MAX_LOG_ROWS });
    res
      .type('text/csv; charset=utf-8')
      .attachment(`calls-${new Date().toISOString().slice(0, 10)}.csv`)
      // A BOM, so spreadsheet programs read Hebrew names as UTF-8.
      .send(`\uFEFF${stringify(rows.map(csvRecord), { header: true, columns: [...CSV_COLUMNS] })}`);
  });
  return router;
}
