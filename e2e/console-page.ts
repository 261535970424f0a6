import type { Page } from '@playwright/test';
import type { TestRelay } from '../relay/tests/helpers';
import { expect } from './fixtures';

export const ADMIN_PASSWORD = 'console-e2e-password';

/** Signs in to the console as `admin`, as a supervisor does. */
export async function signInToConsole(page: Page, relay: TestRelay): Promise<void> {
  await relay.admins.setPassword('admin', ADMIN_PASSWORD);
  await page.goto(`${relay.url}/`);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('navigation', { name: 'Console' })).toBeVisible();
}

/** Goes to a console page and waits until it is drawn: the click only changes the hash, and the old
 *  page stays on screen until `hashchange` runs, so a locator could still find the old page's fields. */
export async function nav(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name, exact: true }).click();
  await expect(page.getByRole('heading', { level: 2, name, exact: true })).toBeVisible();
}

/** Answers the next confirmation the page asks (window.confirm), checking what it says. */
export function confirmNext(page: Page, says: string | RegExp, accept = true): Promise<void> {
  return new Promise((resolve, reject) => {
    page.once('dialog', (dialog) => {
      try {
        expect(dialog.type()).toBe('confirm');
        expect(dialog.message()).toMatch(says);
      } catch (err) {
        const wrong = err instanceof Error ? err : new Error(String(err));
        // The check that failed is what the test reports, whether the dismissal went through or not.
        dialog.dismiss().then(() => reject(wrong), () => reject(wrong));
        return;
      }
      (accept ? dialog.accept() : dialog.dismiss()).then(resolve, reject);
    });
  });
}
