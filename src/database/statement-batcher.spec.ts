import { StatementBatcher } from './statement-batcher.js';

/** A fake statement that records the batches it was given and answers when told to. */
function recordingStatement(answer: (input: number) => string = (input) => `answer ${input}`) {
  const batches: number[][] = [];
  const pending: (() => void)[] = [];
  const run = (inputs: number[]): Promise<string[]> => {
    batches.push(inputs);
    return new Promise((resolve, reject) =>
      pending.push(() => {
        try {
          resolve(inputs.map(answer));
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      }),
    );
  };
  const finishAll = async (): Promise<void> => {
    while (pending.length > 0) {
      pending.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { run, batches, finishAll };
}

describe('StatementBatcher', () => {
  it('should send a lone input at once and group the inputs that arrive while it runs', async () => {
    const statement = recordingStatement();
    const sut = new StatementBatcher(statement.run, { maxInputs: 10, maxStatementsInFlight: 1 });

    const answers = [sut.submit(1)];
    expect(statement.batches).toEqual([[1]]);
    answers.push(sut.submit(2), sut.submit(3), sut.submit(4));
    expect(statement.batches).toEqual([[1]]);
    await statement.finishAll();

    await expect(Promise.all(answers)).resolves.toEqual(['answer 1', 'answer 2', 'answer 3', 'answer 4']);
    expect(statement.batches).toEqual([[1], [2, 3, 4]]);
  });

  it('should split queued inputs by count and by size', async () => {
    const statement = recordingStatement();
    const sut = new StatementBatcher(statement.run, {
      maxInputs: 3,
      maxStatementsInFlight: 1,
      sizeOf: (input) => input,
      maxSize: 10,
    });

    const answers = [1, 2, 3, 4, 5, 6, 7].map((input) => sut.submit(input));
    await statement.finishAll();
    await Promise.all(answers);

    expect(statement.batches).toEqual([[1], [2, 3, 4], [5], [6], [7]]);
  });

  it('should retry a failed shared statement input by input, so only the bad input fails', async () => {
    const statement = recordingStatement((input) => {
      if (input === 3) throw new Error('bad input 3');
      return `answer ${input}`;
    });
    const sut = new StatementBatcher(statement.run, { maxInputs: 10, maxStatementsInFlight: 1 });

    const first = sut.submit(1);
    const rest = [2, 3, 4].map((input) => sut.submit(input).catch((error: Error) => error.message));
    await statement.finishAll();

    await expect(first).resolves.toBe('answer 1');
    await expect(Promise.all(rest)).resolves.toEqual(['answer 2', 'bad input 3', 'answer 4']);
    expect(statement.batches).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
  });
});
