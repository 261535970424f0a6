import type { DirectoryEntry, ImportPreview } from '../../../shared/console';
import { api, csvUploadSection, h, message, table, text } from '../view';

/** The Directory page: upload a CSV (previewed first), search and edit contacts. */
export async function directoryPage(main: HTMLElement): Promise<void> {
  const contacts = contactsSection();
  main.append(h('h2', {}, 'Directory'), uploadSection(contacts.find), contacts.section);
  await contacts.find();
}

/** Upload: a dry run shows what would be imported and each bad row by line, then Import. */
function uploadSection(imported: () => Promise<void>): HTMLElement {
  return csvUploadSection<ImportPreview>({
    id: 'upload-h',
    title: 'Upload contacts',
    help: 'A CSV file with a header row: name, company, phone (phone2, … for more numbers), optional id and url. Re-uploading updates contacts by id.',
    path: '/contacts/import',
    summary: (r, done) =>
      done ? `Imported: ${r.added} new, ${r.updated} updated; ${r.bad.length} bad rows left out.` : `${r.good} rows ready to import; ${r.bad.length} bad rows will be left out.`,
    imported,
  });
}

/** Contacts: search, and edit one in place. */
function contactsSection(): { section: HTMLElement; find: () => Promise<void> } {
  const results = h('div');
  const search = h('input', { type: 'search', name: 'q' });
  const total = h('p', { class: 'message' });
  const find = async () => {
    const r = await api<{ total: number; contacts: DirectoryEntry[] }>(`/contacts?q=${encodeURIComponent(search.value)}`);
    total.textContent = `${r.total} contacts in the directory${search.value ? `; ${r.contacts.length} shown` : ''}.`;
    const rows = r.contacts.map((c) => {
      const edit = (e: Event) => editor(c, (e.currentTarget as HTMLElement).closest('table')!, find);
      return [text(c.name), text(c.company), text(c.phones.join(', ')), text(c.id), h('div', {}, h('button', { type: 'button', 'aria-label': `Edit ${c.name}`, onclick: edit }, 'Edit'))];
    });
    results.replaceChildren(table('Contacts', ['Name', 'Company', 'Phones', 'Id', ''], rows, 'No contacts match.'));
  };
  const section = h(
    'section',
    { 'aria-labelledby': 'search-h' },
    h('h3', { id: 'search-h' }, 'Contacts'),
    h(
      'form',
      { class: 'inline', role: 'search', 'aria-label': 'Find contacts', onsubmit: (e) => (e.preventDefault(), void find()) },
      h('label', {}, 'Search contacts', search),
      h('button', { type: 'submit' }, 'Search'),
    ),
    total,
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
  const save = (e: Event) => {
    e.preventDefault();
    const phones = f.phones.value.split(',').map((p) => p.trim()).filter(Boolean);
    void api(`/contacts/${c.key}`, { method: 'PUT', json: { name: f.name.value, company: f.company.value, url: f.url.value, phones } }).then(done, (err: Error) =>
      note.replaceChildren(message(err.message, true)),
    );
  };
  list.replaceWith(
    h(
      'form',
      { class: 'inline', 'aria-label': `Edit ${c.name}`, onsubmit: save },
      h('label', {}, 'Name', f.name),
      h('label', {}, 'Company', f.company),
      h('label', {}, 'URL', f.url),
      h('label', {}, 'Phones (comma-separated)', f.phones),
      h('button', { type: 'submit', class: 'primary' }, 'Save'),
      h('button', { type: 'button', onclick: () => void done() }, 'Cancel'),
      note,
    ),
  );
}
