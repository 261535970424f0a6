import { WebSocket } from 'ws';

/**
 * Evaluates `expression` in the page at `url` of a Chromium the test started by hand (Playwright's
 * connectOverCDP lists none of such a browser's own tabs), over the browser's DevTools socket with a
 * flattened session. A force-installed extension's pages are open to DevTools only with the machine
 * policy `DeveloperToolsAvailability: 1`.
 */
export async function evaluateInPage(port: number, url: string, expression: string): Promise<unknown> {
  const version = (await fetch(`http://127.0.0.1:${port}/json/version`).then((r) => r.json())) as { webSocketDebuggerUrl: string };
  const ws = new WebSocket(version.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let lastId = 0;
  const send = (method: string, params: object = {}, sessionId?: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = ++lastId;
      const onMessage = (data: Buffer) => {
        const message = JSON.parse(data.toString()) as { id?: number; error?: unknown; result?: Record<string, unknown> };
        if (message.id !== id) return;
        ws.off('message', onMessage);
        if (message.error) reject(new Error(`${method}: ${JSON.stringify(message.error)}`));
        else resolve(message.result ?? {});
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ id, method, params, sessionId }));
    });
  try {
    const { targetInfos } = (await send('Target.getTargets')) as { targetInfos: { targetId: string; url: string }[] };
    const target = targetInfos.find((t) => t.url === url);
    if (!target) throw new Error(`no page at ${url}`);
    const { sessionId } = (await send('Target.attachToTarget', { targetId: target.targetId, flatten: true })) as { sessionId: string };
    const { result, exceptionDetails } = (await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, sessionId)) as { result: { value: unknown }; exceptionDetails?: unknown };
    if (exceptionDetails) throw new Error(`evaluating in ${url}: ${JSON.stringify(exceptionDetails)}`);
    return result.value;
  } finally {
    ws.close();
  }
}
