/// <reference lib="dom" />
// (page.evaluate runs its function in the page: the DOM types describe it.)
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

/** Latin words a Hebrew page may show: names of products and formats, said the same in Hebrew. */
const SAID_IN_LATIN = ['Voicenter', 'Screen', 'Pop', 'CRM', 'CSV', 'JSON', 'URL', 'HTTP', 'Relay', 'CORS', 'English', 'Chromium', 'http'];

/**
 * Latin words on a page that is meant to be Hebrew: every text a person reads (text, titles,
 * labels, placeholders, the page's title), except the people's own data (`allowed`: names, ids,
 * numbers), addresses and what the page marks as not for translation (`translate="no"`, `<bdi>`,
 * `.number`, `.mono`). A word written in the code instead of the catalogue shows up here.
 */
export async function untranslatedWords(page: Page, allowed: string[] = []): Promise<string[]> {
  const texts = await page.evaluate(() => {
    const out: string[] = [document.title];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement?.closest('[translate="no"], bdi, .number, .mono, script, style, [hidden], option[lang="en"]')) continue;
      out.push(node.textContent ?? '');
    }
    for (const el of document.querySelectorAll('[aria-label], [title], [placeholder]')) {
      if (el.closest('[hidden]')) continue;
      for (const name of ['aria-label', 'title', 'placeholder']) out.push(el.getAttribute(name) ?? '');
    }
    return out;
  });
  const ok = new Set([...SAID_IN_LATIN, ...allowed.flatMap((a) => a.match(/[A-Za-z]{2,}/g) ?? [])]);
  const words = texts
    .map((text) => text.replace(/\b[a-z-]+:\/\/\S+|\b[\w.-]+\.(?:com|example)\S*/gi, ''))
    .flatMap((text) => text.match(/[A-Za-z]{2,}/g) ?? []);
  return [...new Set(words)].filter((word) => !ok.has(word));
}

/** axe-core on the page as it is: no serious or critical violation. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${what}: ${v.id} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
}

/** The page reads right to left, in Hebrew. */
export async function expectHebrewPage(page: Page): Promise<void> {
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  await expect(page.locator('html')).toHaveAttribute('lang', 'he');
}

/** A phone number on the page reads left to right and sits on one line (never broken). */
export async function expectWholeNumber(page: Page, number: string): Promise<void> {
  const el = page.locator('.number', { hasText: number }).first();
  await expect(el).toBeVisible();
  expect(await el.evaluate((node) => ({ direction: getComputedStyle(node).direction, lines: node.getClientRects().length }))).toEqual({ direction: 'ltr', lines: 1 });
}
