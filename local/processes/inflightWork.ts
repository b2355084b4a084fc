/**
 * Work a local stand-in has started and not finished (episodes, activities, deliveries, writes), so that
 * `settle()` can tell the scheduler when everything due at this instant has run. While it waits it says, every
 * `reportMs`, what it still waits for, so nothing hangs silently.
 */
export class InflightWork {
  private count = 0;
  private readonly byName = new Map<string, number>();
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly warn: (message: string) => void,
    private readonly reportMs = 10_000
  ) {}

  track<T>(what: string, work: Promise<T>): Promise<T> {
    this.count++;
    this.byName.set(what, (this.byName.get(what) ?? 0) + 1);
    const done = () => {
      this.count--;
      const left = (this.byName.get(what) ?? 1) - 1;
      if (left > 0) this.byName.set(what, left);
      else this.byName.delete(what);
      if (this.count === 0) setImmediate(() => this.releaseIfIdle());
    };
    work.then(done, done);
    return work;
  }

  /** Resolves when nothing tracked is running (at once once closed). */
  settle(): Promise<void> {
    if (this.count === 0 || this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const started = Date.now();
      const report = setInterval(() => {
        const what = [...this.byName.entries()].map(([name, n]) => `${n} × ${name}`).join(', ');
        this.warn(`still waiting after ${Math.round((Date.now() - started) / 1000)} s for: ${what || 'nothing'}`);
      }, this.reportMs);
      report.unref();
      this.waiters.push(() => {
        clearInterval(report);
        resolve();
      });
    });
  }

  /** Stops waiting: every pending and later `settle()` resolves at once. */
  close(): void {
    this.closed = true;
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  private releaseIfIdle(): void {
    if (this.count !== 0) return;
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
