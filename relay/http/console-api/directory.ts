import { Readable } from 'node:stream';
import express from 'express';
import { contactSchema } from '../../lookup/contact-rules';
import { ImportError, importContacts } from '../../lookup/contacts-import';
import { sendError } from '../errors';
import { adminOf, invalid, type ConsoleOptions } from './options';

/** A directory upload may be large (a whole CRM export); each row is still limited by the parser. */
const MAX_UPLOAD = '20mb';

/** The Directory page: search, edit or delete one contact, upload a CSV (preview first with ?dryRun=1). */
export function directoryRoutes(relay: ConsoleOptions, json: express.RequestHandler): express.Router {
  const router = express.Router();
  router.get('/contacts', async (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q.slice(0, 100) : '';
    const [total, contacts] = await Promise.all([relay.directory.count(), relay.directory.search(q)]);
    res.json({ total, contacts });
  });
  router.put('/contacts/:key', json, async (req, res) => {
    const key = Number(req.params.key);
    if (!Number.isSafeInteger(key)) return invalid(res, 'no such contact');
    // The directory's own key names the contact: an id in the body is not read.
    const parsed = contactSchema.omit({ id: true }).safeParse(req.body);
    if (!parsed.success) return invalid(res, parsed.error);
    if (!(await relay.directory.update(key, parsed.data))) return sendError(res, 'NOT_FOUND', 'no such contact');
    res.json(await relay.directory.get(key));
  });
  router.delete('/contacts/:key', async (req, res) => {
    const key = Number(req.params.key);
    if (!Number.isSafeInteger(key) || !(await relay.directory.remove(key))) return sendError(res, 'NOT_FOUND', 'no such contact');
    relay.log.info({ contact: key, admin: adminOf(res).username }, 'contact deleted in the console');
    res.status(204).end();
  });
  const csv = express.text({ type: ['text/csv', 'text/plain', 'application/vnd.ms-excel'], limit: MAX_UPLOAD });
  router.post('/contacts/import', csv, async (req, res) => {
    if (typeof req.body !== 'string') return sendError(res, 'UNSUPPORTED_MEDIA_TYPE', 'send the CSV file as text/csv');
    const dryRun = req.query.dryRun === '1' || req.query.dryRun === 'true';
    try {
      const report = await importContacts(Readable.from([req.body]), relay.directory, { dryRun });
      if (!dryRun) relay.log.info({ added: report.added, updated: report.updated, bad: report.bad.length, admin: adminOf(res).username }, 'contacts imported in the console');
      res.json(report);
    } catch (err) {
      if (err instanceof ImportError) return invalid(res, err.message);
      throw err;
    }
  });
  return router;
}
