import { stringify } from 'csv-stringify/sync';
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { CSV_COLUMNS, csvRecord } from '../../calls/call-log-csv';
import { MAX_LOG_ROWS, type CallLogFilter } from '../../calls/call-log-search';
import { localTime, relayTimeZone, startOfDay, timeZoneNamed } from '../../calls/log-time';
import { invalid, type ConsoleOptions } from './options';

const logFilterSchema = z.object({
  number: z.string().max(32).optional(),
  agent: z.string().max(128).optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  missed: z.enum(['1', 'true', '0', 'false', '']).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LOG_ROWS).optional(),
  /** The zone days and the export's times are in (the console sends the supervisor's own); else the relay's. */
  tz: z.string().max(64).optional(),
});
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A date filter in ms: a day (2026-11-27, in `zone`; `to` includes it) or any date Date.parse reads. */
function when(s: string | undefined, zone: string, endOfDay: boolean): number | undefined {
  if (!s) return undefined;
  if (DAY.test(s)) return startOfDay(s, zone, endOfDay ? 1 : 0);
  return Date.parse(s);
}

function filterOf(req: Request, res: Response): (CallLogFilter & { zone: string }) | undefined {
  const parsed = logFilterSchema.safeParse(req.query);
  if (!parsed.success) return void invalid(res, parsed.error);
  const { number, agent, from, to, missed, limit, tz } = parsed.data;
  const zone = tz ? timeZoneNamed(tz) : relayTimeZone();
  if (!zone) return void invalid(res, `tz: ${tz} is not a time zone (names like Asia/Jerusalem)`);
  const f = when(from, zone, false);
  const t = when(to, zone, true);
  if (Number.isNaN(f) || Number.isNaN(t)) return void invalid(res, 'from and to are dates like 2026-11-27');
  return { number, agent, from: f, to: t, missed: missed === '1' || missed === 'true', limit, zone };
}

/** The Call log page: calls filtered, and the same as CSV (times in the zone asked for, said on each row). */
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
      .attachment(`calls-${localTime(Date.now(), filter.zone).slice(0, 10)}.csv`)
      // A BOM, so spreadsheet programs read Hebrew names as UTF-8.
      .send(`\uFEFF${stringify(rows.map((c) => csvRecord(c, filter.zone)), { header: true, columns: [...CSV_COLUMNS] })}`);
  });
  return router;
}
