import { useState, type FormEvent } from 'react';
import type { TokenKind } from '../../api/types.js';
import { useAction } from '../../api/use-command.js';
import { Button } from '../../ui/Button.js';
import { ErrorCallout, QuestionCallout } from '../../ui/Callout.js';
import { Segmented } from '../../ui/Segmented.js';
import { TextField } from '../../ui/TextField.js';
import { InspectionView } from './InspectionView.js';
import './inspector.css';

const KIND_OPTIONS: readonly { value: TokenKind; label: string }[] = [
  { value: 'access_token', label: 'Access token' },
  { value: 'id_token', label: 'ID token' },
];

/**
 * The keys of an issuer no gateway here knows are fetched only when the person says so: the
 * token chose that address, so Gatekey asks first and names it.
 */
function FetchKeysPrompt({
  issuer,
  pending,
  onFetch,
}: {
  issuer: string;
  pending: boolean;
  onFetch: () => void;
}) {
  return (
    <QuestionCallout
      question={`Fetch signing keys from ${issuer}?`}
      tone="warn"
      answers={
        <Button variant="primary" icon="shield" pending={pending} onClick={onFetch}>
          Fetch signing keys
        </Button>
      }
    >
      No gateway here has this issuer, so the signature is not verified. Gatekey can ask{' '}
      <code>{issuer}</code> for the keys it publishes and check the signature with them. The token
      chose this address: fetch only if you expect this issuer.
    </QuestionCallout>
  );
}

/** Inspect any token a person pastes; it goes to the local instance only and is not kept. */
export function PasteToken() {
  const [token, setToken] = useState('');
  const [kind, setKind] = useState<TokenKind>('access_token');
  const [inspected, setInspected] = useState({ token: '', kind });
  const inspect = useAction('tokens.inspectRaw');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const pasted = { token: token.trim(), kind };
    if (!pasted.token) return;
    setInspected(pasted);
    void inspect.run(pasted);
  };
  const fetchFrom = inspect.result?.signature.canFetchKeysFrom;

  return (
    <div className="paste-token">
      <header className="page-header">
        <h1>Inspect a token</h1>
        <p className="muted">
          Paste a JWT from a log or a curl command to see its claims and what a gateway would object
          to.
        </p>
      </header>
      <form className="paste-form" onSubmit={submit}>
        <TextField
          label="Token"
          multiline
          placeholder="eyJhbGciOi…"
          value={token}
          onChange={setToken}
        />
        <div className="paste-actions">
          <Segmented label="Read it as" options={KIND_OPTIONS} value={kind} onChange={setKind} />
          <Button
            type="submit"
            variant="primary"
            icon="search"
            pending={inspect.pending}
            disabled={!token.trim()}
          >
            Inspect
          </Button>
        </div>
      </form>
      {inspect.error && <ErrorCallout error={inspect.error} />}
      {fetchFrom && (
        <FetchKeysPrompt
          issuer={fetchFrom}
          pending={inspect.pending}
          onFetch={() => void inspect.run({ ...inspected, fetchKeys: true })}
        />
      )}
      {inspect.result && <InspectionView report={inspect.result} />}
    </div>
  );
}
