import { expect, signInThroughOptions, test } from './fixtures';
import { expectHebrewPage } from './language';

/**
 * An agent whose account the supervisor disabled signs in with the right password: the options
 * page says the account is disabled and whom to ask, in the agent's language — not "wrong
 * password". A wrong password on that account still reads as a wrong password.
 */
test('a disabled account: told so in words, in English and in Hebrew; a wrong password is still a wrong password', async ({ context, extensionId, relay }) => {
  await relay.agents.update('KGpK4iWq', { enabled: false });
  const options = await signInThroughOptions(context, extensionId, relay);
  await expect(options.getByText('This account is disabled. Ask your supervisor to enable it again.')).toBeVisible();
  await expect(options.getByText('Wrong extension user or password.')).toBeHidden();
  await expect(options.getByRole('status')).toHaveText('Signed out');

  await options.getByLabel('Password').fill('not-the-password');
  await options.getByRole('button', { name: 'Sign in' }).click();
  await expect(options.getByText('Wrong extension user or password.')).toBeVisible();

  await options.getByLabel('Language').selectOption('he');
  await expectHebrewPage(options);
  await options.getByLabel('סיסמה').fill('dana-pass');
  await options.getByRole('button', { name: 'כניסה' }).click();
  await expect(options.getByText('החשבון הזה מושבת. יש לפנות לאחראי המשמרת כדי שיפעיל אותו מחדש.')).toBeVisible();

  // Enabled again, the same password signs in.
  await relay.agents.update('KGpK4iWq', { enabled: true });
  await options.getByLabel('סיסמה').fill('dana-pass');
  await options.getByRole('button', { name: 'כניסה' }).click();
  await expect(options.getByRole('status')).toHaveText('מחובר');
});
