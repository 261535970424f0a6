/** The longest link the relay passes on or the extension opens. */
export const MAX_URL_LENGTH = 2048;

/**
 * Whether a link may leave the relay or be opened by the extension: an absolute http: or https:
 * URL without spaces. Never javascript:, data:, file:, chrome: or anything else a CRM might answer.
 */
export function isHttpUrl(url: string): boolean {
  if (url.length > MAX_URL_LENGTH || !/^https?:\/\/\S+$/i.test(url)) return false;
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
