import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallView } from '../shared/messages';
import { translator } from './catalogue';
import { buttonListeners, clickListeners, resetFake, shown } from './fake-browser';
import { callButton, missedButton, openCall } from './notification-buttons';
import { callsOnScreen, clearAll, clearCall, listenToNotificationClicks, showCall, showMissed } from './notify';

vi.mock('./browser-api', () => import('./fake-browser'));
vi.mock('./i18n', async () => ({ loadLanguage: () => Promise.resolve('en'), t: (await import('./catalogue')).translator('en') }));
vi.mock('./notification-buttons', () => ({
  openCall: vi.fn(() => Promise.resolve()),
  callButton: vi.fn(() => Promise.resolve()),
  missedButton: vi.fn(() => Promise.resolve()),
}));

const t = translator('en');
const call = (over: Partial<CallView> = {}): CallView => ({
  ivrid: 'c1',
  direction: 'incoming',
  state: 'ringing',
  phone: { raw: '972722776772', e164: '+972722776772', local: '072-277-6772', withheld: false },
  callerName: '',
  did: '0776707528',
  line: '',
  startedAt: 0,
  answeredAt: null,
  endedAt: null,
  cause: '',
  answeredBy: null,
  identity: { status: 'found', name: 'Dana Cohen', company: 'Acme', url: 'https://crm.example/1', total: 1, id: '1', source: 'directory', how: 'exact number' },
  ...over,
});

/** Until the listeners' work (a promise chain) is done: the notification is cleared last. */
async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('not by the deadline');
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

describe('the calls\' notifications', () => {
  beforeEach(() => {
    resetFake();
    vi.clearAllMocks();
  });

  it('raises a ringing call kept on screen, with Open in CRM, under the call\'s own id', async () => {
    await showCall(call(), false);
    expect([...shown.keys()]).toEqual(['call:c1']);
    expect(shown.get('call:c1')).toMatchObject({ requireInteraction: true, buttons: [{ title: t('openInCrm') }] });
  });

  it('updates a known call in place, and raises it again when the agent closed it', async () => {
    await showCall(call(), false);
    await showCall(call({ state: 'talking' }), true);
    expect(shown.get('call:c1')).toMatchObject({ requireInteraction: false });
    await clearCall('c1');
    await showCall(call({ state: 'talking' }), true);
    expect([...shown.keys()]).toEqual(['call:c1']);
  });

  it('says a missed call under its own id, never for a withheld number', async () => {
    await showMissed(call({ state: 'ended' }), true);
    await showMissed(call({ ivrid: 'c2', state: 'ended', phone: { raw: '', e164: null, local: '', withheld: true } }), true);
    expect([...shown.keys()]).toEqual(['missed:c1']);
  });

  it('names the calls on screen (not the missed-call notices), and clears everything at sign-out', async () => {
    await showCall(call(), false);
    await showMissed(call({ ivrid: 'c2', state: 'ended' }), false);
    expect(await callsOnScreen()).toEqual(['c1']);
    await clearAll();
    expect(shown.size).toBe(0);
  });

  it('opens the call on a click and does what a button says, clearing the notification after', async () => {
    listenToNotificationClicks();
    await showCall(call(), false);
    await showMissed(call({ ivrid: 'c2', state: 'ended' }), true);
    clickListeners[0]!('call:c1');
    await until(() => !shown.has('call:c1'));
    expect(openCall).toHaveBeenCalledWith('c1');
    buttonListeners[0]!('missed:c2', 0);
    await until(() => !shown.has('missed:c2'));
    expect(missedButton).toHaveBeenCalledWith('c2', 0);
    expect(callButton).not.toHaveBeenCalled();
    // The connection's own notices open nothing.
    clickListeners[0]!('status:pop-ups-off');
    expect(openCall).toHaveBeenCalledTimes(1);
  });
});
