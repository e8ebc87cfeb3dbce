/** Where the control API answers over HTTP; apart from the contract, so a client loads no zod. */
export const HTTP_API_PREFIX = '/api/';
export const HTTP_EVENTS_PATH = '/api/events';
