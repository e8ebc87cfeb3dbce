import type { ReactNode } from 'react';
import type { ApiError } from '../api/types.js';
import { classNames } from '../common/class-names.js';
import { Icon, type IconName } from './Icon.js';

export type CalloutTone = 'info' | 'ok' | 'warn' | 'danger';

const ICONS: Record<CalloutTone, IconName> = {
  info: 'info',
  ok: 'ok',
  warn: 'alert',
  danger: 'error',
};

export function Callout({
  tone,
  title,
  children,
  actions,
  className,
}: {
  tone: CalloutTone;
  title: ReactNode;
  children?: ReactNode;
  actions?: ReactNode;
  className?: string;
}) {
  return (
    <div
      className={classNames('callout', `callout-${tone}`, className)}
      role={tone === 'danger' ? 'alert' : undefined}
    >
      <Icon name={ICONS[tone]} size={16} className="callout-icon" />
      <div className="callout-body">
        <p className="callout-title">{title}</p>
        {children && <div className="callout-text">{children}</div>}
        {actions && <div className="callout-actions">{actions}</div>}
      </div>
    </div>
  );
}

/** A failed command: what went wrong, then how to fix it. */
export function ErrorCallout({ error, actions }: { error: ApiError; actions?: ReactNode }) {
  return (
    <Callout tone="danger" title={error.message} actions={actions}>
      {error.hint && <p className="error-hint">{error.hint}</p>}
    </Callout>
  );
}

/** A question the window asks before it acts: a region named by the question, and its answers. */
export function QuestionCallout({
  question,
  tone = 'info',
  answers,
  children,
}: {
  question: string;
  tone?: CalloutTone;
  answers: ReactNode;
  children: ReactNode;
}) {
  return (
    <section aria-label={question}>
      <Callout tone={tone} title={question} actions={answers}>
        {children}
      </Callout>
    </section>
  );
}
