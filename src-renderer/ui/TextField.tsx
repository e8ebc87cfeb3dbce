import type { ReactNode } from 'react';
import { classNames } from '../common/class-names.js';
import { Field } from './Field.js';

interface TextFieldProps {
  label: ReactNode;
  value: string;
  onChange(value: string): void;
  onBlur?(): void;
  error?: string;
  hint?: ReactNode;
  aside?: ReactNode;
  placeholder?: string;
  type?: 'text' | 'url' | 'password';
  mono?: boolean;
  multiline?: boolean;
  readOnly?: boolean;
  autoComplete?: string;
  /** Beside the input, e.g. a "Discover" button. */
  action?: ReactNode;
}

export function TextField({
  label,
  value,
  onChange,
  onBlur,
  error,
  hint,
  aside,
  placeholder,
  type = 'text',
  mono,
  multiline,
  readOnly,
  autoComplete = 'off',
  action,
}: TextFieldProps) {
  return (
    <Field label={label} error={error} hint={hint} aside={aside}>
      {(control) => {
        const shared = {
          ...control,
          value,
          placeholder,
          readOnly,
          spellCheck: false,
          onBlur,
        };
        const input = multiline ? (
          <textarea
            {...shared}
            className="textarea"
            rows={3}
            onChange={(event) => onChange(event.target.value)}
          />
        ) : (
          <input
            {...shared}
            type={type}
            autoComplete={autoComplete}
            className={classNames('input', mono && 'input-mono')}
            onChange={(event) => onChange(event.target.value)}
          />
        );
        return action ? (
          <div className="input-row">
            {input}
            {action}
          </div>
        ) : (
          input
        );
      }}
    </Field>
  );
}
