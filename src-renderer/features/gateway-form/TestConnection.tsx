import type { ConnectionTest } from '../../api/types.js';
import { useAction } from '../../api/use-command.js';
import { Button } from '../../ui/Button.js';
import { Callout, ErrorCallout } from '../../ui/Callout.js';
import './gateway-form.css';

const unknownFailure = {
  code: 'upstream_unreachable',
  message: 'The gateway did not complete the MCP handshake.',
  hint: 'Check the URL and sign in again, then retry.',
};

function ToolList({ tools }: { tools: ConnectionTest['tools'] }) {
  if (tools.length === 0) return <p className="muted">The server lists no tools.</p>;
  return (
    <ul className="tool-list" aria-label="Tools">
      {tools.map((tool) => (
        <li key={tool.name}>
          <code className="tool-name">{tool.name}</code>
          {tool.description && <span className="tool-description">{tool.description}</span>}
        </li>
      ))}
    </ul>
  );
}

function TestOutcome({ test }: { test: ConnectionTest }) {
  if (!test.ok) return <ErrorCallout error={test.error ?? unknownFailure} />;
  const server = [test.serverName ?? 'the MCP server', test.serverVersion]
    .filter(Boolean)
    .join(' ');
  const count = `${test.tools.length} tool${test.tools.length === 1 ? '' : 's'}`;
  return (
    <Callout tone="ok" title={`Connected to ${server}`}>
      <p>
        Answered in {test.durationMs} ms with {count}.
      </p>
      <ToolList tools={test.tools} />
    </Callout>
  );
}

/** Runs an MCP handshake and tools/list through the proxy, with the gateway's token. */
export function TestConnection({ gateway }: { gateway: string }) {
  const test = useAction('gateways.test');
  return (
    <div className="test-connection">
      <div className="button-row">
        <Button icon="play" pending={test.pending} onClick={() => test.run({ name: gateway })}>
          Test connection
        </Button>
        <span className="muted">Initializes an MCP session and lists the tools.</span>
      </div>
      <div aria-live="polite">
        {test.result && <TestOutcome test={test.result} />}
        {test.error && <ErrorCallout error={test.error} />}
      </div>
    </div>
  );
}
