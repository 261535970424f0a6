// Voicenter's side of the benches: its JSON requests to the pop-up URL, with Node's own HTTP client.
import http from 'node:http';

/** POSTs a JSON body to the pop-up URL through `agent`; resolves with the status once the answer has been read. */
export function postJson(popupUrl: URL, agent: http.Agent, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = http.request({ agent, host: popupUrl.hostname, port: popupUrl.port, path: popupUrl.pathname, method: 'POST', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(body);
  });
}
