import type { FloorAgent, LiveCallView } from '../../../shared/console';
import { callerTitle, numberForPeople } from '../../../shared/caller';
import { currentFloor, onFloor } from '../floor';
import { clock, h, table, text, time } from '../view';

export function livePage(main: HTMLElement): void {
  const agents = h('div');
  const calls = h('div');
  main.append(
    h('h2', {}, 'Live'),
    h('section', { 'aria-labelledby': 'calls-h' }, h('h3', { id: 'calls-h' }, 'Live calls'), calls),
    h('section', { 'aria-labelledby': 'agents-h' }, h('h3', { id: 'agents-h' }, 'Agents'), agents),
  );
  onFloor(() => {
    const f = currentFloor()!;
    calls.replaceChildren(
      table(
        'Live calls',
        ['Caller', 'Number', 'Company', 'State', 'Agents', 'Started'],
        f.calls.map((c: LiveCallView) => [
          text(callerTitle(c)),
          text(numberForPeople(c)),
          text(c.identity.company),
          h('span', { class: `state ${c.state}` }, c.state),
          text(c.stations.map((s) => `${s.extenUser} (${s.state})`).join(', ')),
          text(clock(c.startedAt)),
        ]),
        'No calls right now.',
      ),
    );
    agents.replaceChildren(
      table(
        'Agents',
        ['Extension user', 'Name', 'Connected', 'Browsers', 'Since'],
        f.agents.map((a: FloorAgent) => [
          text(a.extenUser),
          text(a.name),
          h('span', { class: a.browsers > 0 ? 'yes' : 'no' }, a.browsers > 0 ? 'connected' : a.enabled ? 'not connected' : 'disabled'),
          text(String(a.browsers)),
          text(a.since ? time(a.since) : ''),
        ]),
        'No agents yet: add them on the Agents page.',
      ),
    );
  });
}

