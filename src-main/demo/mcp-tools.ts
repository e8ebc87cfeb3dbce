import { setTimeout as sleep } from 'node:timers/promises';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { CreateMessageResultSchema } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';

/** The scope `admin_action` needs; the HTTP layer answers 403 insufficient_scope without it. */
export const ADMIN_SCOPE = 'mcp:admin';
export const ADMIN_TOOL = 'admin_action';
export const MAX_BIG_BYTES = 20 * 1024 * 1024;

/** The verified caller, as the HTTP layer hands it to the tools (in AuthInfo.extra). */
export interface CallerIdentity {
  subject: string;
  audience: string[];
}

const README = `# Gatekey demo MCP server

This server trusts only JWT access tokens from its issuer. Try the tools:

- \`echo\` and \`add\` for a first call,
- \`whoami\` to see who the token says you are,
- \`count\` to watch progress notifications stream in,
- \`ask\` to let the server ask your client's model a question (sampling),
- \`big\` for a large response,
- \`admin_action\`, which needs the \`${ADMIN_SCOPE}\` scope.
`;

const BIG_PATTERN = 'abcdefghijklmnopqrstuvwxyz0123456789\n';

type TextResult = { content: { type: 'text'; text: string }[]; isError?: boolean };

function text(value: string): TextResult {
  return { content: [{ type: 'text', text: value }] };
}

/** One MCP server (one per session): the demo's tools, its readme resource and its prompt. */
export function createDemoMcpServer(): McpServer {
  const server = new McpServer(
    { name: 'gatekey-demo', title: 'Gatekey demo MCP server', version: '1.0.0' },
    {
      capabilities: { logging: {} },
      instructions: 'A demo server behind OAuth. Read demo://readme for a tour of the tools.',
    },
  );
  registerBasicTools(server);
  registerStreamingTools(server);
  registerCallerTools(server);
  server.registerResource(
    'readme',
    'demo://readme',
    { title: 'About this server', mimeType: 'text/markdown' },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/markdown', text: README }] }),
  );
  server.registerPrompt(
    'review',
    {
      title: 'Code review',
      description: 'Asks for a careful review of a piece of code.',
      argsSchema: { code: z.string().describe('The code to review') },
    },
    ({ code }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text: `Please review this code for bugs and clarity:\n\n${code}`,
          },
        },
      ],
    }),
  );
  return server;
}

function registerBasicTools(server: McpServer): void {
  server.registerTool(
    'echo',
    {
      title: 'Echo',
      description: 'Returns the text it is given.',
      inputSchema: { text: z.string() },
    },
    async ({ text: value }) => text(value),
  );
  server.registerTool(
    'add',
    {
      title: 'Add',
      description: 'Adds two numbers.',
      inputSchema: { a: z.number(), b: z.number() },
    },
    async ({ a, b }) => text(String(a + b)),
  );
  server.registerTool(
    'big',
    {
      title: 'Big response',
      description: `Returns that many bytes of text (at most ${MAX_BIG_BYTES}).`,
      inputSchema: { bytes: z.number().int().min(0).max(MAX_BIG_BYTES) },
    },
    async ({ bytes }) =>
      text(BIG_PATTERN.repeat(Math.ceil(bytes / BIG_PATTERN.length)).slice(0, bytes)),
  );
}

function registerStreamingTools(server: McpServer): void {
  server.registerTool(
    'count',
    {
      title: 'Count',
      description: 'Counts to `to`, waiting `delayMs` between steps and reporting progress.',
      inputSchema: {
        to: z.number().int().min(1).max(1000),
        delayMs: z.number().int().min(0).max(10_000).default(100),
      },
    },
    async ({ to, delayMs }, extra) => {
      const progressToken = extra._meta?.progressToken;
      for (let step = 1; step <= to; step += 1) {
        await sleep(delayMs, undefined, { signal: extra.signal });
        if (progressToken !== undefined) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken, progress: step, total: to, message: `${step} of ${to}` },
          });
        }
      }
      return text(`Counted to ${to}.`);
    },
  );
  server.registerTool(
    'ask',
    {
      title: 'Ask the client',
      description: "Asks the client's model a question (sampling) and returns its answer.",
      inputSchema: { question: z.string() },
    },
    async ({ question }, extra) => {
      const answer = await extra.sendRequest(
        {
          method: 'sampling/createMessage',
          params: {
            messages: [{ role: 'user', content: { type: 'text', text: question } }],
            maxTokens: 200,
          },
        },
        CreateMessageResultSchema,
      );
      return answer.content.type === 'text'
        ? text(answer.content.text)
        : { ...text(`The client answered with ${answer.content.type} content.`), isError: true };
    },
  );
}

function registerCallerTools(server: McpServer): void {
  server.registerTool(
    'whoami',
    {
      title: 'Who am I',
      description: 'Shows who the access token says the caller is (never the token).',
    },
    async (extra) => text(JSON.stringify(describeCaller(extra.authInfo), null, 2)),
  );
  server.registerTool(
    ADMIN_TOOL,
    { title: 'Admin action', description: `A privileged action; needs the ${ADMIN_SCOPE} scope.` },
    async (extra) =>
      extra.authInfo?.scopes.includes(ADMIN_SCOPE)
        ? text('Admin action done.')
        : { ...text(`This tool needs the ${ADMIN_SCOPE} scope.`), isError: true },
  );
}

function describeCaller(authInfo: AuthInfo | undefined): Record<string, unknown> {
  const identity = authInfo?.extra as CallerIdentity | undefined;
  return {
    sub: identity?.subject,
    clientId: authInfo?.clientId,
    scopes: authInfo?.scopes ?? [],
    aud: identity?.audience ?? [],
  };
}
