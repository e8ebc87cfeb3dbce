export interface Debounced {
  /** Asks for a run; a burst of asks within the wait is one run. */
  trigger(): void;
  /** Drops a pending run; a run in progress finishes. */
  cancel(): void;
}

/**
 * Runs `task` once, `waitMs` after the last trigger of a burst. A trigger during a run schedules
 * one more run after it, never a parallel one.
 */
export function debounce(
  task: () => void | Promise<void>,
  waitMs: number,
  onError: (error: unknown) => void,
): Debounced {
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let askedWhileRunning = false;

  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void run(), waitMs);
  };

  async function run(): Promise<void> {
    timer = undefined;
    if (running) {
      askedWhileRunning = true;
      return;
    }
    running = true;
    try {
      await task();
    } catch (error) {
      onError(error);
    } finally {
      running = false;
    }
    if (askedWhileRunning) {
      askedWhileRunning = false;
      schedule();
    }
  }

  return {
    trigger: schedule,
    cancel() {
      clearTimeout(timer);
      timer = undefined;
      askedWhileRunning = false;
    },
  };
}
