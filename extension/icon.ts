/// <reference types="vite/client" />
// The extension's icon, for notifications and the toolbar.
import inlined from './icons/icon-128.png?inline';

/** The icon's path in the package (what must be fetched: the toolbar draws on it). */
export const ICON_PATH = 'extension/icons/icon-128.png';

/**
 * The icon as a data: URL, put in the worker at build time: given its own file's URL, Chrome
 * loads that file again for every notification, 2–4 ms more before the agent sees it
 * (bench/RESULTS.md).
 */
export const NOTIFICATION_ICON: string = inlined;
