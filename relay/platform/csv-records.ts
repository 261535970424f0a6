import { createReadStream } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parse } from 'csv-parse';

/** A CSV file the relay cannot read at all (no header row it knows): nothing is imported. */
export class ImportError extends Error {}

/**
 * How much of the input the parser reads between two turns of the event loop. csv-parse reads a
 * chunk in one synchronous pass, and a console upload is one chunk (20 MB at most): in pieces of
 * 16 KB (~100 rows, a few milliseconds) the relay answers Voicenter's calls while it imports.
 */
const PIECE = 16 * 1024;

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/** The input in pieces of at most PIECE, the event loop free between them. */
async function* inPieces(input: Readable): AsyncGenerator<string | Buffer> {
  for await (const chunk of input as AsyncIterable<string | Buffer>) {
    for (let at = 0; at < chunk.length; ) {
      let end = Math.min(at + PIECE, chunk.length);
      if (typeof chunk === 'string') {
        // Never between the halves of a surrogate pair: each would be read as U+FFFD. (A Buffer
        // may be cut inside a character: csv-parse joins the bytes again.)
        if (end < chunk.length && isHighSurrogate(chunk.charCodeAt(end - 1))) end--;
        yield chunk.slice(at, end);
      } else {
        yield chunk.subarray(at, end);
      }
      at = end;
      await nextTurn();
    }
  }
}

/**
 * The records of a CSV file or stream (UTF-8 with or without BOM, a header row, quoted fields),
 * by lower-cased column name, with their line numbers, read a piece at a time with the event loop
 * free between pieces. A row the parser cannot read is reported to `bad` by its line and skipped;
 * a header without the `required` columns is an ImportError.
 */
export async function* csvRecords(
  input: string | Readable,
  required: readonly string[],
  bad: (line: number, reason: string) => void,
): AsyncGenerator<{ record: Record<string, string>; line: number }> {
  const parser = parse({
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
  });
  parser.on('skip', (err: { lines?: number; message: string }) => bad(err.lines ?? 0, err.message));
  // Any stream's failure (a file that cannot be read, a header without its columns) ends the records with that error.
  pipeline(inPieces(typeof input === 'string' ? createReadStream(input) : input), parser, () => undefined);
  for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    yield { record, line: info.lines };
  }
}
