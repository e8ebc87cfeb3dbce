export { openSystemBrowser } from './browser.js';
export { parseBearerChallenge } from './challenge.js';
export { discover } from './discovery.js';
export { createOAuthSession } from './session.js';
export type * from './types.js';
