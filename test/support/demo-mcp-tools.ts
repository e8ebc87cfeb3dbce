import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { expect } from 'vitest';

/** The text of the first content block of a tool result, or '' when there is none. */
export function textOf(result: Awaited<ReturnType<Client['callTool']>>): string {
  const [first] = result.content as { type: string; text?: string }[];
  return first?.text ?? '';
}

/** Asserts that `client` sees every demo MCP tool and that `echo` and `add` answer correctly. */
export async function expectDemoToolsListedAndAnswering(client: Client): Promise<void> {
  const { tools } = await client.listTools();
  expect(tools.map((tool) => tool.name).sort()).toEqual(
    ['add', 'admin_action', 'ask', 'big', 'count', 'echo', 'whoami'].sort(),
  );
  expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'hello' } }))).toBe(
    'hello',
  );
  expect(textOf(await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } }))).toBe('5');
}
