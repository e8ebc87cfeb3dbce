/** What the CLI calls on the running instance; apart from the contract, so it loads no zod. */
export const HTTP_API_PREFIX = '/api/';
export const HTTP_EVENTS_PATH = '/api/events';
/** POST `{ nonce }`, without any secret: `{ proof }`, see instanceProof. */
export const INSTANCE_PROOF_PATH = '/instance/proof';
