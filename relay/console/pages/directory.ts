import type { DirectoryEntry, ImportPreview } from '../../../shared/console';
import { t } from '../i18n';
import { api, csvUploadSection, h, message, table, text } from '../view';

/** The Directory page: upload a CSV (previewed first), search and edit contacts. */
export async function directoryPage(main: HTMLElement): Promise<void> {
  const contacts = contactsSection();
  main.append(h('h2', {}, t('pageDirectory')), uploadSection(contacts.find), contacts.section);
  await contacts.find();
}

/** Upload: a dry run shows what would be imported and each bad row by line, then Import. */
function uploadSection(imported: () => Promise<void>): HTMLElement {
  return csvUploadSection<ImportPreview>({
    id: 'upload-h',
    title: t('uploadContacts'),
    help: t('uploadContactsHelp'),
    path: '/contacts/import',
    summary: (r, done) => (done ? t('contactsImported', r.added, r.updated, r.bad.length) : t('contactsImportPreview', r.good, r.bad.length)),
    imported,
  });
}

/** Contacts: search, edit one in place, or delete one (once confirmed). */
function contactsSection(): { section: HTMLElement; find: () => Promise<void> } {
  const results = h('div');
  const status = h('div', { 'aria-live': 'polite' });
  const search = h('input', { type: 'search', name: 'q' });
  const total = h('p', { class: 'message' });
  const failed = (err: Error) => status.replaceChildren(message(err.message, true));
  const find = async () => {
    const r = await api<{ total: number; contacts: DirectoryEntry[] }>(`/contacts?q=${encodeURIComponent(search.value)}`);
    total.textContent = search.value ? t('contactsTotalShown', r.total, r.contacts.length) : t('contactsTotal', r.total);
    const rows = r.contacts.map((c) => {
      const edit = (e: Event) => editor(c, (e.currentTarget as HTMLElement).closest('table')!, find);
      const remove = () => {
        if (!confirm(t('deleteContactConfirm', c.name))) return;
        api(`/contacts/${c.key}`, { method: 'DELETE' })
          .then(() => status.replaceChildren(message(t('contactDeleted', c.name))))
          .then(find)
          .catch(failed);
      };
      return [
        h('bdi', {}, c.name),
        h('bdi', {}, c.company),
        h('span', { class: 'number' }, c.phones.join(', ')),
        text(c.id),
        h(
          'div',
          {},
          h('button', { type: 'button', 'aria-label': t('editContact', c.name), onclick: edit }, t('edit')),
          ' ',
          h('button', { type: 'button', class: 'danger', 'aria-label': t('deleteContact', c.name), onclick: remove }, t('delete')),
        ),
      ];
    });
    results.replaceChildren(table(t('contacts'), [t('colName'), t('colCompany'), t('colPhones'), t('colId'), ''], rows, t('noContactsMatch')));
  };
  const lookFor = (e: Event) => {
    e.preventDefault();
    find().catch(failed);
  };
  const section = h(
    'section',
    { 'aria-labelledby': 'search-h' },
    h('h3', { id: 'search-h' }, t('contacts')),
    h(
      'form',
      { class: 'inline', role: 'search', 'aria-label': t('findContacts'), onsubmit: lookFor },
      h('label', {}, t('searchContacts'), search),
      h('button', { type: 'submit' }, t('search')),
    ),
    total,
    status,
    results,
  );
  return { section, find };
}

/** Replaces the list with a form editing one contact; saving or cancelling shows the list again. */
function editor(c: DirectoryEntry, list: HTMLElement, done: () => Promise<void>): void {
  const f = {
    name: h('input', { type: 'text', value: c.name, required: true }),
    company: h('input', { type: 'text', value: c.company }),
    url: h('input', { type: 'url', value: c.url }),
    phones: h('input', { type: 'text', value: c.phones.join(', ') }),
  };
  const note = h('div', { 'aria-live': 'polite' });
  const failed = (err: Error) => note.replaceChildren(message(err.message, true));
  const save = (e: Event) => {
    e.preventDefault();
    const phones = f.phones.value.split(',').map((p) => p.trim()).filter(Boolean);
    api(`/contacts/${c.key}`, { method: 'PUT', json: { name: f.name.value, company: f.company.value, url: f.url.value, phones } })
      .then(done)
      .catch(failed);
  };
  const cancel = () => {
    done().catch(failed);
  };
  list.replaceWith(
    h(
      'form',
      { class: 'inline', 'aria-label': t('editContact', c.name), onsubmit: save },
      h('label', {}, t('colName'), f.name),
      h('label', {}, t('colCompany'), f.company),
      h('label', {}, t('url'), f.url),
      h('label', {}, t('phonesCommaSeparated'), f.phones),
      h('button', { type: 'submit', class: 'primary' }, t('save')),
      h('button', { type: 'button', onclick: cancel }, t('cancel')),
      note,
    ),
  );
}
