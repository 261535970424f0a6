import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';

/** A CSV file the relay cannot read at all (no header row it knows): nothing is imported. */
export class ImportError extends Error {}

/**
 * The records of a CSV file or stream (UTF-8 with or without BOM, a header row, quoted fields),
 * by lower-cased column name, with their line numbers. A row the parser cannot read is reported
 * to `bad` by its line and skipped; a header without the `required` columns is an ImportError.
 */
export async function* csvRecords(
  input: string | Readable,
  required: readonly string[],
  bad: (line: number, reason: string) => void,
): AsyncGenerator<{ record: Record<string, string>; line: number }> {
  const parser = (typeof input === 'string' ? createReadStream(input) : input).pipe(
    parse({
      bom: true,
      columns: (header: string[]) => {
        const names = header.map((h) => h.trim().toLowerCase());
        const missing = required.filter((r) => !names.includes(r));
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
  parser.on('skip', (err: { lines?: number; message: string }) => bad(err.lines ?? 0, err.message));
  for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    yield { record, line: info.lines };
  }
}
