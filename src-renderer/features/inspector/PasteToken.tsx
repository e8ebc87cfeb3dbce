import { useState, type FormEvent } from 'react';
import type { TokenKind } from '../../api/types.js';
import { useAction } from '../../api/use-command.js';
import { Button } from '../../ui/Button.js';
import { ErrorCallout } from '../../ui/Callout.js';
import { Segmented } from '../../ui/Segmented.js';
import { TextField } from '../../ui/TextField.js';
import { InspectionView } from './InspectionView.js';
import './inspector.css';

const KIND_OPTIONS: readonly { value: TokenKind; label: string }[] = [
  { value: 'access_token', label: 'Access token' },
  { value: 'id_token', label: 'ID token' },
];

/** Inspect any token a person pastes; it goes to the local instance only and is not kept. */
export function PasteToken() {
  const [token, setToken] = useState('');
  const [kind, setKind] = useState<TokenKind>('access_token');
  const inspect = useAction('tokens.inspectRaw');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (token.trim()) void inspect.run({ token: token.trim(), kind });
  };

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
      {inspect.result && <InspectionView report={inspect.result} />}
    </div>
  );
}
