import { json, testServer } from '../relay/tests/crm-servers';
import { extensionEvent, extensionStatus, GOOD_TOKEN, queue, queueEvent, startFakeVoicenter, waitingCall } from '../relay/tests/fake-voicenter';
import { popup, signIn, startRelay, type TestRelay } from '../relay/tests/helpers';
import { expect, ring, seed, signInThroughOptions, test } from './fixtures';
import { expectAccessible, expectHebrewPage, expectWholeNumber, untranslatedWords } from './language';

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

test("the supervisor's Live page in Hebrew: callers waiting per queue, found in the CRM, waits counting up, phones' statuses", async ({ context, crm }) => {
  const fake = await startFakeVoicenter();
  let relay: TestRelay | undefined;
  try {
    fake.servers[0]!.greeting.extensions = [extensionStatus('KGpK4iWq', 3, 'Dana Cohen')];
    relay = await startRelay({}, { voicenter: { realtime: { token: GOOD_TOKEN, loginUrl: fake.loginUrl }, click2call: null, extensions: null } });
    await seed(relay, crm.url);
    await relay.admins.setPassword('admin', 'console-queues-password');
    await expect.poll(() => fake.servers[0]!.clients().length).toBe(1);
    fake.servers[0]!.emit('QueueEvent', queueEvent('JOIN', queue(14520, 'מכירות', [waitingCall('q-e2e-1', '0722776772', 75)])));

    const page = await context.newPage();
    await page.goto(`${relay.url}/`);
    await page.getByRole('combobox', { name: 'Language' }).selectOption('he');
    await page.getByLabel('שם משתמש').fill('admin');
    await page.getByLabel('סיסמה').fill('console-queues-password');
    await page.getByRole('button', { name: 'כניסה' }).click();
    const queues = page.getByRole('table', { name: 'תורים' });
    await expect(queues.getByRole('row').filter({ hasText: 'מכירות' })).toContainText('1');
    const waiting = page.getByRole('table', { name: 'ממתינים בתור מכירות' }).getByRole('row').filter({ hasText: 'Nikita Karpushin' });
    await expect(waiting).toContainText('Voicenter');
    // The wait counts up while the page is open (75 s when it joined).
    const waited = waiting.locator('.wait');
    const first = await waited.textContent();
    expect(first).toMatch(/^1:[1-5]\d$/);
    await expect(waited).not.toHaveText(first!);
    await expectWholeNumber(page, '072-277-6772');
    await expect(page.getByRole('table', { name: 'נציגים' }).getByRole('row').filter({ hasText: 'KGpK4iWq' })).toContainText('בהפסקה');
    await expectHebrewPage(page);
    expect(await untranslatedWords(page, ['admin', 'Nikita Karpushin', 'KGpK4iWq', 'Dana Cohen', 'Avi01', 'Avi Levi'])).toEqual([]);
    await expectAccessible(page, 'console live with queues (he)');

    // Answered: nobody waits, the count says so.
    fake.servers[0]!.emit('QueueEvent', queueEvent('ANSWER', queue(14520, 'מכירות', [])));
    await expect(page.getByText('Nikita Karpushin')).toHaveCount(0);
  } finally {
    await relay?.stop();
    await fake.close();
  }
});

test("the supervisor adds the Voicenter account's extensions as agents from the Agents page", async ({ context }) => {
  // Voicenter's extension list (../shared/VOICENTER-REALTIME.md §3): {ERR, DESC, EXTENSIONS: [{SIP, Name, …}]}.
  const list = await testServer((_req, res) =>
    json(res, { ERR: 0, DESC: 'OK', EXTENSIONS: [{ SIP: 'KGpK4iWq', Name: 'Dana Cohen', SpeedDial: '100' }, { SIP: 'Avi01', Name: 'Avi Levi', SpeedDial: '101' }] }),
  );
  let relay: TestRelay | undefined;
  try {
    relay = await startRelay({}, { voicenter: { realtime: null, click2call: null, extensions: { code: 'account-code', url: `${list.url}/Comet/api/GetExtensions` } } });
    await relay.agents.add('KGpK4iWq', 'Dana Cohen', 'dana-pass');
    await relay.admins.setPassword('admin', 'console-sync-password');
    const page = await context.newPage();
    await page.goto(`${relay.url}/`);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('console-sync-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation').getByRole('link', { name: 'Agents', exact: true }).click();
    await page.getByRole('button', { name: 'Check the account' }).click();
    await expect(page.getByText('2 extensions in the account; 1 are agents already; 1 to add.')).toBeVisible();
    await page.getByRole('button', { name: 'Add them' }).click();
    await expect(page.getByText('Added 1 agents; 0 left out.')).toBeVisible();
    const password = await page.getByRole('table', { name: 'Generated passwords' }).getByRole('row').filter({ hasText: 'Avi01' }).locator('.mono').textContent();
    expect(await signIn(relay, 'Avi01', password!)).toMatch(/\S/);
    await expect(page.getByRole('table', { name: 'Agents' }).getByRole('row').filter({ hasText: 'Avi Levi' })).toBeVisible();
  } finally {
    await relay?.stop();
    await list.close();
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

test('an agent who chose missed-call notices gets one after a missed call; its "Call back" reaches Click2Call', async ({ context, extensionId, crm, desktop }) => {
  // Click2Call's documented JSON answer (../shared/VOICENTER-REALTIME.md §2).
  const click2call = await testServer((_req, res) => json(res, { ERRORCODE: 0, ERRORMESSAGE: 'OK', CALLID: 'c2c-e2e-2' }));
  let relay: TestRelay | undefined;
  try {
    relay = await startRelay({}, { voicenter: { realtime: null, click2call: { code: 'c2c-code', url: `${click2call.url}/ForwardDialer/click2call.aspx`, perAgentPerMinute: 6 }, extensions: null } });
    await seed(relay, crm.url);
    const options = await signInThroughOptions(context, extensionId, relay);
    await expect(options.getByText('Connected', { exact: true })).toBeVisible();
    // The default: missed calls are only counted; a call answered elsewhere is not missed either way.
    await expect(options.getByLabel('Missed calls')).toHaveValue('count');
    await ring(relay, { ivrid: 'quiet-e2e-1', phone: '0722776772' });
    await expect.poll(() => desktop.open()).toHaveLength(1);
    await popup(relay, { ivrid: 'quiet-e2e-1', extenUser: 'KGpK4iWq', status: 'Hangup', cause: 'NO ANSWER' });
    await expect.poll(() => desktop.open()).toEqual([]);

    await options.getByLabel('Missed calls').selectOption('notify');
    await ring(relay, { ivrid: 'missed-e2e-2', phone: '0722776772' });
    await expect.poll(() => desktop.open().map((n) => n.summary)).toEqual([`${FSI}Nikita Karpushin${PDI}`]);
    await popup(relay, { ivrid: 'missed-e2e-2', extenUser: 'KGpK4iWq', status: 'Hangup', cause: 'NO ANSWER' });
    await expect.poll(() => desktop.open().map((n) => n.summary)).toEqual([`Missed call: ${FSI}Nikita Karpushin${PDI}`]);
    const notice = desktop.open()[0]!;
    // (Pairs of key and label; Chromium adds its own default and settings actions.)
    expect(notice.actions.filter((_, i) => i % 2 === 1).slice(0, 2)).toEqual(['Call back', 'Open in CRM']);
    desktop.click(notice.id, notice.actions[notice.actions.indexOf('Call back') - 1]);
    await expect.poll(() => click2call.requests.map((r) => JSON.parse(r.body) as Record<string, unknown>)).toEqual([{ code: 'c2c-code', phone: 'KGpK4iWq', target: '972722776772', action: 'call', format: 'json' }]);
    await expect.poll(() => desktop.open().map((n) => n.summary)).toEqual([`Calling ${LRI}072-277-6772${PDI}`]);
  } finally {
    await relay?.stop();
    await click2call.close();
  }
});
