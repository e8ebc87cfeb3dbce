import { useEffect, useState } from 'react';
import { Button, type ButtonProps } from './Button.js';

const FEEDBACK_MS = 1_500;

/** The clipboard API, else the old selection trick (some embedded browsers refuse the API). */
async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.append(area);
    area.select();
    const copied = document.execCommand('copy');
    area.remove();
    return copied;
  }
}

interface CopyButtonProps extends Omit<ButtonProps, 'onClick' | 'children'> {
  text: string;
  /** What is copied, for the accessible name: "Copy local URL". */
  what: string;
  /** Show "Copy" next to the icon; otherwise the button is icon-only. */
  showLabel?: boolean;
}

export function CopyButton({
  text,
  what,
  showLabel,
  variant = 'ghost',
  size = 'sm',
  ...rest
}: CopyButtonProps) {
  const [outcome, setOutcome] = useState<'idle' | 'copied' | 'failed'>('idle');

  useEffect(() => {
    if (outcome === 'idle') return;
    const timer = setTimeout(() => setOutcome('idle'), FEEDBACK_MS);
    return () => clearTimeout(timer);
  }, [outcome]);

  const label = { idle: 'Copy', copied: 'Copied', failed: 'Copy failed' }[outcome];
  return (
    <>
      <Button
        {...rest}
        variant={variant}
        size={size}
        icon={outcome === 'copied' ? 'check' : 'copy'}
        aria-label={outcome === 'idle' ? `Copy ${what}` : label}
        title={`Copy ${what}`}
        onClick={async () => setOutcome((await copyText(text)) ? 'copied' : 'failed')}
      >
        {showLabel ? label : undefined}
      </Button>
      <span className="visually-hidden" role="status">
        {outcome === 'idle' ? '' : `${label}: ${what}`}
      </span>
    </>
  );
}
