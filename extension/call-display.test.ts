import { describe, expect, it } from 'vitest';
import type { CallView } from '../shared/messages';
import { callerTitle } from '../shared/caller';
import { callerWords, translator } from './catalogue';
import { callerContext, compactTime, howMatched, isOpenableUrl, notificationText, outcome, outcomeWords, rowText, siteAllowed } from './call-display';

const t = translator('en');
const he = translator('he');
const LRI = '\u2066';
const PDI = '\u2069';

const call = (over: Partial<CallView> = {}, identity: Partial<CallView['identity']> = {}): CallView => ({
  ivrid: 'c1',
  direction: 'incoming',
  state: 'ringing',
  phone: { raw: '972722776772', e164: '+972722776772', local: '072-277-6772', withheld: false },
  callerName: 'Queue Testing',
  did: '0776707528',
  line: '',
  startedAt: 0,
  answeredAt: null,
  endedAt: null,
  cause: '',
  answeredBy: null,
  identity: { status: 'unknown', name: '', company: '', url: '', total: 0, id: '', source: '', how: '', ...identity },
  ...over,
});

describe('what the notification says', () => {
  it('names the caller from the CRM, else says "Unknown caller"; Voicenter\'s caller name is never a person', () => {
    expect(callerTitle(call({}, { status: 'found', name: 'Dana' }), callerWords(t))).toBe('Dana');
    expect(callerTitle(call(), callerWords(t))).toBe('Unknown caller');
    expect(callerTitle(call({}, { status: 'pending' }), callerWords(t))).toBe('072-277-6772');
    expect(callerTitle(call({ callerName: '', phone: { raw: '', e164: null, local: '', withheld: true } }), callerWords(t))).toBe('Withheld number');
  });

  it('says the state, several matches or a lookup running, and the queue or line the call came in on', () => {
    expect(callerContext(call({}, { status: 'found', company: 'Acme' }), t)).toBe('Queue: Queue Testing · Line 0776707528');
    expect(callerContext(call({}, { status: 'multiple', total: 3 }), t)).toBe('3 matches · Queue: Queue Testing · Line 0776707528');
    expect(callerContext(call({ callerName: '' }, { status: 'pending' }), t)).toBe('Looking up… · Line 0776707528');
    expect(callerContext(call({ state: 'talking', callerName: '', did: '' }, { status: 'found', company: 'Acme' }), t)).toBe('Talking');
    // A line the supervisor named is shown by its name.
    expect(callerContext(call({ line: 'Sales' }, { status: 'found' }), t)).toBe('Queue: Queue Testing · Line Sales');
  });

  it('puts the company beside the number, the number never broken', () => {
    expect(notificationText(call({}, { status: 'found', name: 'Dana', company: 'Acme' }), t).message).toBe(`\u2068Acme\u2069 · ${LRI}072-277-6772${PDI}`);
    expect(notificationText(call(), t).message).toBe(`${LRI}072-277-6772${PDI}`);
  });

  it('isolates right-to-left names so Latin digits keep their place', () => {
    const text = notificationText(call({}, { status: 'found', name: 'דנה כהן', company: 'חברה בע"מ' }), he);
    expect(text.title).toBe('\u2068דנה כהן\u2069');
    // The number in a left-to-right isolate: whole and in order inside Hebrew text.
    expect(text.message).toBe(`\u2068חברה בע"מ\u2069 · ${LRI}072-277-6772${PDI}`);
  });

  it('drops control and direction-override characters a CRM might send', () => {
    const text = notificationText(call({}, { status: 'found', name: 'Eve\u202e\u0007lin' }), t);
    expect(text.title).toBe('\u2068Evelin\u2069');
  });
});

describe('what a row of the popup says', () => {
  it('drops the same direction overrides and isolates as the notification, in every field', () => {
    const evil = call({ phone: { raw: '\u202e0722776772', e164: null, local: '\u202e072\u2066-277', withheld: false } }, {
      status: 'found', name: 'Eve\u202elyn\u2067', company: '\u202aAcme\u202c', source: 'crm\u2068', how: 'exact\u202d',
    });
    expect(rowText(evil, t)).toEqual({ title: 'Evelyn', company: 'Acme', number: '072-277', via: 'Found in crm by exact' });
  });
});

describe('outcome', () => {
  it.each([
    [{ state: 'ended', answeredBy: null }, 'missed'],
    [{ state: 'ended', answeredBy: 'me' }, 'answered'],
    [{ state: 'ended', answeredBy: 'other' }, 'answered-elsewhere'],
    [{ state: 'ringing', answeredBy: null }, 'ringing'],
    [{ state: 'ended', direction: 'outgoing' }, 'outgoing'],
  ] as const)('%j is %s', (over, expected) => {
    expect(outcome(call(over as Partial<CallView>))).toBe(expected);
  });
});

describe('in Hebrew', () => {
  it('says the caller, the queue and the line in Hebrew, the number whole', () => {
    expect(callerTitle(call(), callerWords(he))).toBe('מתקשר לא מזוהה');
    expect(callerContext(call({ line: 'מכירות' }, { status: 'multiple', total: 2 }), he)).toBe('2 התאמות · תור: Queue Testing · קו מכירות');
    expect(notificationText(call(), he).message).toBe(`${LRI}072-277-6772${PDI}`);
  });

  it('names each outcome for screen readers in both languages', () => {
    expect(outcomeWords('answered-elsewhere', t)).toBe('answered elsewhere');
    expect(outcomeWords('answered-elsewhere', he)).toBe('נענתה על ידי עמית');
    expect(outcomeWords('ringing', he)).toBe('מצלצלת עכשיו');
  });

  it('says how the caller was matched in plain words, the relay\'s known phrases translated', () => {
    const identity = (how: string) => call({}, { status: 'found', source: 'directory', how }).identity;
    expect(howMatched(identity('exact number'), t)).toBe('Found in directory by the exact number');
    expect(howMatched(identity('last 9 digits, from the cache'), t)).toBe('Found in directory by the last 9 digits (remembered from an earlier call)');
    expect(howMatched(identity('last 9 digits'), he)).toBe('נמצא ב-directory לפי 9 הספרות האחרונות');
    expect(howMatched(identity('something new'), he)).toBe('נמצא ב-directory לפי something new');
    expect(howMatched(call().identity, t)).toBe('');
  });
});

describe('compactTime', () => {
  const now = new Date(2026, 10, 27, 16, 0).getTime();
  it('is the time today and the date on other days, in the given locale', () => {
    expect(compactTime(new Date(2026, 10, 27, 14, 17).getTime(), now, 'en-GB')).toBe('14:17');
    expect(compactTime(new Date(2026, 10, 26, 14, 17).getTime(), now, 'en-GB')).toBe('26 Nov');
    expect(compactTime(new Date(2026, 10, 26, 14, 17).getTime(), now, 'he-IL')).toBe('26 בנוב׳');
  });
});

describe('isOpenableUrl', () => {
  it.each([
    ['https://crm.example/1', true],
    ['http://crm.example/1', true],
    ['javascript:alert(1)', false],
    ['data:text/html,x', false],
    ['chrome://settings', false],
    ['file:///etc/passwd', false],
    ['not a url', false],
    ['', false],
  ])('%s → %s', (url, ok) => {
    expect(isOpenableUrl(url)).toBe(ok);
  });
});

describe('siteAllowed', () => {
  const sites = ['crm.example.com', '*.hubspot.com'];
  it.each([
    ['https://crm.example.com/contacts/1', true],
    ['https://app.hubspot.com/contacts/1', true],
    ['https://hubspot.com/', true],
    ['https://evil-hubspot.com/', false],
    ['https://crm.example.com.evil.net/', false],
    ['https://other.example.com/', false],
    ['javascript:alert(1)', false],
  ])('%s → %s', (url, ok) => {
    expect(siteAllowed(url, sites)).toBe(ok);
  });

  it('allows every http(s) site when the list is empty', () => {
    expect(siteAllowed('https://anything.example/', [])).toBe(true);
    expect(siteAllowed('ftp://anything.example/', [])).toBe(false);
  });
});
