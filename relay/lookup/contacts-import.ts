import type { Readable } from 'node:stream';
import type { ImportPreview } from '../../shared/console';
import { csvRecords, ImportError } from '../platform/csv-records';
import { checkContact } from './contact-rules';
import type { Contact, Directory } from './directory';

/** What an import did (or, in a dry run, would do): the console's preview shows it as it is. */

const REQUIRED = ['name', 'company', 'phone'] as const;
/**
 * Rows written in one transaction: far faster than one by one, and short enough (a few
 * milliseconds; the event loop is not free during one) for calls to be answered between them.
 */
const BATCH = 250;

export { ImportError };

/** Reads one CSV record into a contact (`phone`, `phone2`… in order), or says what is wrong with it. */
export function contactFromRecord(record: Record<string, string>): Contact | string {
  const phones = Object.keys(record)
    .filter((k) => /^phone\d*$/.test(k))
    .sort((a, b) => Number(a.slice(5) || 1) - Number(b.slice(5) || 1))
    .map((k) => record[k] ?? '');
  return checkContact({ id: record.id ?? '', name: record.name ?? '', company: record.company ?? '', url: record.url ?? '', phones });
}

/**
 * Imports a CSV file or stream (header row; UTF-8 with or without BOM; quoted fields) into the
 * directory. Bad rows are reported by line number and left out; the good ones are kept.
 * `dryRun`: reads and reports only (the console's preview before an upload).
 */
export async function importContacts(
  input: string | Readable,
  directory: Directory,
  { dryRun = false }: { dryRun?: boolean } = {},
): Promise<ImportPreview> {
  const report: ImportPreview = { good: 0, added: 0, updated: 0, bad: [] };
  let batch: Contact[] = [];
  const flush = async () => {
    report.good += batch.length;
    const contacts = batch;
    batch = [];
    if (dryRun) return;
    for (const outcome of await directory.upsertAll(contacts)) report[outcome]++;
  };
  for await (const { record, line } of csvRecords(input, REQUIRED, (at, reason) => report.bad.push({ line: at, reason }))) {
    const contact = contactFromRecord(record);
    if (typeof contact === 'string') report.bad.push({ line, reason: contact });
    else batch.push(contact);
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  report.bad.sort((a, b) => a.line - b.line);
  return report;
}
