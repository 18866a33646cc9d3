import type { INestApplicationContext } from '@nestjs/common';
import { parseArgs } from 'node:util';
import { ApiKeysService } from '../auth/api-keys.service.js';
import { toApiKeyView, toTeamView } from '../auth/auth.views.js';
import { TeamsService } from '../auth/teams.service.js';
import { isUuid } from '../common/http/ids.js';
import { VaultRotationService } from '../vault/vault-rotation.service.js';

export class CliUsageError extends Error {
  static readonly usage = [
    'usage:',
    '  cli teams create --name <name>',
    '  cli keys create --team <teamId> [--name <name>]',
    '  cli vault rotate',
  ].join('\n');
}

type Command = (app: INestApplicationContext, args: string[]) => Promise<unknown>;

const COMMANDS: Record<string, Command> = {
  'teams create': async (app, args) => {
    const name = requiredOption(args, 'name');
    const { team, key } = await app.get(TeamsService).create(name);
    return { team: toTeamView(team), apiKey: key };
  },
  'keys create': async (app, args) => {
    const { team: teamId, name } = options(args, ['team', 'name']);
    if (!teamId) throw new CliUsageError('--team is required');
    const team = isUuid(teamId) ? await app.get(TeamsService).findById(teamId) : null;
    if (!team) throw new Error(`Team "${teamId}" not found`);
    const { apiKey, key } = await app.get(ApiKeysService).create(team.id, name?.trim() || 'API key');
    const { id, name: keyName, prefix, createdAt } = toApiKeyView(apiKey);
    return { apiKey: { id, name: keyName, prefix, createdAt }, key };
  },
  'vault rotate': async (app) => app.get(VaultRotationService).rotate(),
};

export async function runCommand(app: INestApplicationContext, argv: string[]): Promise<unknown> {
  const [noun, verb, ...rest] = argv;
  const command = COMMANDS[`${noun} ${verb}`];
  if (!command) throw new CliUsageError(`Unknown command "${[noun, verb].filter(Boolean).join(' ')}"`);
  return command(app, rest);
}

function options(args: string[], names: string[]): Record<string, string | undefined> {
  try {
    const { values } = parseArgs({
      args,
      options: Object.fromEntries(names.map((name) => [name, { type: 'string' as const }])),
      strict: true,
      allowPositionals: false,
    });
    return values;
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error));
  }
}

function requiredOption(args: string[], name: string): string {
  const value = options(args, [name])[name]?.trim();
  if (!value) throw new CliUsageError(`--${name} is required`);
  return value;
}
