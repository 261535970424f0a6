import { json, testServer } from '../relay/tests/crm-servers';
import { extensionEvent, GOOD_TOKEN, startFakeVoicenter } from '../relay/tests/fake-voicenter';
import { popup, startRelay, type TestRelay } from '../relay/tests/helpers';
import { expect, ring, seed, signInThroughOptions, test } from './fixtures';

/**
 * Voicenter's own APIs end to end, each against its local stand-in built from
 * ../shared/VOICENTER-REALTIME.md: a Real-Time API event pops the notification; "Call back" in the
 * popup reaches Click2Call with the agent's extension as the first leg and the caller as the target.
 */
const FSI = '\u2068';
const PDI = '\u2069';
const LRI = '\u2066';

test('a call heard over the Real-Time API (no pop-up URL) pops the notification', async ({ context, extensionId, crm, desktop }) => {
  const fake = await startFakeVoicenter();
  let relay: TestRelay | undefined;
  try {
    relay = await startRelay({}, { voicenter: { realtime: { token: GOOD_TOKEN, loginUrl: fake.loginUrl }, click2call: null, extensions: null } });
    await seed(relay, crm.url);
    const options = await signInThroughOptions(context, extensionId, relay);
    await expect(options.getByText('Connected', { exact: true })).toBeVisible();
    await expect.poll(() => fake.servers[0]!.clients().length).toBe(1);
    fake.servers[0]!.emit('ExtensionEvent', extensionEvent('NEWCALL', { ivrid: 'rt-e2e-1', phone: '0722776772' }));
    await expect.poll(() => desktop.open().map((n) => n.summary)).toEqual([`${FSI}Nikita Karpushin${PDI}`]);
    fake.servers[0]!.emit('ExtensionEvent', extensionEvent('HANGUP', { ivrid: 'rt-e2e-1', phone: '0722776772', cause: 'Answered elsewhere' }));
    await expect.poll(() => desktop.open()).toEqual([]);
  } finally {
    await relay?.stop();
    await fake.close();
  }
});

test('"Call back" on a missed call reaches Click2Call: the agent\'s extension first, then the caller', async ({ context, extensionId, crm, desktop }) => {
  // Click2Call's documented JSON answer (../shared/VOICENTER-REALTIME.md §2).
  const click2call = await testServer((_req, res) => json(res, { ERRORCODE: 0, ERRORMESSAGE: 'OK', CALLID: 'c2c-e2e-1' }));
  const received = () => click2call.requests.map((r) => JSON.parse(r.body) as Record<string, unknown>);
  const url = `${click2call.url}/ForwardDialer/click2call.aspx`;
  let relay: TestRelay | undefined;
  try {
    relay = await startRelay({}, { voicenter: { realtime: null, click2call: { code: 'c2c-code', url, perAgentPerMinute: 6 }, extensions: null } });
    await seed(relay, crm.url);
    const options = await signInThroughOptions(context, extensionId, relay);
    await expect(options.getByText('Connected', { exact: true })).toBeVisible();
    await ring(relay, { ivrid: 'missed-e2e-1', phone: '0722776772' });
    await popup(relay, { ivrid: 'missed-e2e-1', extenUser: 'KGpK4iWq', status: 'Ringing', cause: 'Normal hangup' });
    await expect.poll(() => desktop.open()).toEqual([]);
    const list = await context.newPage();
    await list.goto(`chrome-extension://${extensionId}/extension/popup.html`);
    await list.getByRole('button', { name: 'Call back Nikita Karpushin' }).click();
    await expect.poll(received).toEqual([{ code: 'c2c-code', phone: 'KGpK4iWq', target: '972722776772', action: 'call', format: 'json' }]);
    await expect.poll(() => desktop.open().map((n) => n.summary)).toEqual([`Calling ${LRI}072-277-6772${PDI}`]);
    expect(desktop.open()[0]!.body).toContain('Your phone rings first');
  } finally {
    await relay?.stop();
    await click2call.close();
  }
});
