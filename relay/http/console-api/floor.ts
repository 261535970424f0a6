import express from 'express';
import type { Floor } from '../../../shared/console';
import { sendError } from '../errors';
import { FloorFeed } from './floor-feed';
import { floorAgents, type ConsoleOptions } from './options';

/** Live views open at once; more are refused (each holds a connection). */
const MAX_LIVE_VIEWS = 50;
/** Keep below common proxy idle timeouts (60 s): a comment line keeps the event stream open. */
const LIVE_KEEPALIVE_MS = 20_000;

/** The Live page: agents and calls now, then what changes (server-sent events, floor-feed.ts). */
export function floorRoutes(relay: ConsoleOptions): express.Router {
  const router = express.Router();
  const floor = async (): Promise<Floor> => ({ agents: await floorAgents(relay), calls: await relay.calls.openCalls(), queues: relay.voicenterBoard?.queuesView() ?? null, voicenter: relay.traffic.last() });
  const feed = new FloorFeed(floor, relay.log);
  relay.on('change', feed.changed);
  let liveViews = 0;
  router.get('/floor', async (_req, res) => void res.json(await floor()));
  router.get('/floor/events', (req, res) => {
    if (liveViews >= MAX_LIVE_VIEWS) return sendError(res, 'TOO_MANY', 'too many live views open');
    liveViews++;
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    const viewer = feed.add(res);
    const keepalive = setInterval(() => viewer.keepalive(': keepalive\n\n'), LIVE_KEEPALIVE_MS);
    const stopping = relay.on('shutdown', () => res.end());
    req.on('close', () => {
      liveViews--;
      viewer.remove();
      stopping();
      clearInterval(keepalive);
    });
  });
  return router;
}
