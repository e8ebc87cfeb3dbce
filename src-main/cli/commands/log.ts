import type { RequestLogEntry } from '../../core/proxy/index.js';
import type { Command } from '../command.js';
import { withSession } from '../context.js';
import { print, printJson, table, usageError } from '../output.js';

export const log: Command = {
  name: 'log',
  summary: 'recent proxied requests (no bodies, no tokens)',
  usage: 'gatekey log [--gateway NAME] [--errors] [--follow] [--json]',
  options: {
    gateway: { type: 'string' },
    errors: { type: 'boolean' },
    follow: { type: 'boolean' },
  },
  async run(context) {
    const gateway = context.values.gateway as string | undefined;
    const status = context.values.errors ? ('error' as const) : undefined;
    return withSession(context.globals, async (session) => {
      if (context.values.follow && session.mode !== 'instance') {
        throw usageError(
          '--follow needs a running Gatekey (tray app or gatekey serve).',
          this.usage,
        );
      }
      const entries = await session.api.call('log.recent', { gateway, status });
      if (context.globals.json && !context.values.follow) return printJson(entries);
      const show = (entry: RequestLogEntry) =>
        context.globals.json ? print(JSON.stringify(entry)) : print(table([logRow(entry)]));
      if (!context.globals.json) print(table([LOG_HEADER, ...entries.map(logRow)]));
      if (!context.values.follow) return;
      await new Promise<void>((resolve) => {
        const unsubscribe = session.api.subscribe((event) => {
          if (event.type !== 'log') return;
          if (gateway && event.entry.gateway !== gateway) return;
          if (status && event.entry.status < 400) return;
          show(event.entry);
        });
        process.once('SIGINT', () => {
          unsubscribe();
          resolve();
        });
      });
    });
  },
};

const LOG_HEADER = ['TIME', 'GATEWAY', 'METHOD', 'STATUS', 'MS', 'NOTES'];

function logRow(entry: RequestLogEntry): string[] {
  const notes = [entry.refreshed && 'refreshed', entry.retried && 'retried', entry.error]
    .filter(Boolean)
    .join(', ');
  return [
    new Date(entry.time).toISOString().slice(11, 23),
    entry.gateway,
    [entry.httpMethod, entry.rpcMethod, entry.toolName].filter(Boolean).join(' '),
    String(entry.status),
    String(Math.round(entry.durationMs)),
    notes,
  ];
}
