import { GatekeyError } from '../errors.js';
import { GATEWAY_NAME_PATTERN } from '../gateways/schema.js';
import { CLIENTS } from './catalog.js';
import { currentEnvironment, locationsFor } from './environment.js';

export { currentEnvironment } from './environment.js';
import { mergeJsonEntry } from './json-merge.js';
import {
  CLIENT_IDS,
  type ClientConfigPlan,
  type ClientId,
  type ClientTarget,
  type ConfigScope,
  type Environment,
  type WriteOptions,
  type WriteResult,
} from './types.js';

export { CLIENT_IDS } from './types.js';
export type {
  ClientConfigPlan,
  ClientId,
  ClientTarget,
  ConfigFileLocation,
  ConfigScope,
  Environment,
  WriteOptions,
  WriteResult,
} from './types.js';

/** Everything a person needs to connect `client` to one gateway through the local proxy. */
export function clientConfig(
  client: ClientId,
  target: ClientTarget,
  environment: Environment = currentEnvironment(),
): ClientConfigPlan {
  assertLocalTarget(target);
  const definition = CLIENTS[client];
  const entry = definition.entry(target);
  return {
    client,
    displayName: definition.displayName,
    entryKey: target.name,
    entry,
    snippet: JSON.stringify({ [definition.serversKey]: { [target.name]: entry } }, null, 2),
    files: definition.files(locationsFor(environment)),
    ...(definition.installLink && { installLink: definition.installLink(target.name, entry) }),
    ...(definition.command && { command: definition.command(target) }),
    notes: definition.notes,
  };
}

export function parseClientId(value: string): ClientId {
  const known = CLIENT_IDS.find((id) => id === value);
  if (known) return known;
  throw new GatekeyError(
    'invalid_input',
    `Unknown client "${value}": expected one of ${CLIENT_IDS.join(', ')}.`,
    'Pick the IDE to connect, e.g. "vscode".',
  );
}

/** Merges the client's entry into its config file (see `mergeJsonEntry` for the guarantees). */
export async function writeClientConfig(
  client: ClientId,
  target: ClientTarget,
  options: WriteOptions = {},
): Promise<WriteResult> {
  const environment = options.environment ?? currentEnvironment();
  if (options.scope === 'workspace' && environment.workspace === undefined) {
    throw new GatekeyError(
      'invalid_input',
      'Expected the workspace folder to write into, got none.',
      `Run \`gatekey config ${target.name} --client ${client} --write --workspace\` in the project folder.`,
    );
  }
  const plan = clientConfig(client, target, environment);
  const file = options.file ?? fileFor(plan, options.scope, options.profile);
  return mergeJsonEntry(
    file,
    { container: CLIENTS[client].serversKey, key: plan.entryKey },
    plan.entry,
  );
}

function fileFor(
  plan: ClientConfigPlan,
  scope: ConfigScope | undefined,
  profile: string | undefined,
): string {
  if (profile !== undefined) return profileFile(plan, profile);
  const chosen = plan.files.find(
    (file) => (scope === undefined || file.scope === scope) && file.profile === undefined,
  );
  if (chosen) return chosen.path;
  const offered = [...new Set(plan.files.map((file) => `"${file.scope}"`))].join(' or ');
  throw new GatekeyError(
    'invalid_input',
    `${plan.displayName} has no ${scope} config file that Gatekey writes: expected scope ${offered}.`,
    plan.command ? `Run \`${plan.command}\` instead.` : `Use scope ${offered}.`,
  );
}

function profileFile(plan: ClientConfigPlan, profile: string): string {
  const chosen = plan.files.find((file) => file.profile === profile);
  if (chosen) return chosen.path;
  const known = plan.files.flatMap((file) =>
    file.profile === undefined ? [] : [`"${file.profile}"`],
  );
  throw new GatekeyError(
    'invalid_input',
    `${plan.displayName} has no profile named "${profile}": expected ${known.length > 0 ? `one of ${known.join(', ')}` : 'a profile besides Default, and found none'}.`,
    `Create the profile in ${plan.displayName} first, or leave out --profile for the Default profile.`,
  );
}

/** Entries point at the loopback proxy; echoing a rejected URL could leak a credential it carries. */
function assertLocalTarget({ name, localUrl }: ClientTarget): void {
  if (!GATEWAY_NAME_PATTERN.test(name)) {
    throw new GatekeyError(
      'invalid_input',
      `Expected a gateway name of lowercase letters, digits and dashes, e.g. "my-gateway", got "${name}".`,
      'Use a name listed by `gatekey list`.',
    );
  }
  const problem = localUrlProblem(localUrl);
  if (problem) {
    throw new GatekeyError(
      'invalid_input',
      `Expected the local proxy URL http://127.0.0.1:<port>/mcp/${name} for gateway "${name}", got ${problem}.`,
      'IDE entries point at Gatekey, never at the gateway itself: use the local URL from `gatekey list`.',
    );
  }
}

function localUrlProblem(localUrl: string): string | undefined {
  if (!URL.canParse(localUrl)) return 'something that is not a URL';
  const url = new URL(localUrl);
  if (url.username || url.password || url.search || url.hash)
    return 'a URL with credentials, a query or a fragment';
  if (url.protocol !== 'http:') return `a ${url.protocol} URL`;
  if (url.hostname !== '127.0.0.1') return `host "${url.hostname}"`;
  return undefined;
}
