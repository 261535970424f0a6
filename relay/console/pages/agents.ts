import type { AgentsImportPreview, FloorAgent } from '../../../shared/console';
import { api, csvUploadSection, h, message, table, text } from '../view';

export async function agentsPage(main: HTMLElement): Promise<void> {
  const status = h('div', { 'aria-live': 'polite' });
  const list = h('div');
  const extenUser = h('input', { type: 'text', name: 'extenUser', required: true, autocomplete: 'off' });
  const name = h('input', { type: 'text', name: 'name', autocomplete: 'off' });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'new-password' });
  const show = (text: string, error = false) => status.replaceChildren(message(text, error));
  const load = async () => {
    const agents = await api<FloorAgent[]>('/agents');
    list.replaceChildren(
      table(
        'Agents',
        ['Extension user', 'Name', 'Status', 'Browsers', 'Actions'],
        agents.map((a) => [
          text(a.extenUser),
          text(a.name),
          text(a.enabled ? 'enabled' : 'disabled'),
          text(String(a.browsers)),
          actions(a, show, load),
        ]),
        'No agents yet.',
      ),
    );
  };
  main.append(
    h('h2', {}, 'Agents'),
    h(
      'section',
      { 'aria-labelledby': 'add-h' },
      h('h3', { id: 'add-h' }, 'Add an agent'),
      h(
        'form',
        {
          class: 'inline',
          onsubmit: (e) => {
            e.preventDefault();
            void api<{ extenUser: string; password?: string }>('/agents', {
              method: 'POST',
              json: { extenUser: extenUser.value, name: name.value, password: password.value || undefined },
            }).then(
              (r) => {
                show(r.password ? `Added ${r.extenUser}. Password: ${r.password}` : `Added ${r.extenUser}.`);
                extenUser.value = name.value = password.value = '';
                return load();
              },
              (err: Error) => show(err.message, true),
            );
          },
        },
        h('label', {}, 'Extension user', extenUser),
        h('label', {}, 'Name', name),
        h('label', {}, 'Password (empty: generate one)', password),
        h('button', { type: 'submit', class: 'primary' }, 'Add agent'),
      ),
      status,
    ),
    csvUploadSection<AgentsImportPreview>({
      id: 'import-h',
      title: 'Add agents from a CSV file',
      help: 'A header row: extenUser, name, optional password (empty: one is generated and shown once). Existing agents are left as they are.',
      path: '/agents/import',
      summary: (r, done) => (done ? `Added ${r.added} agents; ${r.bad.length} bad rows left out.` : `${r.good} agents ready to add; ${r.bad.length} bad rows will be left out.`),
      after: (r) =>
        r.generated.length
          ? table('Generated passwords (shown only now)', ['Extension user', 'Password'], r.generated.map((g) => [text(g.extenUser), h('span', { class: 'mono' }, g.password)]), '')
          : null,
      imported: load,
    }),
    h('section', { 'aria-labelledby': 'roster-h' }, h('h3', { id: 'roster-h' }, 'Roster'), list),
  );
  await load();
}

/** Disable/enable and a new password for one agent, saying what happened in `show`. */
function actions(a: FloorAgent, show: (text: string, error?: boolean) => void, load: () => Promise<void>): HTMLElement {
  const path = `/agents/${encodeURIComponent(a.extenUser)}`;
  const toggle = () =>
    void api(path, { method: 'PATCH', json: { enabled: !a.enabled } })
      .then(() => show(`${a.extenUser} ${a.enabled ? 'disabled: its browsers are signed out' : 'enabled'}.`))
      .then(load, (err: Error) => show(err.message, true));
  const renew = () =>
    void api<{ password: string }>(`${path}/password`, { method: 'POST', json: {} }).then(
      (r) => show(`New password for ${a.extenUser}: ${r.password} (its browsers are signed out).`),
      (err: Error) => show(err.message, true),
    );
  return h(
    'span',
    {},
    h('button', { type: 'button', class: a.enabled ? 'danger' : '', 'aria-label': `${a.enabled ? 'Disable' : 'Enable'} ${a.extenUser}`, onclick: toggle }, a.enabled ? 'Disable' : 'Enable'),
    ' ',
    h('button', { type: 'button', 'aria-label': `New password for ${a.extenUser}`, onclick: renew }, 'New password'),
  );
}
