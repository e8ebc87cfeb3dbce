import type { Diagnostic, InspectionReport, SignatureCheck } from '../../api/types.js';
import { classNames } from '../../common/class-names.js';
import { formatDateTime, formatRelative } from '../../common/time.js';
import { useNow } from '../../common/use-now.js';
import { Callout } from '../../ui/Callout.js';
import { Chip, ChipList, type ChipTone } from '../../ui/Chip.js';
import { Disclosure } from '../../ui/Disclosure.js';
import { Icon, type IconName } from '../../ui/Icon.js';
import { byUrgency, claimRows, evidenceLines, scopeMarks, type ScopeMark } from './claims.js';

const SIGNATURE_LOOKS: Record<
  SignatureCheck['status'],
  { icon: IconName; label: string; tone: string }
> = {
  valid: { icon: 'shield', label: 'Signature valid', tone: 'ok' },
  invalid: { icon: 'error', label: 'Signature invalid', tone: 'danger' },
  'not-checked': { icon: 'help', label: 'Signature not verified', tone: 'warn' },
  unsigned: { icon: 'alert', label: 'Unsigned', tone: 'warn' },
};

const SEVERITY_LOOKS: Record<Diagnostic['severity'], { icon: IconName; label: string }> = {
  error: { icon: 'error', label: 'Error' },
  warning: { icon: 'alert', label: 'Warning' },
  info: { icon: 'info', label: 'Note' },
  ok: { icon: 'ok', label: 'OK' },
};

const SCOPE_LOOKS: Record<ScopeMark, { tone: ChipTone; icon: IconName; note: string }> = {
  granted: { tone: 'ok', icon: 'check', note: 'granted' },
  missing: { tone: 'danger', icon: 'x', note: 'requested but not granted' },
  'step-up': { tone: 'warn', icon: 'alert', note: 'the gateway asked for it (step-up)' },
};

function SignatureBadge({ signature }: { signature: SignatureCheck }) {
  const look = SIGNATURE_LOOKS[signature.status];
  return (
    <div className={classNames('signature', `signature-${look.tone}`)}>
      <span className="signature-badge">
        <Icon name={look.icon} size={14} />
        {look.label}
      </span>
      <span className="signature-reason">{signature.reason}</span>
      {(signature.alg || signature.kid) && (
        <span className="signature-keys">
          {signature.alg && <Chip>alg {signature.alg}</Chip>}
          {signature.kid && <Chip>kid {signature.kid}</Chip>}
        </span>
      )}
    </div>
  );
}

function Diagnostics({ diagnostics }: { diagnostics: readonly Diagnostic[] }) {
  if (diagnostics.length === 0) return null;
  return (
    <section className="section">
      <h3 className="section-title">Diagnostics</h3>
      <ul className="diagnostics">
        {byUrgency(diagnostics).map((diagnostic) => {
          const look = SEVERITY_LOOKS[diagnostic.severity];
          return (
            <li
              key={diagnostic.id}
              className={classNames('diagnostic', `diagnostic-${diagnostic.severity}`)}
            >
              <Icon name={look.icon} size={15} className="diagnostic-icon" />
              <div className="diagnostic-body">
                <p className="diagnostic-title">
                  <span className="visually-hidden">{look.label}: </span>
                  {diagnostic.title}
                </p>
                <p className="diagnostic-detail">{diagnostic.detail}</p>
                {diagnostic.fix && <p className="diagnostic-fix">{diagnostic.fix}</p>}
                {diagnostic.evidence && (
                  <ul className="diagnostic-evidence" aria-label="Evidence">
                    {evidenceLines(diagnostic.evidence).map((line) => (
                      <li key={line}>
                        <code>{line}</code>
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function Scopes({ scopes }: { scopes: InspectionReport['scopes'] }) {
  const marks = scopeMarks(scopes);
  return (
    <section className="section">
      <h3 className="section-title">Scopes</h3>
      {marks.length === 0 ? (
        <p className="faint">The token carries no scopes and none were requested.</p>
      ) : (
        <ChipList label="Scopes">
          {marks.map(({ scope, mark }) => {
            const look = SCOPE_LOOKS[mark];
            return (
              <Chip key={scope} tone={look.tone} icon={look.icon} title={look.note}>
                {scope}
                {mark !== 'granted' && (
                  <span className="chip-note">{mark === 'missing' ? 'missing' : 'step-up'}</span>
                )}
              </Chip>
            );
          })}
        </ChipList>
      )}
    </section>
  );
}

type Times = InspectionReport['times'];

const TIME_LABELS: readonly [keyof Times, string][] = [
  ['issuedAt', 'Issued'],
  ['notBefore', 'Not before'],
  ['expiresAt', 'Expires'],
];

function TimeFacts({ times }: { times: Times }) {
  const now = useNow();
  const present = TIME_LABELS.filter(([key]) => times[key]);
  if (present.length === 0) return null;
  return (
    <dl className="facts time-facts">
      {present.map(([key, label]) => {
        const time = times[key];
        if (!time) return null;
        const epochMs = time.epochSeconds * 1_000;
        const expired = key === 'expiresAt' && epochMs <= now;
        return (
          <div key={key} className="fact">
            <dt>{label}</dt>
            <dd>
              <span className={classNames('relative', expired && 'expired')}>
                {formatRelative(epochMs, now)}
              </span>
              <span className="faint"> · {formatDateTime(epochMs)}</span>
            </dd>
          </div>
        );
      })}
    </dl>
  );
}

function ClaimsTable({ claims }: { claims: Readonly<Record<string, unknown>> }) {
  const now = useNow();
  return (
    <section className="section">
      <h3 className="section-title">Claims</h3>
      <div className="claims-scroll">
        <table className="claims">
          <thead className="visually-hidden">
            <tr>
              <th scope="col">Claim</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {claimRows(claims).map((row) => (
              <tr key={row.name}>
                <th scope="row">
                  <code>{row.name}</code>
                  {row.meaning && <span className="claim-meaning">{row.meaning}</span>}
                </th>
                <td>
                  <code>{row.value}</code>
                  {row.epochMs !== undefined && (
                    <span className="claim-relative">{formatRelative(row.epochMs, now)}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Introspection({ result }: { result: unknown }) {
  if (typeof result !== 'object' || result === null) return null;
  return (
    <section className="section">
      <h3 className="section-title">Introspection (RFC 7662)</h3>
      <pre className="code-block">{JSON.stringify(result, null, 2)}</pre>
    </section>
  );
}

/** A decoded token: what it says, whether to trust it, and what is wrong with it. */
export function InspectionView({ report }: { report: InspectionReport }) {
  return (
    <div className="inspection">
      {report.format === 'jwt' ? (
        <SignatureBadge signature={report.signature} />
      ) : (
        <Callout tone="info" title="An opaque token, not a JWT">
          Only its issuer can read it
          {report.introspection ? '; its introspection answer is below.' : '.'}
        </Callout>
      )}
      <TimeFacts times={report.times} />
      <Diagnostics diagnostics={report.diagnostics} />
      <Scopes scopes={report.scopes} />
      {report.claims && <ClaimsTable claims={report.claims} />}
      {report.header && (
        <Disclosure summary="JOSE header">
          <pre className="code-block">{JSON.stringify(report.header, null, 2)}</pre>
        </Disclosure>
      )}
      <Introspection result={report.introspection} />
    </div>
  );
}
