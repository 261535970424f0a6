import { AGENTS_PER_REQUEST, type AgentsImportPreview, type AgentsSync, type FloorAgent } from '../../../shared/console';
import { t } from '../i18n';
import { agentLabel, agentText, api, csvUploadSection, h, message, table, text } from '../view';

export async function agentsPage(main: HTMLElement): Promise<void> {
  const status = h('div', { 'aria-live': 'polite' });
  const list = h('div');
  const extenUser = h('input', { type: 'text', name: 'extenUser', required: true, autocomplete: 'off' });
  const name = h('input', { type: 'text', name: 'name', autocomplete: 'off' });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'new-password', minlength: '8' });
  const show = (text: string, error = false) => status.replaceChildren(message(text, error));
  const load = async () => {
    const agents = await api<FloorAgent[]>('/agents');
    list.replaceChildren(
      table(
        t('pageAgents'),
        [t('agent'), t('colStatus'), t('colBrowsers'), t('colActions')],
        agents.map((a) => [
          agentLabel(a.name, a.extenUser),
          text(a.enabled ? t('agentEnabled') : t('agentDisabled')),
          text(String(a.browsers)),
          actions(a, show, load),
        ]),
        t('noAgentsYet'),
      ),
    );
  };
  main.append(
    h('h2', {}, t('pageAgents')),
    h(
      'section',
      { 'aria-labelledby': 'add-h' },
      h('h3', { id: 'add-h' }, t('addAgentHeading')),
      h(
        'form',
        {
          class: 'inline',
          onsubmit: (e) => {
            e.preventDefault();
            api<{ extenUser: string; password?: string }>('/agents', {
              method: 'POST',
              json: { extenUser: extenUser.value, name: name.value, password: password.value || undefined },
            })
              .then((r) => {
                const added = agentText(name.value.trim(), r.extenUser);
                show(r.password ? t('agentAddedWithPassword', added, r.password) : t('agentAdded', added));
                extenUser.value = name.value = password.value = '';
                return load();
              })
              .catch((err: Error) => show(err.message, true));
          },
        },
        h('label', {}, t('colExtenUser'), extenUser),
        h('label', {}, t('colName'), name),
        h('label', {}, t('passwordOrGenerate'), password),
        h('button', { type: 'submit', class: 'primary' }, t('addAgent')),
      ),
      status,
    ),
    csvUploadSection<AgentsImportPreview>({
      id: 'import-h',
      title: t('agentsImportHeading'),
      help: t('agentsImportHelp', AGENTS_PER_REQUEST),
      path: '/agents/import',
      summary: (r, done) => (done ? t('agentsImported', r.added, r.bad.length) : t('agentsImportPreview', r.good, r.bad.length)),
      after: (r) => (r.generated.length ? passwordsTable(r.generated) : null),
      imported: load,
    }),
    h('section', { 'aria-labelledby': 'roster-h' }, h('h3', { id: 'roster-h' }, t('roster')), list),
  );
  await load();
  // Only where the relay knows the Voicenter account.
  if ((await api<{ available: boolean }>('/agents/sync')).available) list.parentElement!.before(syncSection(load));
}

const passwordsTable = (generated: AgentsImportPreview['generated']) =>
  table(t('generatedPasswords'), [t('colExtenUser'), t('password')], generated.map((g) => [text(g.extenUser), h('span', { class: 'mono' }, g.password)]), '');

/** The account's extensions made agents: what would be added, then adding them (passwords shown once). */
function syncSection(load: () => Promise<void>): HTMLElement {
  const out = h('div', { 'aria-live': 'polite' });
  const sync = async (dryRun: boolean) => {
    const r = await api<AgentsSync>(`/agents/sync${dryRun ? '?dryRun=1' : ''}`, { method: 'POST' });
    const bad = r.report.bad.length ? table(t('badRows'), [t('colLine'), t('colProblem')], r.report.bad.map((b) => [text(String(b.line)), text(b.reason)]), '') : null;
    const later = r.later > 0 ? [message(t('agentsSyncLater', r.later, AGENTS_PER_REQUEST))] : [];
    if (dryRun) {
      const toAdd = table(t('agentsSyncHeading'), [t('colExtenUser'), t('colName')], r.missing.map((m) => [text(m.extenUser), text(m.name)]), '');
      const run = r.report.good > 0 ? h('button', { type: 'button', class: 'primary', onclick: () => send(false) }, t('agentsSyncRun')) : null;
      out.replaceChildren(message(t('agentsSyncPreview', r.listed, r.existing, r.report.good)), ...later, toAdd, ...(bad ? [bad] : []), ...(run ? [run] : []));
    } else {
      out.replaceChildren(message(t('agentsSynced', r.report.added, r.report.bad.length)), ...later, ...(bad ? [bad] : []), ...(r.report.generated.length ? [passwordsTable(r.report.generated)] : []));
      await load();
    }
  };
  /** The check (dryRun) or the sync, from a button: what fails is said in `out`. */
  const send = (dryRun: boolean): void => {
    sync(dryRun).catch((err: Error) => out.replaceChildren(message(err.message, true)));
  };
  return h(
    'section',
    { 'aria-labelledby': 'sync-h' },
    h('h3', { id: 'sync-h' }, t('agentsSyncHeading')),
    h('p', {}, t('agentsSyncHelp')),
    h('button', { type: 'button', onclick: () => send(true) }, t('agentsSyncCheck')),
    out,
  );
}

/** Disable/enable, a new password, and removing one agent (once confirmed), saying what happened in `show`. */
function actions(a: FloorAgent, show: (text: string, error?: boolean) => void, load: () => Promise<void>): HTMLElement {
  const path = `/agents/${encodeURIComponent(a.extenUser)}`;
  const who = agentText(a.name, a.extenUser);
  const failed = (err: Error) => show(err.message, true);
  const toggle = () => {
    api(path, { method: 'PATCH', json: { enabled: !a.enabled } })
      .then(() => show(a.enabled ? t('agentWasDisabled', who) : t('agentWasEnabled', who)))
      .then(load)
      .catch(failed);
  };
  const renew = () => {
    api<{ password: string }>(`${path}/password`, { method: 'POST', json: {} }).then((r) => show(t('agentNewPassword', who, r.password)), failed);
  };
  const remove = () => {
    if (!confirm(t('removeAgentConfirm', who))) return;
    api(path, { method: 'DELETE' })
      .then(() => show(t('agentRemoved', who)))
      .then(load)
      .catch(failed);
  };
  return h(
    'span',
    {},
    h('button', { type: 'button', class: a.enabled ? 'danger' : '', 'aria-label': t(a.enabled ? 'disableAgent' : 'enableAgent', who), onclick: toggle }, a.enabled ? t('disable') : t('enable')),
    ' ',
    h('button', { type: 'button', 'aria-label': t('newPasswordFor', who), onclick: renew }, t('newPassword')),
    ' ',
    h('button', { type: 'button', class: 'danger', 'aria-label': t('removeAgent', who), onclick: remove }, t('remove')),
  );
}
