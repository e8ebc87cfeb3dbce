import type { z } from 'zod';
import { GatekeyError } from './errors.js';

/** `gateways[1].url` style path of a zod issue. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) =>
      typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`,
    )
    .join('');
}

/** Parses `value` or throws `invalid_input` naming the first bad field and what it expected. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue ? issuePath(issue.path) : '';
  const where = field ? `${what} ${field}` : what;
  throw new GatekeyError(
    'invalid_input',
    `Invalid ${where}: ${issue?.message ?? 'not valid'}.`,
    undefined,
    {
      field: field || undefined,
    },
  );
}
