import browser from 'webextension-polyfill';
import { isOpenableUrl, siteAllowed } from './call-display';
import { DEFAULT_PREFERENCES, getPreferences } from './preferences';
import { storedGroup } from './storage';

/**
 * CRM pages opened in tabs. The tabs this extension opened, by URL, are kept in storage.session
 * (tab ids mean nothing after a browser restart) so a page is focused again instead of opened twice.
 */
const stored = storedGroup<{ tabs: Record<string, number> }>('session', 'crm-pages', { tabs: {} });

/**
 * Opens a CRM page in a new tab, or focuses the tab this extension already opened for it.
 * Only http: and https: are opened; anything else is refused and logged.
 */
export async function openUrl(url: string): Promise<boolean> {
  if (!isOpenableUrl(url)) {
    if (url !== '') console.warn(`refused to open a URL that is not http(s): ${url.slice(0, 200)}`);
    return false;
  }
  // Settings saved by an older version may lack the allowed sites.
  const { sites } = { ...DEFAULT_PREFERENCES, ...(await getPreferences()) };
  if (!siteAllowed(url, sites)) {
    console.warn(`refused to open a page outside the allowed sites: ${new URL(url).hostname}`);
    return false;
  }
  const tabs = await stored.get('tabs');
  // The tab this extension opened for it, else any tab already showing that page (the agent's own):
  // brought to the front instead of a duplicate. (The "tabs" permission lets it read tabs' URLs.)
  const showing = (await browser.tabs.query({})).find((t) => t.url === url)?.id;
  for (const id of [tabs[url], showing]) {
    if (id === undefined) continue;
    try {
      const tab = await browser.tabs.update(id, { active: true });
      if (tab?.windowId !== undefined) await browser.windows.update(tab.windowId, { focused: true });
      return true;
    } catch {
      // The tab was closed since: try the next, or open a new one.
    }
  }
  const tab = await browser.tabs.create({ url });
  if (tab.id !== undefined) await stored.set({ tabs: { ...tabs, [url]: tab.id } });
  return true;
}
