import type { DiscoveryResult } from '../../api/types.js';
import { Chip, ChipList } from '../../ui/Chip.js';
import { Disclosure } from '../../ui/Disclosure.js';
import { Icon } from '../../ui/Icon.js';

type Challenge = NonNullable<DiscoveryResult['challenge']>;

/** The challenge as the gateway would have written its WWW-Authenticate header. */
function formatChallenge(challenge: Challenge): string {
  const params: [string, string | undefined][] = [
    ['error', challenge.error],
    ['error_description', challenge.errorDescription],
    ['scope', challenge.scope?.join(' ')],
    ['resource_metadata', challenge.resourceMetadataUrl],
  ];
  const written = params
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}="${value}"`);
  return ['Bearer', written.join(', ')].filter(Boolean).join(' ');
}

function YesNo({ value }: { value: boolean }) {
  return (
    <span className={value ? 'yes' : 'no'}>
      <Icon name={value ? 'check' : 'x'} size={13} />
      {value ? 'Yes' : 'No'}
    </span>
  );
}

function Scopes({ label, scopes }: { label: string; scopes: readonly string[] | undefined }) {
  if (!scopes || scopes.length === 0) return <span className="faint">none listed</span>;
  return (
    <ChipList label={label}>
      {scopes.map((scope) => (
        <Chip key={scope}>{scope}</Chip>
      ))}
    </ChipList>
  );
}

export function DiscoveryPanel({ result }: { result: DiscoveryResult }) {
  const server = result.authorizationServer;
  const supported = server.scopesSupported ?? result.protectedResource?.scopesSupported;
  return (
    <section className="discovery card" aria-label="Discovery result">
      <h3 className="discovery-title">
        <Icon name="ok" size={15} />
        Found the authorization server
      </h3>
      <dl className="facts">
        <dt>Issuer</dt>
        <dd>
          <code>{server.issuer}</code>
        </dd>
        <dt>Scopes supported</dt>
        <dd>
          <Scopes label="Scopes supported" scopes={supported} />
        </dd>
        <dt>Will ask for</dt>
        <dd>
          <Scopes label="Scopes a sign-in asks for" scopes={result.scopes} />
        </dd>
        <dt>Dynamic registration</dt>
        <dd>
          <YesNo value={result.supports.dynamicRegistration} />
        </dd>
        <dt>PKCE (S256)</dt>
        <dd>
          <YesNo value={result.supports.pkceS256} />
        </dd>
        <dt>Client credentials</dt>
        <dd>
          <YesNo value={result.supports.clientCredentials} />
        </dd>
        <dt>Resource</dt>
        <dd>
          {result.resource ? (
            <code>{result.resource}</code>
          ) : (
            <span className="faint">not sent</span>
          )}
        </dd>
        <dt>401 challenge</dt>
        <dd>
          {result.challenge ? (
            <code>{formatChallenge(result.challenge)}</code>
          ) : (
            <span className="faint">none</span>
          )}
        </dd>
      </dl>
      <Disclosure
        className="discovery-trail"
        summary={`Discovery trail (${result.trail.length} ${result.trail.length === 1 ? 'step' : 'steps'})`}
      >
        <ol>
          {result.trail.map((step, index) => (
            <li key={`${index}-${step.url}`}>
              <code>{step.url}</code>
              <span className="muted">{step.outcome}</span>
            </li>
          ))}
        </ol>
      </Disclosure>
    </section>
  );
}
