import type { ClientConfigPlan } from '../../api/types.js';
import { useAction } from '../../api/use-command.js';
import { Button, LinkButton } from '../../ui/Button.js';
import { Callout, ErrorCallout } from '../../ui/Callout.js';
import { CodeWithCopy } from '../../ui/CodeWithCopy.js';
import { describeWrite } from './write-result.js';

function WriteButtons({ gateway, plan }: { gateway: string; plan: ClientConfigPlan }) {
  const write = useAction('clients.write');
  if (plan.files.length === 0) return null;
  return (
    <div className="client-write">
      <div className="button-row">
        {plan.files.map((file) => (
          <Button
            key={file.path}
            size="sm"
            icon="plus"
            pending={write.pending}
            title={`${file.profile === undefined ? 'For every project' : `For the profile "${file.profile}"`}: ${file.path}`}
            onClick={() =>
              write.run({
                name: gateway,
                client: plan.client,
                scope: file.scope,
                profile: file.profile,
              })
            }
          >
            Add to <code>{file.path}</code>
          </Button>
        ))}
      </div>
      <div aria-live="polite">
        {write.result && <Callout tone="ok" title={describeWrite(write.result)} />}
        {write.error && <ErrorCallout error={write.error} />}
      </div>
    </div>
  );
}

export function ClientCard({ gateway, plan }: { gateway: string; plan: ClientConfigPlan }) {
  return (
    <article className="client-card card" aria-labelledby={`client-${plan.client}`}>
      <header className="client-card-header">
        <h3 id={`client-${plan.client}`}>{plan.displayName}</h3>
        {plan.installLink && (
          <LinkButton size="sm" variant="primary" icon="external" href={plan.installLink}>
            Install in {plan.displayName}
          </LinkButton>
        )}
      </header>
      {plan.command && <CodeWithCopy code={plan.command} what={`${plan.displayName} command`} />}
      <CodeWithCopy code={plan.snippet} what={`${plan.displayName} configuration`} />
      {plan.notes.length > 0 && (
        <ul className="client-notes">
          {plan.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
      <WriteButtons gateway={gateway} plan={plan} />
    </article>
  );
}
