import { afterEach, describe, expect, it, vi } from 'vitest';
import { policyWithin } from './policy';

const managedGet = vi.hoisted(() => vi.fn<() => Promise<Record<string, unknown>>>());
vi.mock('webextension-polyfill', () => ({ default: { storage: { managed: { get: managedGet } } } }));
const never = () => new Promise<Record<string, unknown>>(() => {});

describe('policyWithin', () => {
  afterEach(() => vi.useRealTimers());

  it('does not wait for good on a managed storage that never answers: nothing set, then the last policy read', async () => {
    vi.useFakeTimers();
    managedGet.mockImplementation(never);
    const first = policyWithin(1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(first).resolves.toMatchObject({ openCrm: null, lockOpenCrm: false, relayUrls: null });

    managedGet.mockResolvedValueOnce({ openCrm: 'ringing', lockOpenCrm: true });
    await expect(policyWithin(1_000)).resolves.toMatchObject({ openCrm: 'ringing', lockOpenCrm: true });

    managedGet.mockImplementation(never);
    const later = policyWithin(1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(later).resolves.toMatchObject({ openCrm: 'ringing', lockOpenCrm: true });
  });

  it('answers as soon as Chrome does', async () => {
    managedGet.mockResolvedValueOnce({ relayUrls: 'https://relay.example.co.il' });
    await expect(policyWithin(60_000)).resolves.toMatchObject({ relayUrls: ['https://relay.example.co.il'] });
  });
});
