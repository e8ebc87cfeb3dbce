import { CopyButton } from './CopyButton.js';

/** A command or snippet to paste elsewhere, with its copy button. */
export function CodeWithCopy({ code, what }: { code: string; what: string }) {
  return (
    <div className="code-with-copy">
      <pre className="code-block">{code}</pre>
      <CopyButton text={code} what={what} variant="secondary" className="code-copy" />
    </div>
  );
}
