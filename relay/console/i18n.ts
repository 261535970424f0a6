/**
 * The console's words, in English or Hebrew (relay/console/locales, Chrome's messages.json format
 * read by shared/i18n). The browser's language chooses until the supervisor picks one, which is
 * remembered in this browser. Hebrew reads right to left: the page's `dir` follows the language.
 */
import { callerWordsFrom, type CallerWords } from '../../shared/caller';
import type { ErrorCode } from '../../shared/errors';
import { dateLocaleOf, directionOf, formatMessage, pickLanguage, type Catalogue, type Language } from '../../shared/i18n';
import en from './locales/en.json' with { type: 'json' };
import he from './locales/he.json' with { type: 'json' };

export type ConsoleKey = keyof typeof en;
const CATALOGUES: Record<Language, Catalogue> = { en, he };
const STORAGE_KEY = 'screenpop.console.language';

function remembered(): Language | null {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return value === 'en' || value === 'he' ? value : null;
  } catch {
    return null;
  }
}

let language: Language = remembered() ?? pickLanguage(navigator.languages);

export const currentLanguage = (): Language => language;

/** Chooses the console's language (remembered), and sets the page's language and direction. */
export function setLanguage(chosen: Language, remember = true): void {
  language = chosen;
  if (remember) {
    try {
      localStorage.setItem(STORAGE_KEY, chosen);
    } catch {
      // Storage refused (private mode): the choice holds until the page is closed.
    }
  }
  document.documentElement.lang = chosen;
  document.documentElement.dir = directionOf(chosen);
}

/** The message for `key`, its placeholders filled. */
export function t(key: ConsoleKey, ...substitutions: (string | number)[]): string {
  return formatMessage(CATALOGUES[language][key]!, substitutions.map(String));
}

/** The words the shared caller rules need. */
export const callerWords = (): CallerWords => callerWordsFrom(t);

/** Dates and times in the console's language. */
export const dateLocale = (): string | undefined => dateLocaleOf(language);

const ERROR_WORDS: Partial<Record<ErrorCode, ConsoleKey>> = {
  UNAUTHORIZED: 'errorUnauthorized',
  RATE_LIMITED: 'errorRateLimited',
  FORBIDDEN: 'errorForbidden',
  FORBIDDEN_ADDRESS: 'errorForbidden',
  TOO_LARGE: 'errorTooLarge',
  UNAVAILABLE: 'errorUnavailable',
  INTERNAL: 'errorInternal',
  LAST_ADMIN: 'errorLastAdmin',
};

/** What the relay refused, in the console's language: known codes in its words, else the relay's own sentence. */
export function errorWords(code: string | undefined, relaySaid: string): string {
  const key = ERROR_WORDS[code as ErrorCode];
  return key ? t(key) : t('relaySaid', relaySaid);
}
