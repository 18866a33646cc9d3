/**
 * Sleeps that a stopping service can cut short: `sleep` resolves after `ms`, or at once when
 * `interrupt()` is called; after that every `sleep` resolves at once.
 */
export class InterruptibleSleep {
  private interrupted = false;
  private wake: (() => void) | null = null;

  sleep(ms: number): Promise<void> {
    if (this.interrupted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  interrupt(): void {
    this.interrupted = true;
    this.wake?.();
  }
}
