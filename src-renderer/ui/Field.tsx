import { useId, type ReactNode } from 'react';
import { Icon } from './Icon.js';

export interface ControlProps {
  id: string;
  'aria-describedby'?: string;
  'aria-invalid'?: true;
}

interface FieldProps {
  label: ReactNode;
  hint?: ReactNode;
  error?: string;
  /** Shown next to the label, e.g. "optional". */
  aside?: ReactNode;
  children: (control: ControlProps) => ReactNode;
}

/**
 * A labelled control with its hint and its error wired for assistive technology. The error takes
 * the hint's place, so that showing it (on blur) barely moves what is below.
 */
export function Field({ label, hint, error, aside, children }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = error ? errorId : hint ? hintId : undefined;
  return (
    <div className="field" data-invalid={error ? true : undefined}>
      <div className="field-label-row">
        <label className="field-label" htmlFor={id}>
          {label}
        </label>
        {aside && <span className="field-aside">{aside}</span>}
      </div>
      {children({
        id,
        'aria-describedby': describedBy,
        'aria-invalid': error ? true : undefined,
      })}
      {error ? (
        <p className="field-error" id={errorId}>
          <Icon name="error" size={13} />
          {error}
        </p>
      ) : (
        hint && (
          <p className="field-hint" id={hintId}>
            {hint}
          </p>
        )
      )}
    </div>
  );
}
