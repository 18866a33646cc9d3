import { InterruptibleSleep } from './interruptible-sleep.js';

describe('InterruptibleSleep', () => {
  it('should resolve after the time given', async () => {
    const started = Date.now();
    await new InterruptibleSleep().sleep(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('should cut a sleep short on interrupt, and not sleep again after it', async () => {
    const pause = new InterruptibleSleep();
    const started = Date.now();
    const sleeping = pause.sleep(60_000);
    pause.interrupt();
    await sleeping;
    await pause.sleep(60_000);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
