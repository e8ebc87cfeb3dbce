import type { Diagnostic, InspectionReport, Severity, SignatureReport, TimeInfo } from './types.js';
import { printable } from '../printable.js';

export interface FormatOptions {
  /** ANSI colours, for a terminal. Default false. */
  color?: boolean;
  /** The raw token, printed only when given: the report itself never holds it. */
  showToken?: string;
}

const WIDTH = 100;
const INDENT = '  ';
const MAX_CLAIM_ROWS = 18;
const MAX_KEY_WIDTH = 14;
const SCOPE_KEY_WIDTH = 'requested'.length;

type Colour = 'red' | 'yellow' | 'green' | 'cyan' | 'dim' | 'bold';
const ANSI: Record<Colour, string> = {
  red: '31',
  yellow: '33',
  green: '32',
  cyan: '36',
  dim: '2',
  bold: '1',
};

const MARKS: Record<Severity, { mark: string; colour: Colour }> = {
  error: { mark: '✗', colour: 'red' },
  warning: { mark: '!', colour: 'yellow' },
  info: { mark: 'i', colour: 'cyan' },
  ok: { mark: '✓', colour: 'green' },
};

const SIGNATURE_VERDICTS: Record<SignatureReport['status'], { severity: Severity; says: string }> =
  {
    valid: { severity: 'ok', says: 'verified' },
    invalid: { severity: 'error', says: 'invalid' },
    unsigned: { severity: 'error', says: 'unsigned' },
    'not-checked': { severity: 'warning', says: 'not verified' },
  };

const TIME_CLAIMS = new Map<string, keyof InspectionReport['times']>([
  ['iat', 'issuedAt'],
  ['nbf', 'notBefore'],
  ['exp', 'expiresAt'],
]);

/** The report as one terminal screen: what the token is, its claims, its scopes, what is wrong. */
export function formatInspection(report: InspectionReport, options: FormatOptions = {}): string {
  const paint = painter(options.color ?? false);
  const claims = report.claims ?? report.introspection;
  return [
    ...summary(report, paint),
    ...(options.showToken === undefined
      ? []
      : ['', paint('bold', 'Token'), INDENT + options.showToken]),
    ...(claims
      ? [
          '',
          paint('bold', report.claims ? 'Claims' : 'Introspection'),
          ...claimRows(claims, report.times),
        ]
      : []),
    '',
    paint('bold', 'Scopes'),
    ...scopeRows(report),
    '',
    paint('bold', 'Diagnostics'),
    ...report.diagnostics.flatMap((diagnostic) => diagnosticLines(diagnostic, paint)),
  ].join('\n');
}

type Paint = (colour: Colour, text: string) => string;

function painter(enabled: boolean): Paint {
  return (colour, text) => (enabled ? `\u001b[${ANSI[colour]}m${text}\u001b[0m` : text);
}

function summary(report: InspectionReport, paint: Paint): string[] {
  const { signature } = report;
  const verdict = SIGNATURE_VERDICTS[signature.status];
  const { mark, colour } = MARKS[verdict.severity];
  const parts = [
    report.format === 'jwt' ? 'JWT' : 'Opaque token (not a JWT)',
    ...(signature.alg ? [printable(signature.alg)] : []),
    ...(signature.kid ? [`kid ${printable(signature.kid)}`] : []),
    paint(colour, `signature ${mark} ${verdict.says}`),
  ];
  return [
    paint('bold', parts.join('  ·  ')),
    ...wrap(signature.reason, INDENT).map((line) => paint('dim', line)),
  ];
}

function claimRows(claims: Record<string, unknown>, times: InspectionReport['times']): string[] {
  const entries = Object.entries(claims);
  const keyWidth = Math.min(MAX_KEY_WIDTH, Math.max(...entries.map(([key]) => key.length)));
  const rows = entries.slice(0, MAX_CLAIM_ROWS).map(([key, value]) => {
    const time = timeFor(key, times);
    return row(key, time ? `${time.iso}  (${time.relative})` : describeValue(value), keyWidth);
  });
  const hidden = entries.length - MAX_CLAIM_ROWS;
  return hidden > 0 ? [...rows, `${INDENT}… ${hidden} more (use --json)`] : rows;
}

function timeFor(key: string, times: InspectionReport['times']): TimeInfo | undefined {
  const field = TIME_CLAIMS.get(key);
  return field ? times[field] : undefined;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((item) => typeof item !== 'object' || item === null)) {
    return value.map(String).join(', ');
  }
  return JSON.stringify(value);
}

function row(key: string, value: string, keyWidth: number): string {
  const line = `${INDENT}${truncate(printable(key), keyWidth).padEnd(keyWidth)}  ${printable(value)}`;
  return truncate(line, WIDTH);
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

function scopeRows(report: InspectionReport): string[] {
  const { scopes } = report;
  if (report.format === 'opaque' && !report.introspection) {
    return [`${INDENT}unknown: an opaque token's scopes are known only to its issuer`];
  }
  const list = (values: string[]) => (values.length ? values.join(' ') : '—');
  const rows = [row('granted', list(scopes.granted), SCOPE_KEY_WIDTH)];
  if (scopes.requested.length) {
    rows.push(row('requested', list(scopes.requested), SCOPE_KEY_WIDTH));
    rows.push(row('missing', list(scopes.missing), SCOPE_KEY_WIDTH));
  }
  if (scopes.stepUpMissing.length) {
    rows.push(row('step-up', `missing ${list(scopes.stepUpMissing)}`, SCOPE_KEY_WIDTH));
  }
  return rows;
}

function diagnosticLines(diagnostic: Diagnostic, paint: Paint): string[] {
  const { mark, colour } = MARKS[diagnostic.severity];
  const body = `${INDENT}  `;
  return [
    `${INDENT}${paint(colour, `${mark} ${diagnostic.title}`)}`,
    ...wrap(diagnostic.detail, body),
    ...(diagnostic.fix ? wrap(`Fix: ${diagnostic.fix}`, body) : []),
  ];
}

/** Word-wraps to the screen width, every line starting with `indent`. */
function wrap(text: string, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of printable(text).split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > WIDTH) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return line ? [...lines, indent + line] : lines;
}
