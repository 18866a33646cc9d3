import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { logOutput as sut } from './log-output.js';

function linesWrittenWith(format: 'json' | 'pretty' | 'auto', terminal: boolean): string[] {
  const written: string[] = [];
  const collector = new PassThrough();
  collector.on('data', (chunk: Buffer) => written.push(...chunk.toString().split('\n').filter(Boolean)));
  const output = sut(format, terminal, collector);
  const logger = pino({ ...output.options, level: 'info' }, output.stream ?? collector);
  logger.info({ context: 'Tasks', taskId: 't1' }, 'Task t1 failed');
  return written;
}

describe('logOutput', () => {
  it('should write JSON lines with a level name and an ISO time when stdout is not a terminal', () => {
    for (const [format, terminal] of [
      ['auto', false],
      ['json', true],
    ] as const) {
      const [line] = linesWrittenWith(format, terminal);
      expect(JSON.parse(line)).toMatchObject({
        level: 'info',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        context: 'Tasks',
        taskId: 't1',
        msg: 'Task t1 failed',
      });
    }
  });

  it('should write one readable line without colour for LOG_FORMAT=pretty into a file', () => {
    const lines = linesWrittenWith('pretty', false);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO: \[Tasks\] Task t1 failed \{"taskId":"t1"\}$/,
    );
  });

  it('should write coloured readable lines on a terminal', () => {
    const [line] = linesWrittenWith('auto', true);
    expect(line).toContain('\u001b[');
    expect(line).toContain('Task t1 failed');
  });
});
