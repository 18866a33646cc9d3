import { join } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { layerBoundaries } from '../eslint.config.js';

const ROOT = join(import.meta.dirname, '..');

/**
 * The layer rule of `npm run lint` (eslint.config.js) against imports written for the purpose:
 * it must refuse an import that points up or sideways, and let one that points down through.
 */
describe('Module layers (lint rule)', () => {
  const eslint = new ESLint({
    cwd: ROOT,
    overrideConfigFile: true,
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, layerBoundaries],
  });

  const problemsOf = async (file: string, source: string) => {
    const [result] = await eslint.lintText(source, { filePath: join(ROOT, file) });
    return result.messages.filter((message) => message.ruleId === 'boundaries/dependencies');
  };

  it.each([
    ['src/vault/probe.ts', "import { TasksService } from '../tasks/tasks.service.js';", 'vault', 'tasks'],
    ['src/common/probe.ts', "import { VaultService } from '../vault/vault.service.js';", 'common', 'vault'],
    ['src/database/probe.ts', "import { Task } from '../tasks/entities/task.entity.js';", 'database', 'tasks'],
    ['src/auth/probe.ts', "import { VaultService } from '../vault/vault.service.js';", 'auth', 'vault'],
    ['src/executor/probe.ts', "import { SignalDto } from '../waiting/dto/signal.dto.js';", 'executor', 'waiting'],
    ['src/tasks/probe.ts', "import { EgressService } from '../executor/egress.service.js';", 'tasks', 'executor'],
    [
      'src/schedules/probe.ts',
      "import { EgressService } from '../executor/egress.service.js';",
      'schedules',
      'executor',
    ],
    ['src/tasks/probe.ts', "import { CronTiming } from '../schedules/rules/cron-timing.js';", 'tasks', 'schedules'],
  ])('should refuse %s importing upward or sideways (%s)', async (file, source, from, to) => {
    const problems = await problemsOf(file, `${source}\nexport const probe = 1;\n`);
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toContain(`from elements of type "${from}" to elements of type "${to}"`);
  });

  it.each([
    ['src/tasks/probe.ts', "import { VaultService } from '../vault/vault.service.js';"],
    ['src/executor/probe.ts', "import { TaskRepository } from '../tasks/persistence/task.repository.js';"],
    ['src/waiting/probe.ts', "import { AppError } from '../common/errors/app-error.js';"],
    ['src/schedules/probe.ts', "import { TaskRepository } from '../tasks/persistence/task.repository.js';"],
    ['src/vault/probe.ts', "import { ulid } from 'ulid';"],
  ])('should let %s import downward or from a package (%s)', async (file, source) => {
    expect(await problemsOf(file, `${source}\nexport const probe = 1;\n`)).toEqual([]);
  });
});
