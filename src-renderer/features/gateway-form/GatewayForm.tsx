import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { GatewayView } from '../../api/types.js';
import { routeHref } from '../../../src-main/core/api/routes.js';
import { Button, LinkButton } from '../../ui/Button.js';
import { Callout, ErrorCallout } from '../../ui/Callout.js';
import { Disclosure } from '../../ui/Disclosure.js';
import { Segmented } from '../../ui/Segmented.js';
import { Switch } from '../../ui/Switch.js';
import { TextField } from '../../ui/TextField.js';
import { DEFAULT_REDIRECT_URI } from '../../../src-main/core/gateways/schema.js';
import { DiscoveryPanel } from './DiscoveryPanel.js';
import { TestConnection } from './TestConnection.js';
import { EMPTY_FORM, type AuthKind, type FormField, type TokenToSend } from './form-model.js';
import { detectIdp, IDP_HINTS } from './idp-hints.js';
import { useGatewayForm, type FormStart, type GatewayFormState } from './use-gateway-form.js';
import './gateway-form.css';

const AUTH_OPTIONS: readonly { value: AuthKind; label: string }[] = [
  { value: 'pkce', label: 'Browser (PKCE)' },
  { value: 'client_credentials', label: 'Client credentials' },
  { value: 'cross_app', label: 'Cross-app access' },
  { value: 'none', label: 'None' },
];

const TOKEN_OPTIONS: readonly { value: TokenToSend; label: string }[] = [
  { value: 'access_token', label: 'Access token' },
  { value: 'id_token', label: 'ID token' },
];

const ADVANCED_FIELDS: readonly FormField[] = [
  'resource',
  'audience',
  'tokenToSend',
  'header',
  'extraHeaders',
];

function GatewaySection({ form, editing }: { form: GatewayFormState; editing: boolean }) {
  const { discovery } = form;
  return (
    <fieldset className="form-section">
      <legend className="section-title">Gateway</legend>
      <TextField
        label="MCP URL"
        type="url"
        mono
        placeholder="https://gateway.example.com/mcp"
        hint="The remote MCP endpoint your IDE should reach."
        {...form.bind('url')}
        action={
          <Button icon="search" pending={discovery.pending} onClick={form.discover}>
            Discover
          </Button>
        }
      />
      {discovery.error && <ErrorCallout error={discovery.error} />}
      {discovery.result && <DiscoveryPanel result={discovery.result} />}
      <TextField
        label="Name"
        mono
        readOnly={editing}
        placeholder="my-gateway"
        hint={
          editing
            ? 'The name is part of the local URL, so it stays.'
            : 'Lowercase letters, digits and dashes; it becomes part of the local URL.'
        }
        {...form.bind('name')}
      />
    </fieldset>
  );
}

function IdpHints({ form }: { form: GatewayFormState }) {
  const discovered = form.discovery.result;
  const idp = detectIdp([
    form.values.issuer,
    discovered?.authorizationServer.issuer,
    form.values.url,
  ]);
  const needsClientId =
    discovered &&
    !discovered.supports.dynamicRegistration &&
    !form.values.clientId.trim() &&
    form.values.auth === 'pkce';
  return (
    <>
      {needsClientId && (
        <Callout tone="warn" title="This authorization server has no dynamic registration">
          Register Gatekey as an application there and enter its client ID below.
        </Callout>
      )}
      {idp && (
        <Callout tone="info" title={`Signing in with ${IDP_HINTS[idp].title}`}>
          <ul className="hint-list">
            {IDP_HINTS[idp].points.map((point) => (
              <li key={point}>{point}</li>
            ))}
          </ul>
        </Callout>
      )}
    </>
  );
}

function SecretHint({ form }: { form: GatewayFormState }) {
  const toggle = (remove: boolean, label: string) => (
    <button type="button" className="link-button" onClick={() => form.setRemoveSecret(remove)}>
      {label}
    </button>
  );
  switch (form.storedSecret) {
    case 'none':
      return 'Kept in the OS keychain, never in the config file.';
    case 'kept':
      return <>Leave empty to keep the stored secret. {toggle(true, 'Remove it')}</>;
    case 'removed-on-save':
      return <>The stored secret is removed when you save. {toggle(false, 'Keep it')}</>;
  }
}

function ClientSecretField({ form }: { form: GatewayFormState }) {
  return (
    <TextField
      label="Client secret"
      type="password"
      autoComplete="new-password"
      aside={form.values.auth === 'pkce' ? 'optional' : undefined}
      placeholder={form.storedSecret === 'kept' ? 'Stored in the keychain' : ''}
      hint={<SecretHint form={form} />}
      {...form.bind('clientSecret')}
    />
  );
}

/** SEP-990: the enterprise IdP trades the user's ID token for a grant the gateway's AS accepts. */
function CrossAppFields({ form }: { form: GatewayFormState }) {
  return (
    <>
      <div className="field-pair">
        <TextField
          label="Enterprise IdP token endpoint"
          type="url"
          mono
          placeholder="https://idp.example.com/oauth2/token"
          hint="Where Gatekey exchanges the ID token for an identity assertion (RFC 8693)."
          {...form.bind('idpTokenEndpoint')}
        />
        <TextField label="Client ID at the enterprise IdP" mono {...form.bind('idpClientId')} />
      </div>
      <TextField
        label="ID token"
        type="password"
        autoComplete="off"
        mono
        aside="optional"
        placeholder="Stored in the keychain"
        hint="The user's ID token from the enterprise IdP. Leave empty to keep the stored one."
        {...form.bind('idToken')}
      />
    </>
  );
}

function SignInSection({ form }: { form: GatewayFormState }) {
  const { auth } = form.values;
  return (
    <fieldset className="form-section">
      <legend className="section-title">Sign-in</legend>
      <Segmented
        label="How Gatekey gets tokens"
        options={AUTH_OPTIONS}
        value={auth}
        onChange={(value) => form.set('auth', value)}
      />
      {auth !== 'none' && (
        <>
          <IdpHints form={form} />
          <TextField
            label="Issuer"
            type="url"
            mono
            aside="optional"
            placeholder="https://idp.example.com"
            hint="Empty: found from the gateway’s 401 challenge."
            {...form.bind('issuer')}
          />
          <div className="field-pair">
            <TextField
              label="Client ID"
              mono
              aside={auth === 'pkce' ? 'optional' : undefined}
              hint={
                auth === 'pkce'
                  ? 'Empty: Gatekey registers itself (dynamic registration).'
                  : 'The app client registered at the IdP for Gatekey.'
              }
              {...form.bind('clientId')}
            />
            <ClientSecretField form={form} />
          </div>
          <TextField
            label="Scopes"
            mono
            aside="optional"
            placeholder="openid offline_access mcp:tools"
            hint="Separated by spaces. Empty: what the gateway asks for, else what the server lists."
            {...form.bind('scopes')}
          />
          {auth === 'cross_app' && <CrossAppFields form={form} />}
          {auth === 'pkce' && (
            <TextField
              label="Redirect URI"
              type="url"
              mono
              aside="optional"
              placeholder={DEFAULT_REDIRECT_URI}
              hint="Empty: any free port on 127.0.0.1. Set it when the IdP needs an exact match (Cognito)."
              {...form.bind('redirectUri')}
            />
          )}
        </>
      )}
    </fieldset>
  );
}

function AdvancedSection({ form }: { form: GatewayFormState }) {
  // Open from the start when it holds something (a link's audience): nothing set stays hidden.
  const [open, setOpen] = useState(() =>
    ADVANCED_FIELDS.some((field) => form.values[field] !== EMPTY_FORM[field]),
  );
  const hasError = form.submitted > 0 && ADVANCED_FIELDS.some((field) => form.errors[field]);
  const resource = form.bind('resource');
  const tokenToSend = form.bind('tokenToSend');
  return (
    <Disclosure
      className="form-advanced"
      summary="Advanced: resource, audience, headers"
      open={open || hasError}
      onToggle={setOpen}
    >
      <div className="form-section">
        <div className="field-group">
          <TextField
            label="Resource"
            type="url"
            mono
            aside="optional"
            placeholder={form.values.omitResource ? 'not sent' : 'the gateway URL'}
            readOnly={form.values.omitResource}
            hint="RFC 8707 resource indicator sent with the authorization and token requests."
            {...resource}
          />
          <Switch
            checked={form.values.omitResource}
            onChange={(checked) => form.set('omitResource', checked)}
          >
            Don’t send resource (Entra)
          </Switch>
        </div>
        <TextField
          label="Audience"
          mono
          aside="optional"
          hint="Auth0: your API’s identifier."
          {...form.bind('audience')}
        />
        <div className="field">
          <span className="field-label">Token to send</span>
          <Segmented
            label="Token to send"
            options={TOKEN_OPTIONS}
            value={tokenToSend.value}
            onChange={tokenToSend.onChange}
          />
        </div>
        <TextField
          label="Header template"
          mono
          aside="optional"
          placeholder="Authorization: Bearer {token}"
          hint="Where the token goes; {token} is replaced by it."
          {...form.bind('header')}
        />
        <TextField
          label="Extra headers"
          multiline
          aside="optional"
          placeholder={'X-User-Pool-Id: eu-west-1_AbCdEf\nX-Tenant: acme'}
          hint="One “Name: value” per line, sent with every request."
          {...form.bind('extraHeaders')}
        />
      </div>
    </Disclosure>
  );
}

/** A link filled the form in: say so, and what to check before adding. */
function LinkBanner() {
  const title = 'Filled in from a link';
  return (
    <section aria-label={title}>
      <Callout tone="warn" title={title}>
        <p>
          Nothing is saved until you press <strong>Add gateway</strong>. Check that the MCP URL and
          the issuer are ones you trust: they decide where your IDE’s requests and your sign-in go.
        </p>
      </Callout>
    </section>
  );
}

function heading({ existing, draft }: FormStart): { title: string; lead: string } {
  if (existing)
    return {
      title: `Edit ${existing.gateway.name}`,
      lead: 'Changes apply to the next sign-in and request.',
    };
  if (draft)
    return {
      title: 'Add a gateway from a link',
      lead: 'Review what the link filled in, then add it.',
    };
  return {
    title: 'Add a gateway',
    lead: 'Paste the gateway’s MCP URL and let Gatekey find how to sign in.',
  };
}

/**
 * Add a gateway, edit one, or add one a link described (`draft`, prefilled and never saved by
 * itself): discover what its server offers, then save.
 */
export function GatewayForm({
  existing,
  draft,
  onSaved,
}: FormStart & { onSaved(view: GatewayView): void }) {
  const form = useGatewayForm({ existing, draft }, onSaved);
  const formRef = useRef<HTMLFormElement>(null);
  const editing = existing !== undefined;
  const { title, lead } = heading({ existing, draft });

  useEffect(() => {
    if (form.submitted === 0) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [form.submitted]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void form.save();
  };

  const cancelHref = routeHref(
    existing
      ? { screen: 'gateway', name: existing.gateway.name, tab: 'overview' }
      : { screen: 'gateways' },
  );

  return (
    <form
      ref={formRef}
      className="gateway-form"
      onSubmit={submit}
      noValidate
      aria-labelledby="gateway-form-title"
    >
      <header className="page-header">
        <h1 id="gateway-form-title">{title}</h1>
        <p className="muted">{lead}</p>
      </header>
      {draft && <LinkBanner />}
      <GatewaySection form={form} editing={editing} />
      <SignInSection form={form} />
      <AdvancedSection form={form} />
      {form.formError && <ErrorCallout error={form.formError} />}
      <footer className="form-footer">
        <Button type="submit" variant="primary" pending={form.saving}>
          {editing ? 'Save changes' : 'Add gateway'}
        </Button>
        <LinkButton variant="ghost" href={cancelHref}>
          Cancel
        </LinkButton>
      </footer>
      {editing && (
        <section className="form-section">
          <h2 className="section-title">Connection</h2>
          <TestConnection gateway={existing.gateway.name} />
        </section>
      )}
    </form>
  );
}
