import express from 'express';
import type { Floor } from '../../../shared/console';
import { sendError } from '../errors';
import { floorAgents, type ConsoleOptions } from './options';

/** Live views open at once; more are refused (each holds a connection). */
const MAX_LIVE_VIEWS = 50;
/** Keep below common proxy idle timeouts (60 s): a comment line keeps the event stream open. */
const LIVE_KEEPALIVE_MS = 20_000;
/** Changes come in bursts (one per station and phase): one snapshot per burst. */
const BURST_MS = 100;

/** The Live page: agents and calls now, then again on every change (server-sent events). */
export function floorRoutes(relay: ConsoleOptions): express.Router {
  const router = express.Router();
  const floor = async (): Promise<Floor> => ({ agents: await floorAgents(relay), calls: await relay.calls.openCalls(), queues: relay.voicenterBoard?.queuesView() ?? null, voicenter: relay.traffic.last() });
  let liveViews = 0;
  router.get('/floor', async (_req, res) => void res.json(await floor()));
  router.get('/floor/events', (req, res) => {
    if (liveViews >= MAX_LIVE_VIEWS) return sendError(res, 'TOO_MANY', 'too many live views open');
    liveViews++;
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    const push = () =>
      floor().then(
        (now) => void (res.writableEnded || res.write(`event: floor\ndata: ${JSON.stringify(now)}\n\n`)),
        (err: unknown) => relay.log.error({ err: (err as Error).message }, 'live view: could not read the floor'),
      );
    let pending: NodeJS.Timeout | undefined;
    const unsubscribe = relay.on('change', () => {
      pending ??= setTimeout(() => {
        pending = undefined;
        void push();
      }, BURST_MS);
    });
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), LIVE_KEEPALIVE_MS);
    const stopping = relay.on('shutdown', () => res.end());
    void push();
    req.on('close', () => {
      liveViews--;
      unsubscribe();
      stopping();
      clearInterval(keepalive);
      clearTimeout(pending);
    });
  });
  return router;
}
