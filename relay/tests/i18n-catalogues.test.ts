import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { formatMessage, pickLanguage, type Catalogue } from '../../shared/i18n';

/**
 * The message catalogues, and the rule that every word a person reads comes from one: the
 * extension's (public/_locales, also read by chrome.i18n) and the console's (relay/console/locales).
 */
const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Catalogue;
const CATALOGUES = {
  extension: { en: read('public/_locales/en/messages.json'), he: read('public/_locales/he/messages.json') },
  console: { en: read('relay/console/locales/en.json'), he: read('relay/console/locales/he.json') },
};

const tsFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? tsFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [join(dir, entry.name)] : [],
  );
/** Where the words people read are made: the extension's pages and worker, the console, the shared caller rules. */
const UI_SOURCES = {
  extension: [...tsFiles('extension'), 'shared/caller.ts'],
  console: [...tsFiles('relay/console'), 'shared/caller.ts'],
};
const HTML = { extension: ['extension/options.html', 'extension/popup.html', 'extension/choose.html'], console: ['relay/console/index.html'] };

describe('formatMessage (as chrome.i18n.getMessage)', () => {
  it('fills named placeholders from the substitutions, any case, and keeps $$ as a dollar', () => {
    const entry = { message: 'Hello $Name$, you owe $$$sum$', placeholders: { name: { content: '$1' }, sum: { content: '$2' } } };
    expect(formatMessage(entry, ['Dana', '5'])).toBe('Hello Dana, you owe $5');
    expect(formatMessage({ message: 'Plain' })).toBe('Plain');
    expect(formatMessage(entry, [])).toBe('Hello , you owe $');
  });

  it('picks Hebrew for he or iw in any form, English otherwise', () => {
    expect(pickLanguage(['he-IL'])).toBe('he');
    expect(pickLanguage(['iw'])).toBe('he');
    expect(pickLanguage(['en-US', 'he'])).toBe('en');
    expect(pickLanguage(['fr', 'he'])).toBe('he');
    expect(pickLanguage(['fr'])).toBe('en');
    expect(pickLanguage([])).toBe('en');
  });
});

describe.each(Object.entries(CATALOGUES))('the %s catalogues', (name, { en, he }) => {
  it('have the same keys and the same placeholders in both languages', () => {
    expect(Object.keys(he).sort()).toEqual(Object.keys(en).sort());
    for (const [key, entry] of Object.entries(en)) {
      expect(Object.keys(he[key]!.placeholders ?? {}).sort(), key).toEqual(Object.keys(entry.placeholders ?? {}).sort());
      for (const placeholder of Object.keys(entry.placeholders ?? {})) {
        expect(entry.message, `${key} uses $${placeholder}$`).toContain(`$${placeholder}$`);
        expect(he[key]!.message, `${key} (he) uses $${placeholder}$`).toContain(`$${placeholder}$`);
      }
    }
  });

  it('say every message in Hebrew in the Hebrew catalogue (brand names and placeholders only excepted)', () => {
    const hebrew = /[\u0590-\u05ff]/;
    const untranslated = Object.entries(he)
      .filter(([, entry]) => !hebrew.test(entry.message))
      .filter(([, entry]) => !/^(Voicenter )?Screen Pop( — \$\w+\$(: \$\w+\$)?)?$|^[$\w ()·:]*$|^English$/.test(entry.message));
    expect(untranslated.map(([key]) => key)).toEqual([]);
  });

  it('hold no key the code does not use, and the code uses no key they lack', () => {
    const sources = [...UI_SOURCES[name as keyof typeof UI_SOURCES], ...HTML[name as keyof typeof HTML], 'manifest.json'].map((f) => readFileSync(f, 'utf8')).join('\n');
    const used = new Set([...sources.matchAll(/(?:['"]|__MSG_)([a-z][A-Za-z]+)(?:['"]|__)/g)].map((m) => m[1]!));
    expect(Object.keys(en).filter((key) => !used.has(key))).toEqual([]);
    const called = [...sources.matchAll(/\bt\(\s*'([A-Za-z]+)'/g), ...sources.matchAll(/data-i18n(?:-[a-z-]+)?="([A-Za-z]+)"/g)].map((m) => m[1]!);
    expect(called.filter((key) => !(key in en))).toEqual([]);
  });
});

/** Text in an HTML file that a person would read: between tags, or in a title/placeholder/label attribute. */
function wordsInHtml(html: string): string[] {
  const stripped = html.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>|<!--[\s\S]*?-->/g, '');
  const between = [...stripped.matchAll(/>([^<]*)</g)].map((m) => m[1]!.trim()).filter((text) => /[A-Za-z\u0590-\u05ff]{2,}/.test(text));
  const attributes = [...stripped.matchAll(/\s(?:title|placeholder|aria-label|alt)="([^"]*)"/g)].map((m) => m[1]!).filter((value) => / /.test(value.trim()));
  return [...between, ...attributes];
}

/** Literals that look like words but are not for reading: HTTP, and a language's name in that language. */
const NOT_WORDS = new Set(['Bearer ', 'Content-Type', 'English']);

/** String literals in a UI module that read as words for people ("Sign in", "Connected"), outside logs and errors. */
function wordsInCode(path: string): string[] {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const prose = (text: string) => /^[A-Z][a-z]{2,}/.test(text) || /\b[A-Za-z]{2,} [A-Za-z]{2,}\b/.test(text);
  const exempt = (node: ts.Node): boolean => {
    if (NOT_WORDS.has((node as ts.LiteralLikeNode).text)) return true;
    // A key of an object (a state's name), or a value compared against (the relay's own phrases).
    if (ts.isPropertyAssignment(node.parent) && node.parent.name === node) return true;
    if (ts.isBinaryExpression(node.parent) && node.parent.operatorToken.kind === ts.SyntaxKind.EqualsEqualsEqualsToken) return true;
    for (let parent = node.parent; parent; parent = parent.parent) {
      if (ts.isImportDeclaration(parent) || ts.isExportDeclaration(parent) || ts.isLiteralTypeNode(parent)) return true;
      if (ts.isNewExpression(parent) && /Error$/.test(parent.expression.getText())) return true;
      // Logs (console.*, and `failed(what)`: the pages' and worker's words for a failure's log line),
      // and a WebSocket's close reason (read by the relay, never shown).
      if (ts.isCallExpression(parent) && /^console\.|^failed$|\.close$/.test(parent.expression.getText())) return true;
      // CSS class names.
      if (ts.isPropertyAssignment(parent) && parent.name.getText() === 'class') return true;
    }
    return false;
  };
  const visit = (node: ts.Node) => {
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateLiteralToken(node)) && prose(node.text) && !exempt(node)) {
      found.push(`${path}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1} ${JSON.stringify(node.text)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('no word for people is written outside the catalogues', () => {
  it.each(Object.entries(HTML))('in the %s pages', (_, files) => {
    expect(files.flatMap((file) => wordsInHtml(readFileSync(file, 'utf8')).map((words) => `${file}: ${words}`))).toEqual([]);
  });

  it.each(Object.entries(UI_SOURCES))('in the %s code', (_, files) => {
    expect(files.flatMap(wordsInCode)).toEqual([]);
  });

  it('is caught when it is (the checks themselves)', () => {
    expect(wordsInHtml('<p>Sign in</p><input placeholder="Your name" /><p data-i18n="x"></p>')).toEqual(['Sign in', 'Your name']);
    expect(wordsInHtml('<title data-i18n="t"></title><input placeholder="http://relay.example.com:8080" />')).toEqual([]);
    const file = join(mkdtempSync(join(tmpdir(), 'i18n-')), 'page.ts');
    writeFileSync(file, "h('button', { class: 'primary big' }, 'Sign in'); label.textContent = `Connected`; if (how === 'exact number') log('x');");
    expect(wordsInCode(file).map((found) => found.split(' ').slice(1).join(' '))).toEqual(['"Sign in"', '"Connected"']);
  });
});
