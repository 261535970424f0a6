import type { FloorAgent, LiveCallView } from '../../../shared/console';
import { callerTitle, numberForPeople } from '../../../shared/caller';
import type { CallState } from '../../../shared/messages';
import { currentFloor, onFloor } from '../floor';
import { callerWords, t, type ConsoleKey } from '../i18n';
import { clock, h, table, text, time } from '../view';

const STATES: Record<CallState, ConsoleKey> = {
  ringing: 'stateRinging',
  talking: 'stateTalking',
  hold: 'stateOnHold',
  dialing: 'stateDialing',
  ended: 'stateEnded',
};

export function livePage(main: HTMLElement): void {
  const agents = h('div');
  const calls = h('div');
  main.append(
    h('h2', {}, t('pageLive')),
    h('section', { 'aria-labelledby': 'calls-h' }, h('h3', { id: 'calls-h' }, t('liveCalls')), calls),
    h('section', { 'aria-labelledby': 'agents-h' }, h('h3', { id: 'agents-h' }, t('pageAgents')), agents),
  );
  onFloor(() => {
    const f = currentFloor()!;
    calls.replaceChildren(
      table(
        t('liveCalls'),
        [t('colCaller'), t('colNumber'), t('colCompany'), t('colState'), t('pageAgents'), t('colStarted')],
        f.calls.map((c: LiveCallView) => [
          h('bdi', {}, callerTitle(c, callerWords())),
          h('span', { class: 'number' }, numberForPeople(c, callerWords())),
          h('bdi', {}, c.identity.company),
          h('span', { class: `state ${c.state}` }, t(STATES[c.state])),
          text(c.stations.map((s) => t('stationState', s.extenUser, t(STATES[s.state]))).join(', ')),
          text(clock(c.startedAt)),
        ]),
        t('noCallsNow'),
      ),
    );
    agents.replaceChildren(
      table(
        t('pageAgents'),
        [t('colExtenUser'), t('colName'), t('colConnected'), t('colBrowsers'), t('colSince')],
        f.agents.map((a: FloorAgent) => [
          text(a.extenUser),
          text(a.name),
          h('span', { class: a.browsers > 0 ? 'yes' : 'no' }, a.browsers > 0 ? t('agentConnected') : a.enabled ? t('agentNotConnected') : t('agentDisabled')),
          text(String(a.browsers)),
          text(a.since ? time(a.since) : ''),
        ]),
        t('noAgentsLive'),
      ),
    );
  });
}

