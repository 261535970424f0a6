import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { placeCall } from './click2call';

/** Click2Call's CALLID becomes the call's ivrid (VOICENTER-REALTIME.md §2): held to the one ivrid rule (shared/call-event.ts). */
let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

async function answering(body: unknown): Promise<string> {
  server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/ForwardDialer/click2call.aspx`;
}

describe("Click2Call's call id", () => {
  it.each(['2023122810144902393f899a7812fd6b', 1703759105])('is the ivrid when it is one: %s', async (CALLID) => {
    const url = await answering({ ERRORCODE: 0, ERRORMESSAGE: 'OK', CALLID });
    expect(await placeCall({ url, code: 'c' }, '1001', '972722776772')).toMatchObject({ outcome: 'placed', callId: String(CALLID) });
  });

  it.each([`a b/c\n../${'x'.repeat(247)}`, 'c2c:identity', 'a'.repeat(129)])('is not used when it breaks the rule (%j): the call is placed all the same', async (CALLID) => {
    const url = await answering({ ERRORCODE: 0, ERRORMESSAGE: 'OK', CALLID });
    expect(await placeCall({ url, code: 'c' }, '1001', '972722776772')).toEqual({ outcome: 'placed', callId: '', detail: '0 OK' });
  });
});
