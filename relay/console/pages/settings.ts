import type { ConsoleSettings as Settings } from '../../../shared/console';
import { api, h, message, table, text } from '../view';

export async function settingsPage(main: HTMLElement): Promise<void> {
  const s = await api<Settings>('/settings');
  const status = h('div', { 'aria-live': 'polite' });
  const url = h('input', { type: 'text', readonly: true, value: s.popupUrl, class: 'mono', size: '70' });
  main.append(
    h('h2', {}, 'Settings'),
    h(
      'section',
      { 'aria-labelledby': 'popup-h' },
      h('h3', { id: 'popup-h' }, 'Voicenter pop-up URL'),
      h('p', {}, 'Paste it in Voicenter as the "Pop-up Screen URL". Use the address Voicenter reaches this relay at.'),
      h('label', {}, 'Pop-up URL', url),
      h(
        'p',
        {},
        h(
          'button',
          { type: 'button', onclick: () => void navigator.clipboard.writeText(url.value).then(() => status.replaceChildren(message('Copied.')), () => url.select()) },
          'Copy',
        ),
        ' ',
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            disabled: s.tokenFromEnvironment,
            onclick: () => {
              if (!confirm('Rotate the pop-up token? The current URL stops working at once; update it in Voicenter.')) return;
              void api<Settings>('/settings/rotate-token', { method: 'POST' }).then(
                (n) => {
                  url.value = n.popupUrl;
                  status.replaceChildren(message('New pop-up URL: update it in Voicenter now.'));
                },
                (err: Error) => status.replaceChildren(message(err.message, true)),
              );
            },
          },
          'Rotate pop-up token',
        ),
      ),
      s.tokenFromEnvironment ? h('p', {}, 'The token is set by RELAY_VOICENTER_TOKEN: change it there.') : null,
      status,
    ),
    await linesSection(),
    h(
      'section',
      { 'aria-labelledby': 'ext-h' },
      h('h3', { id: 'ext-h' }, 'Extension and origins'),
      h(
        'dl',
        {},
        h('dt', {}, 'Extension id'),
        h('dd', { class: 'mono' }, s.extensionId),
        h('dt', {}, 'Extension id for force-install (signed with this installation\'s key)'),
        h('dd', { class: 'mono' }, s.installationExtensionId),
        h('dt', {}, 'Extension origins (sign-in, live connection)'),
        h('dd', { class: 'mono' }, s.extensionOrigins.join(', ')),
        h('dt', {}, 'Pop-up origins (CORS)'),
        h('dd', { class: 'mono' }, s.popupOrigins.join(', ')),
        h('dt', {}, 'Pop-up allowed addresses'),
        h('dd', { class: 'mono' }, s.popupAllowIps.length ? s.popupAllowIps.join(', ') : 'any'),
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
  const show = (lines: { line: string; name: string }[]) =>
    list.replaceChildren(
      table(
        'Line names',
        ['Line', 'Name', ''],
        lines.map((l) => [
          h('span', { class: 'mono' }, l.line),
          text(l.name),
          h('button', { type: 'button', 'aria-label': `Remove the name of ${l.line}`, onclick: () => void api(`/lines/${encodeURIComponent(l.line)}`, { method: 'DELETE' }).then(load) }, 'Remove'),
        ]),
        'No line has a name yet: agents see the number dialled.',
      ),
    );
  const load = async () => show(await api<{ line: string; name: string }[]>('/lines'));
  const save = (e: Event) => {
    e.preventDefault();
    void api<{ line: string; name: string }[]>(`/lines/${encodeURIComponent(line.value.trim())}`, { method: 'PUT', json: { name: name.value } }).then(
      (lines) => {
        show(lines);
        note.replaceChildren(message(`Calls to ${line.value.trim()} now show "Line ${name.value.trim()}".`));
        line.value = name.value = '';
      },
      (err: Error) => note.replaceChildren(message(err.message, true)),
    );
  };
  await load();
  return h(
    'section',
    { 'aria-labelledby': 'lines-h' },
    h('h3', { id: 'lines-h' }, 'Line names'),
    h('p', {}, 'The number a caller dialled tells the agent which line or campaign the call is for: give it a name.'),
    h('form', { class: 'inline', onsubmit: save }, h('label', {}, 'Line number', line), h('label', {}, 'Name', name), h('button', { type: 'submit', class: 'primary' }, 'Save name')),
    note,
    list,
  );
}
