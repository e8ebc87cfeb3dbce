import { GatekeyError } from '../core/errors.js';

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function printJson(value: unknown): void {
  print(JSON.stringify(value, null, 2));
}

/** Status lines go to stderr so stdout stays clean for `gatekey token` and `--json`. */
export function info(text: string): void {
  process.stderr.write(`${text}\n`);
}

export function printError(error: unknown): void {
  if (error instanceof GatekeyError) {
    process.stderr.write(`gatekey: ${error.message}\n${error.hint ? `  ${error.hint}\n` : ''}`);
    return;
  }
  process.stderr.write(`gatekey: ${error instanceof Error ? error.message : String(error)}\n`);
}

/** Left-aligned columns, for `list` and `log`. */
export function table(rows: string[][]): string {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function usageError(message: string, usage: string): GatekeyError {
  return new GatekeyError('invalid_input', message, `Usage: ${usage}`);
}

/** All of stdin, trimmed: for a secret or a token piped in, never echoed. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

/** Resolves on the first Ctrl-C or SIGTERM: how long-running commands know to stop. */
export function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
