import type { ConsoleSettings as Settings, NamedLine } from '../../../shared/console';
import { t } from '../i18n';
import { api, h, message, table } from '../view';
import { adminsSection } from './admins';

export async function settingsPage(main: HTMLElement): Promise<void> {
  const s = await api<Settings>('/settings');
  const status = h('div', { 'aria-live': 'polite' });
  const url = h('input', { type: 'text', readonly: true, value: s.popupUrl, class: 'mono', size: '70' });
  // Where the clipboard is refused, the address is selected for the supervisor to copy.
  const copy = () => {
    navigator.clipboard.writeText(url.value).then(() => status.replaceChildren(message(t('copied'))), () => url.select());
  };
  main.append(
    h('h2', {}, t('pageSettings')),
    h(
      'section',
      { 'aria-labelledby': 'popup-h' },
      h('h3', { id: 'popup-h' }, t('popupUrlHeading')),
      h('p', {}, t('popupUrlHelp')),
      h('label', {}, t('popupUrl'), url),
      h(
        'p',
        {},
        h('button', { type: 'button', onclick: copy }, t('copy')),
        ' ',
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            disabled: s.tokenFromEnvironment,
            onclick: () => {
              if (!confirm(t('rotateConfirm'))) return;
              api<Settings>('/settings/rotate-token', { method: 'POST' }).then(
                (n) => {
                  url.value = n.popupUrl;
                  status.replaceChildren(message(t('rotated')));
                },
                (err: Error) => status.replaceChildren(message(err.message, true)),
              );
            },
          },
          t('rotateToken'),
        ),
      ),
      s.tokenFromEnvironment ? h('p', {}, t('tokenFromEnvironment')) : null,
      status,
    ),
    await linesSection(),
    await adminsSection(),
    h(
      'section',
      { 'aria-labelledby': 'ext-h' },
      h('h3', { id: 'ext-h' }, t('extensionHeading')),
      h(
        'dl',
        {},
        h('dt', {}, t('extensionId')),
        h('dd', { class: 'mono' }, s.extensionId),
        h('dt', {}, t('installationExtensionId')),
        h('dd', { class: 'mono' }, s.installationExtensionId),
        h('dt', {}, t('extensionOrigins')),
        h('dd', { class: 'mono' }, s.extensionOrigins.join(', ')),
        h('dt', {}, t('popupOrigins')),
        h('dd', { class: 'mono' }, s.popupOrigins.join(', ')),
        h('dt', {}, t('popupAllowIps')),
        h('dd', { class: 'mono' }, s.popupAllowIps.length ? s.popupAllowIps.join(', ') : t('anyAddress')),
      ),
    ),
  );
}

/** Names for the lines calls come in on (Voicenter's did): agents see "Line Sales" instead of digits. */
async function linesSection(): Promise<HTMLElement> {
  const list = h('div');
  const note = h('div', { 'aria-live': 'polite' });
  const line = h('input', { type: 'tel', name: 'line', required: true });
  const name = h('input', { type: 'text', name: 'lineName', required: true, maxlength: '60' });
  const failed = (err: Error) => note.replaceChildren(message(err.message, true));
  const remove = (l: NamedLine) => () => {
    api(`/lines/${encodeURIComponent(l.line)}`, { method: 'DELETE' }).then(load).catch(failed);
  };
  const show = (lines: NamedLine[]) =>
    list.replaceChildren(
      table(
        t('lineNames'),
        [t('colPhoneLine'), t('colName'), ''],
        lines.map((l) => [
          h('span', { class: 'mono number' }, l.local),
          h('bdi', {}, l.name),
          h('button', { type: 'button', 'aria-label': t('removeLineName', l.local), onclick: remove(l) }, t('remove')),
        ]),
        t('noLineNames'),
      ),
    );
  const load = async () => show(await api<NamedLine[]>('/lines'));
  const save = (e: Event) => {
    e.preventDefault();
    api<NamedLine[]>(`/lines/${encodeURIComponent(line.value.trim())}`, { method: 'PUT', json: { name: name.value } }).then((lines) => {
      show(lines);
      note.replaceChildren(message(t('lineNamed', line.value.trim(), t('lineLabel', name.value.trim()))));
      line.value = name.value = '';
    }, failed);
  };
  await load();
  return h(
    'section',
    { 'aria-labelledby': 'lines-h' },
    h('h3', { id: 'lines-h' }, t('lineNames')),
    h('p', {}, t('lineNamesHelp')),
    h('form', { class: 'inline', onsubmit: save }, h('label', {}, t('lineNumber'), line), h('label', {}, t('colName'), name), h('button', { type: 'submit', class: 'primary' }, t('saveName'))),
    note,
    list,
  );
}
