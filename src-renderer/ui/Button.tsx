import type { AnchorHTMLAttributes, ButtonHTMLAttributes, ReactNode } from 'react';
import { classNames } from '../common/class-names.js';
import { Icon, type IconName } from './Icon.js';

type Variant = 'primary' | 'secondary' | 'ghost' | 'danger';
type Size = 'sm' | 'md';

interface Look {
  variant?: Variant;
  size?: Size;
  icon?: IconName;
  children?: ReactNode;
}

const lookClass = ({ variant = 'secondary', size = 'md' }: Look, className?: string) =>
  classNames('button', `button-${variant}`, `button-${size}`, className);

function Content({ icon, pending, children }: Look & { pending?: boolean }) {
  const shown = pending ? 'spinner' : icon;
  return (
    <>
      {shown && <Icon name={shown} size={14} />}
      {children !== undefined && <span>{children}</span>}
    </>
  );
}

export interface ButtonProps
  extends Look, Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'children'> {
  /** Shows a spinner and blocks clicks while the action it started runs. */
  pending?: boolean;
}

export function Button({
  variant,
  size,
  icon,
  pending,
  children,
  className,
  disabled,
  ...rest
}: ButtonProps) {
  return (
    <button
      type="button"
      className={lookClass({ variant, size }, className)}
      disabled={disabled || pending}
      aria-busy={pending || undefined}
      {...rest}
    >
      <Content icon={icon} pending={pending}>
        {children}
      </Content>
    </button>
  );
}

export type LinkButtonProps = Look & AnchorHTMLAttributes<HTMLAnchorElement>;

/** A link that looks like a button: navigation, or a URL opened outside (install links). */
export function LinkButton({ variant, size, icon, children, className, ...rest }: LinkButtonProps) {
  return (
    <a className={lookClass({ variant, size }, className)} {...rest}>
      <Content icon={icon}>{children}</Content>
    </a>
  );
}
