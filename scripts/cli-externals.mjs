// The packages the CLI bundle leaves outside (scripts/bundle-cli.mjs): the native keychain module,
// and packages only the demo or the stdio bridge load (they are big, and loaded by few commands).
// They are all the published package depends on (scripts/pack.mjs); the bundle holds the rest.
export const CLI_EXTERNAL_PACKAGES = [
  '@napi-rs/keyring',
  'oidc-provider',
  '@modelcontextprotocol/sdk',
];
