export interface StatementBatcherOptions<I> {
  /** At most this many inputs share a statement. */
  maxInputs: number;
  /** Statements running at once; inputs arriving meanwhile queue for the next one. */
  maxStatementsInFlight: number;
  /** Optional size budget of one statement (bytes of parameters, roughly). */
  sizeOf?: (input: I) => number;
  maxSize?: number;
}

interface Waiting<I, O> {
  input: I;
  size: number;
  resolve: (output: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for one kind of statement. Concurrent callers share one statement (one round trip,
 * one commit): while statements are in flight, new inputs queue and go together in the next one.
 * A lone caller is sent at once, so nothing waits at low load. `run` answers each input at the
 * same position. If a shared statement fails, each of its inputs is tried alone, so one bad input
 * fails only its own caller.
 */
export class StatementBatcher<I, O> {
  private readonly queue: Waiting<I, O>[] = [];
  private inFlight = 0;

  constructor(
    private readonly run: (inputs: I[]) => Promise<O[]>,
    private readonly options: StatementBatcherOptions<I>,
  ) {}

  submit(input: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, size: this.options.sizeOf?.(input) ?? 0, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxStatementsInFlight && this.queue.length > 0) {
      const batch = this.takeBatch();
      this.inFlight += 1;
      void this.write(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private takeBatch(): Waiting<I, O>[] {
    const maxSize = this.options.maxSize ?? Infinity;
    let size = 0;
    let count = 0;
    while (
      count < this.queue.length &&
      count < this.options.maxInputs &&
      (count === 0 || size + this.queue[count].size <= maxSize)
    ) {
      size += this.queue[count].size;
      count += 1;
    }
    return this.queue.splice(0, count);
  }

  private async write(batch: Waiting<I, O>[]): Promise<void> {
    try {
      const outputs = await this.run(batch.map((entry) => entry.input));
      batch.forEach((entry, i) => entry.resolve(outputs[i]));
    } catch (error) {
      if (batch.length === 1) {
        batch[0].reject(error);
        return;
      }
      await Promise.all(batch.map((entry) => this.write([entry])));
    }
  }
}
