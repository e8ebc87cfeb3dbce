import type * as z from 'zod';
import { GatekeyError } from './errors.js';

/** `gateways[1].extraHeaders["X Bad"]`: a zod path the way a person reads it. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) => {
      if (typeof key === 'number') return `[${key}]`;
      const name = String(key);
      if (!/^[A-Za-z_$][\w$]*$/.test(name)) return `[${JSON.stringify(name)}]`;
      return index === 0 ? name : `.${name}`;
    })
    .join('');
}

interface Problem {
  /** `gateways[1].url`; empty for the document itself. */
  field: string;
  message: string;
}

function problemsOf(issue: z.core.$ZodIssue): Problem[] {
  if (issue.code === 'unrecognized_keys')
    return issue.keys.map((key) => ({
      field: formatPath([...issue.path, key]),
      message: 'unknown field',
    }));
  const message =
    issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
  return [{ field: formatPath(issue.path), message }];
}

const MAX_PROBLEMS_SHOWN = 3;

/** Every problem as `field: what was expected`, joined on one line. */
export function describeIssues(error: z.ZodError): string {
  const lines = error.issues
    .flatMap(problemsOf)
    .map(({ field, message }) => (field ? `${field}: ${message}` : message));
  const shown = lines.slice(0, MAX_PROBLEMS_SHOWN).join('; ');
  const more = lines.length - MAX_PROBLEMS_SHOWN;
  return more > 0 ? `${shown} (and ${more} more)` : shown;
}

/** Input that failed its schema, with the first field at fault for a form to point at. */
export function invalidInput(subject: string, error: z.ZodError): GatekeyError {
  const [firstIssue] = error.issues;
  const field = firstIssue && problemsOf(firstIssue)[0]?.field;
  return new GatekeyError(
    'invalid_input',
    `${subject} is not valid: ${describeIssues(error)}.`,
    'Correct the field named before the colon and try again.',
    field ? { field } : undefined,
  );
}

/** Parses `value` or throws `invalid_input` naming each bad field and what it expected. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  subject: string,
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw invalidInput(subject, parsed.error);
}
