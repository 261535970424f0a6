import { afterEach, describe, expect, it } from 'vitest';
import { endlessServer, NEAR_THE_CAP, type EndlessServer } from '../tests/endless-answer';
import { placeCall } from './click2call';
import { accountExtensions } from './extension-list';
import { login, refresh } from './realtime-login';

/**
 * Voicenter's APIs as the relay asks them, answered by a server whose answer never ends (an
 * address set wrong, a proxy gone mad, someone answering in Voicenter's name): each is read no
 * further than its cap, its connection closed, and the failure said in words.
 */
let endless: EndlessServer;
afterEach(async () => {
  await endless.close();
});

async function readNearTheCap(): Promise<void> {
  await endless.ended(1);
  expect([endless.cutOff(), endless.gaveUp()]).toEqual([1, 0]);
  expect(endless.sent()).toBeLessThan(NEAR_THE_CAP);
}

describe('an endless answer from Voicenter', () => {
  it('to the Real-Time API login', async () => {
    endless = await endlessServer({ prefix: '{"Data":{"Socket":{"Token":"' });
    const url = `${endless.url}/monitorAPI/Login/Token`;
    await expect(login(url, 'token')).rejects.toMatchObject({ refused: false, message: expect.stringMatching(/^Voicenter's login answer \(127\.0\.0\.1:\d+\) cannot be read: answer larger than 65536 bytes$/) as string });
    await readNearTheCap();
  });

  it('to the socket token refresh', async () => {
    endless = await endlessServer({ prefix: '{"Data":{"Socket":{"Token":"' });
    await expect(refresh(`${endless.url}/monitorAPI/Login/Token`, 'refresh')).rejects.toThrow('answer larger than 65536 bytes');
    await readNearTheCap();
  });

  it('to Click2Call: refused, the log told why', async () => {
    endless = await endlessServer({ prefix: '{"ERRORCODE":0,"ERRORMESSAGE":"' });
    expect(await placeCall({ url: `${endless.url}/ForwardDialer/click2call.aspx`, code: 'c' }, '1001', '972722776772')).toEqual({
      outcome: 'refused',
      callId: '',
      detail: 'an answer that cannot be read: answer larger than 65536 bytes',
    });
    await readNearTheCap();
  });

  it('to the extension list (its cap is 8 MB: some 40,000 extensions)', async () => {
    endless = await endlessServer({ prefix: '{"ERR":0,"EXTENSIONS":[{"SIP":"' });
    await expect(accountExtensions({ url: `${endless.url}/Comet/api/GetExtensions`, code: 'c' })).rejects.toThrow(
      /^Voicenter's extension list answer \(127\.0\.0\.1:\d+\) cannot be read: answer larger than 8388608 bytes$/,
    );
    await endless.ended(1);
    expect([endless.cutOff(), endless.gaveUp()]).toEqual([1, 0]);
    expect(endless.sent()).toBeLessThan(8 * 1024 * 1024 + NEAR_THE_CAP);
  });
});
