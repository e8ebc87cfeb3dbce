import { describeExpiry } from '../../common/time.js';
import { useNow } from '../../common/use-now.js';
import { Icon } from '../../ui/Icon.js';

/** "expires in 4m 05s", ticking every second from the expiry the status carries. */
export function Expiry({ expiresAt }: { expiresAt: number }) {
  const now = useNow();
  const { label, urgency } = describeExpiry(expiresAt, now);
  return (
    <span className={`expiry expiry-${urgency}`}>
      <Icon name={urgency === 'fresh' ? 'clock' : 'alert'} size={12} />
      <span>{label}</span>
    </span>
  );
}
