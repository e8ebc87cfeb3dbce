import type { ReactNode } from 'react';
import { classNames } from '../common/class-names.js';
import { Icon } from './Icon.js';

/** A native <details>: keyboard and screen readers get it for free. */
export function Disclosure({
  summary,
  children,
  open,
  onToggle,
  className,
}: {
  summary: ReactNode;
  children: ReactNode;
  open?: boolean;
  onToggle?(open: boolean): void;
  className?: string;
}) {
  return (
    <details
      className={classNames('disclosure', className)}
      open={open}
      onToggle={onToggle && ((event) => onToggle(event.currentTarget.open))}
    >
      <summary>
        <Icon name="chevronRight" size={13} className="disclosure-icon" />
        {summary}
      </summary>
      <div className="disclosure-body">{children}</div>
    </details>
  );
}
