import type { ReactNode } from 'react';

export function Switch({
  checked,
  onChange,
  children,
  describedBy,
}: {
  checked: boolean;
  onChange(checked: boolean): void;
  children: ReactNode;
  describedBy?: string;
}) {
  return (
    <label className="switch">
      <input
        type="checkbox"
        role="switch"
        checked={checked}
        aria-describedby={describedBy}
        onChange={(event) => onChange(event.target.checked)}
      />
      <span className="switch-track" aria-hidden="true">
        <span className="switch-thumb" />
      </span>
      <span className="switch-label">{children}</span>
    </label>
  );
}
