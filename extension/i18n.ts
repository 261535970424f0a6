import browser from 'webextension-polyfill';
import { dateLocaleOf, directionOf, pickLanguage, type Language } from '../shared/i18n';
import { translator, type MessageKey, type Translate } from './catalogue';
import { getPreferences, type Preferences } from './preferences';

/**
 * The extension's words, in English or Hebrew. Chrome chooses by the browser's language
 * (`chrome.i18n`, `_locales`, `default_locale` en); the agent may choose otherwise on the options
 * page, and then the same catalogue is read here. Every word an agent reads comes from a key.
 */

/** The agent's own choice; null: the browser's language, through chrome.i18n. */
let chosen: Language | null = null;

/** Reads the agent's language choice (call before the first `t` of a page or the worker's run); `settings` when already read. */
export async function loadLanguage(settings?: Pick<Preferences, 'language'>): Promise<Language> {
  const { language } = settings ?? (await getPreferences());
  chosen = language === 'en' || language === 'he' ? language : null;
  return currentLanguage();
}

/**
 * The agent's choice, else the catalogue chrome.i18n reads from (each names its own language):
 * on Linux that follows the environment's language even when getUILanguage() says otherwise.
 */
export function currentLanguage(): Language {
  return chosen ?? pickLanguage([browser.i18n.getMessage('catalogueLanguage') || browser.i18n.getUILanguage()]);
}

/** The message for `key`, its placeholders filled with `substitutions`. */
export const t: Translate = (key, ...substitutions) => {
  if (chosen === null) {
    const message = browser.i18n.getMessage(key, substitutions.map(String));
    if (message) return message;
  }
  return translator(currentLanguage())(key, ...substitutions);
};

/** Fills a page's words from its `data-i18n` (text) and `data-i18n-aria-label` keys, and sets its language and direction. */
export function localizePage(root: Document = document): void {
  const language = currentLanguage();
  root.documentElement.lang = language;
  root.documentElement.dir = directionOf(language);
  for (const node of root.querySelectorAll<HTMLElement>('[data-i18n]')) node.textContent = t(node.dataset.i18n as MessageKey);
  for (const node of root.querySelectorAll<HTMLElement>('[data-i18n-aria-label]')) node.setAttribute('aria-label', t(node.dataset.i18nAriaLabel as MessageKey));
}

/** The locale dates and times are written in (see dateLocaleOf). */
export const dateLocale = (): string | undefined => dateLocaleOf(currentLanguage());
