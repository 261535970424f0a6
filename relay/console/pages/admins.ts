import type { AdminView } from '../../../shared/console';
import { t } from '../i18n';
import { api, h, message, table, text, time } from '../view';

/**
 * The Settings page's administrators: who may sign in to this console, adding one (the password
 * rule said beside its field) and removing one once confirmed — never the last one: the button is
 * off then and says why, and the relay refuses it anyway (LAST_ADMIN) if another console was quicker.
 */
export async function adminsSection(): Promise<HTMLElement> {
  const list = h('div');
  const status = h('div', { 'aria-live': 'polite' });
  const show = (words: string, error = false) => status.replaceChildren(message(words, error));
  const username = h('input', { type: 'text', name: 'adminUsername', required: true, autocomplete: 'off', maxlength: '64' });
  const password = h('input', { type: 'password', name: 'adminPassword', required: true, autocomplete: 'new-password', minlength: '8' });
  const load = async () => {
    const admins = await api<AdminView[]>('/admins');
    const only = admins.length === 1;
    list.replaceChildren(
      table(
        t('administrators'),
        [t('username'), t('colAdded'), t('colActions')],
        admins.map((a) => [
          h('span', {}, h('bdi', {}, a.username), a.you ? ` ${t('adminYou')}` : ''),
          text(time(a.createdAt)),
          h('button', { type: 'button', class: 'danger', disabled: only, 'aria-label': t('removeAdmin', a.username), onclick: () => remove(a) }, t('remove')),
        ]),
        '',
      ),
      only ? h('p', { class: 'message' }, t('onlyAdminStays')) : '',
    );
  };
  const remove = (a: AdminView) => {
    if (!confirm(t(a.you ? 'removeYourselfConfirm' : 'removeAdminConfirm', a.username))) return;
    // Removing oneself ends this session too: the next request finds it gone and shows the sign-in.
    void api(`/admins/${encodeURIComponent(a.username)}`, { method: 'DELETE' })
      .then(() => show(t('adminRemoved', a.username)))
      .then(load, (err: Error) => show(err.message, true));
  };
  const add = (e: Event) => {
    e.preventDefault();
    const name = username.value.trim();
    void api('/admins', { method: 'POST', json: { username: name, password: password.value } }).then(
      () => {
        show(t('adminAdded', name));
        username.value = password.value = '';
        return load();
      },
      (err: Error) => show(err.message, true),
    );
  };
  await load();
  return h(
    'section',
    { 'aria-labelledby': 'admins-h' },
    h('h3', { id: 'admins-h' }, t('administrators')),
    h('p', {}, t('administratorsHelp')),
    list,
    h('h4', {}, t('addAdminHeading')),
    h(
      'form',
      { class: 'inline', 'aria-label': t('addAdminHeading'), onsubmit: add },
      h('label', {}, t('username'), username),
      h('label', {}, t('newPasswordRule'), password),
      h('button', { type: 'submit', class: 'primary' }, t('addAdmin')),
    ),
    status,
  );
}
