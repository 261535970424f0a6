/**
 * 1,000 agents for the several-relays soak, each behaving as the extension does: connected to one
 * of the relays, and when it goes away, to the next at once, saying where it stopped (resume).
 * A message is processed once, by its number, as the extension processes it; what was processed
 * is counted per call and state. On "report" (IPC) it answers the counts.
 */
import { WebSocket } from 'ws';
import { AUTH_PROTOCOL_PREFIX, PROTOCOL } from '../shared/messages';
import { InOrder } from '../extension/in-order';
import { benchToken } from './names';

interface Numbered {
  type: string;
  seq: number;
  call?: { ivrid: string; state: string };
}

const [urlList, count = '1000'] = process.argv.slice(2);
const urls = urlList!.split(',');
/** Processed deliveries per `<ivrid>/<state>`. */
const processed = new Map<string, number>();
let resyncs = 0;
let reconnects = 0;
let open = 0;

function agent(i: number): void {
  let epoch = '';
  let lastSeq = 0;
  let lastAt = 0;
  let at = i % urls.length;
  // As the extension: in number order (extension/in-order.ts).
  const inOrder = new InOrder<Numbered>();
  const process1 = (m: Numbered) => {
    lastSeq = m.seq;
    lastAt = Date.now();
    if (m.type !== 'call') return;
    const key = `${m.call!.ivrid}/${m.call!.state}`;
    processed.set(key, (processed.get(key) ?? 0) + 1);
  };
  const connect = () => {
    const ws = new WebSocket(`${urls[at]!.replace('http', 'ws')}/ws`, [PROTOCOL, `${AUTH_PROTOCOL_PREFIX}${benchToken(i)}`]);
    ws.on('message', (data) => {
      const m = JSON.parse((data as Buffer).toString()) as Numbered & { epoch?: string };
      if (m.type === 'hello') {
        const resume = Boolean(epoch && (epoch !== m.epoch || m.seq > lastSeq));
        inOrder.reset(resume);
        if (resume) ws.send(JSON.stringify({ type: 'resume', epoch, seq: lastSeq, since: lastAt }));
        if (epoch !== m.epoch) lastSeq = m.seq;
        epoch = m.epoch!;
      } else if (m.type === 'resync') {
        resyncs++;
        if (typeof m.seq === 'number') {
          const rebased = inOrder.rebase(m.seq, lastSeq);
          rebased.ready.forEach(process1);
          lastSeq = rebased.lastSeq;
        }
      } else if (m.type === 'call' || m.type === 'identity') {
        const { ready, askResume } = inOrder.take(m, lastSeq);
        if (askResume) ws.send(JSON.stringify({ type: 'resume', epoch, seq: lastSeq, since: lastAt }));
        ready.forEach(process1);
      }
    });
    ws.on('open', () => open++);
    ws.on('error', () => undefined);
    ws.on('close', () => {
      if (ws.readyState === ws.CLOSED && open > 0) open--;
      // The next relay at once, as the extension moves on (after a short pause when all are away).
      reconnects++;
      at = (at + 1) % urls.length;
      setTimeout(connect, 100 + Math.random() * 200);
    });
  };
  connect();
}

for (let i = 0; i < Number(count); i++) agent(i);
process.send!({ ready: true });
process.on('message', (m: { report?: boolean }) => {
  if (!m.report) return;
  let duplicated = 0;
  for (const n of processed.values()) if (n > 1) duplicated++;
  process.send!({ distinct: processed.size, duplicated, resyncs, reconnects, open });
});
