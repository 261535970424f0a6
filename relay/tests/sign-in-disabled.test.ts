import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type TestRelay } from './helpers';

/**
 * A disabled agent who signs in with the right password is told the account is disabled (a stable
 * code the extension words); a wrong password, or a name nobody has, gets the one answer it always
 * got, so nobody without the password learns which names exist or which accounts are disabled.
 */
let relay: TestRelay;
beforeAll(async () => {
  relay = await startRelay();
  await relay.agents.add('On1', 'Enabled', 'right-password');
  await relay.agents.add('Off1', 'Disabled', 'right-password');
  await relay.agents.update('Off1', { enabled: false });
});
afterAll(() => relay.stop());

const signIn = async (extenUser: string, password: string) => {
  const res = await fetch(`${relay.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ extenUser, password }) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('signing in to a disabled account', () => {
  it('with the right password: 403 ACCOUNT_DISABLED, in words, and no session', async () => {
    const answer = await signIn('Off1', 'right-password');
    expect(answer).toEqual({ status: 403, body: { STATUS: 'ERROR', CODE: 'ACCOUNT_DISABLED', ERROR: 'this account is disabled: ask your supervisor to enable it' } });
    expect(answer.body).not.toHaveProperty('token');
  });

  it('with a wrong password: the same answer as a wrong password anywhere, or a name nobody has', async () => {
    const disabled = await signIn('Off1', 'a-guess');
    expect(disabled.status).toBe(401);
    expect(disabled.body.CODE).toBe('UNAUTHORIZED');
    expect(await signIn('On1', 'a-guess')).toEqual(disabled);
    expect(await signIn('Nobody1', 'a-guess')).toEqual(disabled);
  });

  it('enabled again: the same password signs in', async () => {
    await relay.agents.update('Off1', { enabled: true });
    try {
      expect((await signIn('Off1', 'right-password')).status).toBe(201);
    } finally {
      await relay.agents.update('Off1', { enabled: false });
    }
  });
});
