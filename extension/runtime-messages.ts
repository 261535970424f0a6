import browser from 'webextension-polyfill';

/** Messages from the options page and popup to the service worker, declared once. */
export type RuntimeMessage =
  | { type: 'signed-in' }
  | { type: 'sign-out' }
  | { type: 'open-call'; ivrid: string }
  | { type: 'popup-opened' };

export function sendToWorker(message: RuntimeMessage): Promise<unknown> {
  return browser.runtime.sendMessage(message);
}
