import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Floor, LiveCallView } from '../../../shared/console';
import { PENDING } from '../../../shared/messages';
import { FloorFeed, MAX_QUEUED_BYTES, type ViewerStream } from './floor-feed';

/** A viewer whose connection takes everything and sends nothing on until told (a page that stopped reading). */
class StalledViewer extends EventEmitter implements ViewerStream {
  readonly events: string[] = [];
  writableLength = 0;
  write(text: string): boolean {
    this.events.push(text.slice(0, text.indexOf('\n')));
    this.writableLength += Buffer.byteLength(text);
    return !this.writableNeedDrain;
  }
  get writableNeedDrain(): boolean {
    return this.writableLength > 16 * 1024;
  }
  /** It read everything it had. */
  drained(): void {
    this.writableLength = 0;
    this.emit('drain');
  }
}

const call = (ivrid: string, stations: number): LiveCallView => ({
  ivrid, direction: 'incoming', state: 'ringing', phone: { raw: '', e164: null, local: '', withheld: true }, callerName: '', did: '', startedAt: 1, answeredAt: null,
  endedAt: null, cause: '', answeredBy: null, identity: PENDING, line: '', answeredByStation: null,
  stations: Array.from({ length: stations }, (_, i) => ({ extenUser: `station-${i}`, state: 'ringing' })),
});

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not by the deadline`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('FloorFeed: the Live stream for its viewers', () => {
  it("holds at most its cap unsent for a viewer that stopped reading, skips changes meanwhile, and sends the whole floor once it reads again", async () => {
    let stations = 1;
    let reads = 0;
    const feed = new FloorFeed(() => {
      reads++;
      return Promise.resolve<Floor>({ agents: [], calls: [call('big', stations)], queues: null, voicenter: null });
    }, pino({ level: 'silent' }));
    const slow = new StalledViewer();
    const reading = new StalledViewer();
    const viewer = feed.add(slow);
    feed.add(reading);
    await until(() => slow.events.length === 1 && reading.events.length === 1, 'the first floor');
    expect(slow.events).toEqual(['event: floor']);
    // The call grows a station a burst: each burst's change is the call (up to a couple of thousand stations, tens of KB).
    for (let burst = 0; burst < 30; burst++) {
      stations += 60;
      const before = reads;
      feed.changed();
      await until(() => reads > before && reading.events.length === burst + 2, `burst ${burst}`);
      reading.drained();
    }
    expect(reading.events.slice(1).every((e) => e === 'event: changes')).toBe(true);
    // The stalled one got changes until past its cap, then nothing: the cap and one change at most.
    expect(slow.writableLength).toBeGreaterThan(MAX_QUEUED_BYTES / 2);
    expect(slow.writableLength).toBeLessThan(MAX_QUEUED_BYTES + 2 * JSON.stringify(call('big', stations)).length);
    expect(slow.events.length).toBeLessThan(reading.events.length - 5);
    const skipped = slow.events.length;
    viewer.keepalive(': keepalive\n\n');
    expect(slow.events).toHaveLength(skipped);

    slow.drained();
    expect(slow.events.at(-1)).toBe('event: floor');
    const before = reads;
    stations++;
    feed.changed();
    await until(() => reads > before && slow.events.length === skipped + 2, 'the next change');
    expect(slow.events.at(-1)).toBe('event: changes');
  }, 60_000);
});
