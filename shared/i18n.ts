/**
 * Message catalogues in Chrome's `messages.json` format, for the extension (`public/_locales`,
 * read by `chrome.i18n` too) and the console (`relay/console/locales`): a message may name
 * placeholders (`$caller$`) whose content is a substitution (`$1`). One formatter for both, so a
 * language chosen by the agent (not the browser's) reads the same catalogue the same way.
 */
export interface CatalogueEntry {
  message: string;
  description?: string;
  placeholders?: Record<string, { content: string; example?: string }>;
}
export type Catalogue = Record<string, CatalogueEntry>;

export type Language = 'en' | 'he';
export const LANGUAGES: readonly Language[] = ['en', 'he'];

/** The message with its placeholders filled, as chrome.i18n.getMessage does ("$$" is a dollar sign). */
export function formatMessage(entry: CatalogueEntry, substitutions: readonly string[] = []): string {
  const byName = new Map(Object.entries(entry.placeholders ?? {}).map(([name, p]) => [name.toLowerCase(), p.content]));
  const substitute = (text: string) => text.replace(/\$([1-9])/g, (_, n: string) => substitutions[Number(n) - 1] ?? '');
  return entry.message
    .replace(/\$([A-Za-z0-9_@]+)\$/g, (whole, name: string) => {
      const content = byName.get(name.toLowerCase());
      return content === undefined ? whole : substitute(content);
    })
    .replace(/\$\$/g, '$');
}

/** The first of the reader's languages (BCP 47 tags, most wanted first) that there is a catalogue for; English otherwise. */
export function pickLanguage(tags: readonly string[]): Language {
  for (const tag of tags) {
    const primary = tag.toLowerCase().split(/[-_]/)[0];
    // "iw" is Hebrew's old code, still sent by some systems.
    if (primary === 'he' || primary === 'iw') return 'he';
    if (primary === 'en') return 'en';
  }
  return 'en';
}

/** The locale dates and times are written in: Hebrew's for Hebrew, else the browser's own. */
export const dateLocaleOf = (language: Language): string | undefined => (language === 'he' ? 'he-IL' : undefined);

/** Writing direction of a language. */
export const directionOf = (language: Language): 'rtl' | 'ltr' => (language === 'he' ? 'rtl' : 'ltr');
