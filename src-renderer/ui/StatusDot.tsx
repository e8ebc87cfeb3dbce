import { classNames } from '../common/class-names.js';
import type { Tone } from './tone.js';

/** A coloured dot that never stands alone: its label says the same in words. */
export function StatusDot({
  tone,
  label,
  className,
}: {
  tone: Tone;
  label: string;
  className?: string;
}) {
  return (
    <span className={classNames('status', `status-${tone}`, className)}>
      <span className="status-dot" aria-hidden="true" />
      <span className="status-label">{label}</span>
    </span>
  );
}
