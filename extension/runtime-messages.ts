import browser from 'webextension-polyfill';
import { z } from 'zod';

/** Messages from the options page and popup to the service worker, declared once and validated by the worker. */
export const runtimeMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('signed-in') }),
  z.object({ type: z.literal('sign-out') }),
  z.object({ type: z.literal('open-call'), ivrid: z.string().min(1).max(128) }),
  z.object({ type: z.literal('popup-opened') }),
  z.object({ type: z.literal('call-back'), number: z.string().min(1).max(40) }),
  z.object({ type: z.literal('choose-contact'), ivrid: z.string().min(1).max(128), source: z.string().min(1).max(60), id: z.string().min(1).max(200) }),
  z.object({ type: z.literal('open-chooser'), ivrid: z.string().min(1).max(128) }),
]);
export type RuntimeMessage = z.infer<typeof runtimeMessageSchema>;

export function sendToWorker(message: RuntimeMessage): Promise<unknown> {
  return browser.runtime.sendMessage(message);
}
