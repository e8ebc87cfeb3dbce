import { Children, type ReactNode } from 'react';
import { classNames } from '../common/class-names.js';
import { Icon, type IconName } from './Icon.js';

export type ChipTone = 'neutral' | 'ok' | 'warn' | 'danger' | 'accent';

export function Chip({
  tone = 'neutral',
  icon,
  title,
  children,
}: {
  tone?: ChipTone;
  icon?: IconName;
  title?: string;
  children: ReactNode;
}) {
  return (
    <span className={classNames('chip', `chip-${tone}`)} title={title}>
      {icon && <Icon name={icon} size={12} />}
      {children}
    </span>
  );
}

export function ChipList({ label, children }: { label: string; children: ReactNode }) {
  return (
    <ul className="chip-list" aria-label={label}>
      {Children.map(children, (chip) => (
        <li>{chip}</li>
      ))}
    </ul>
  );
}
