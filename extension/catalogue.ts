import { callerWordsFrom, type CallerWords } from '../shared/caller';
import { formatMessage, type Catalogue, type Language } from '../shared/i18n';
import en from '../public/_locales/en/messages.json' with { type: 'json' };
import he from '../public/_locales/he/messages.json' with { type: 'json' };

/**
 * The extension's message catalogues (`public/_locales/<language>/messages.json`, which Chrome
 * reads as `_locales`), as data: for the language an agent chose over the browser's, and for tests.
 */
export type MessageKey = keyof typeof en;
export const CATALOGUES: Record<Language, Catalogue> = { en, he };

/** Looks up a message and fills its placeholders. */
export type Translate = (key: MessageKey, ...substitutions: (string | number)[]) => string;

export const translator =
  (language: Language): Translate =>
  (key, ...substitutions) =>
    formatMessage(CATALOGUES[language][key]!, substitutions.map(String));

/** The words the shared caller rules need (see shared/caller.ts). */
export const callerWords = (t: Translate): CallerWords => callerWordsFrom(t);
