import type { ConsoleSettings as Settings } from '../../../shared/console';
import { api, h, message } from '../view';

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
    h(
      'section',
      { 'aria-labelledby': 'ext-h' },
      h('h3', { id: 'ext-h' }, 'Extension and origins'),
      h(
        'dl',
        {},
        h('dt', {}, 'Extension id'),
        h('dd', { class: 'mono' }, s.extensionId),
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

