import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { isHttpUrl } from '../../shared/url';
import type { Contact, Directory } from './directory';

export interface ImportReport {
  /** Rows read without fault (imported, or that would be in a dry run). */
  good: number;
  added: number;
  updated: number;
  /** Rows left out, by their line number in the file (the header is line 1). */
  bad: { line: number; reason: string }[];
}

const REQUIRED = ['name', 'company', 'phone'] as const;
const BATCH = 1_000;

export class ImportError extends Error {}

/** Reads one CSV record into a contact, or says what is wrong with it. */
export function contactFromRecord(record: Record<string, string>): Contact | string {
  const name = record.name?.trim() ?? '';
  if (name === '') return 'name is empty';
  if (name.length > 256) return 'name is longer than 256 characters';
  const phones = Object.keys(record)
    .filter((k) => /^phone\d*$/.test(k))
    .sort((a, b) => Number(a.slice(5) || 1) - Number(b.slice(5) || 1))
    .map((k) => record[k]?.trim() ?? '')
    .filter((p) => p !== '');
  if (phones.length === 0) return 'no phone number';
  if (phones.some((p) => !/\d/.test(p) || p.length > 64)) return `not a phone number: ${phones.find((p) => !/\d/.test(p) || p.length > 64)}`;
  const url = record.url?.trim() ?? '';
  if (url !== '' && !isHttpUrl(url)) return 'url must start with http:// or https://';
  return { id: record.id?.trim() ?? '', name, company: record.company?.trim() ?? '', url, phones };
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
): Promise<ImportReport> {
  const report: ImportReport = { good: 0, added: 0, updated: 0, bad: [] };
  const parser = (typeof input === 'string' ? createReadStream(input) : input).pipe(
    parse({
      bom: true,
      columns: (header: string[]) => {
        const names = header.map((h) => h.trim().toLowerCase());
        const missing = REQUIRED.filter((r) => !names.includes(r));
        if (missing.length > 0) throw new ImportError(`the header row has no ${missing.join(', ')} column`);
        return names;
      },
      skip_empty_lines: true,
      relax_column_count: true,
      // Hebrew company names carry a quote unquoted: בע"מ (Ltd.).
      relax_quotes: true,
      skip_records_with_error: true,
      info: true,
      max_record_size: 64 * 1024,
    }),
  );
  parser.on('skip', (err: { lines?: number; message: string }) => {
    report.bad.push({ line: err.lines ?? 0, reason: err.message });
  });
  let batch: Contact[] = [];
  const flush = () => {
    report.good += batch.length;
    if (dryRun) {
      batch = [];
      return;
    }
    directory.batch(() => {
      for (const contact of batch) report[directory.upsert(contact) === 'added' ? 'added' : 'updated']++;
    });
    batch = [];
  };
  for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    const contact = contactFromRecord(record);
    if (typeof contact === 'string') report.bad.push({ line: info.lines, reason: contact });
    else batch.push(contact);
    if (batch.length >= BATCH) flush();
  }
  flush();
  report.bad.sort((a, b) => a.line - b.line);
  return report;
}
