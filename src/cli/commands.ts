import type { INestApplicationContext } from '@nestjs/common';
import { parseArgs } from 'node:util';
import { ApiKeysService } from '../auth/api-keys.service.js';
import { toApiKeyView, toTeamView } from '../auth/auth.views.js';
import { TeamsService } from '../auth/teams.service.js';
import { isUuid } from '../common/http/ids.js';
import { VaultRotationService } from '../vault/vault-rotation.service.js';

/** A mistake in the command line: the message, then the help of the level it was made at. */
export class CliUsageError extends Error {
  constructor(
    message: string,
    readonly help: string,
  ) {
    super(message);
  }
}

interface Command {
  summary: string;
  options: Record<string, { description: string; required?: boolean }>;
  run(app: INestApplicationContext, options: Record<string, string | undefined>): Promise<unknown>;
}

const COMMANDS: Record<string, Record<string, Command>> = {
  teams: {
    list: {
      summary: 'List every team: {"teams":[{"id","name","createdAt"}]}',
      options: {},
      run: async (app) => ({ teams: (await app.get(TeamsService).list()).map(toTeamView) }),
    },
    create: {
      summary: 'Create a team and its first API key: {"team":{...},"apiKey":"aq_live_..."}',
      options: { name: { description: 'name of the team', required: true } },
      run: async (app, { name }) => {
        const { team, key } = await app.get(TeamsService).create(name as string);
        return { team: toTeamView(team), apiKey: key };
      },
    },
  },
  keys: {
    create: {
      summary: 'Create an API key for a team: {"apiKey":{"id","name","prefix","createdAt"},"key":"aq_live_..."}',
      options: {
        team: { description: 'id of the team', required: true },
        name: { description: 'a label for the key (default "API key")' },
      },
      run: async (app, { team: teamId, name }) => {
        const team = await findTeam(app, teamId as string);
        const { apiKey, key } = await app.get(ApiKeysService).create(team.id, name?.trim() || 'API key');
        const { id, name: keyName, prefix, createdAt } = toApiKeyView(apiKey);
        return { apiKey: { id, name: keyName, prefix, createdAt }, key };
      },
    },
    list: {
      summary: 'List the active API keys of a team: {"apiKeys":[{"id","name","prefix","createdAt","lastUsedAt"}]}',
      options: { team: { description: 'id of the team', required: true } },
      run: async (app, { team: teamId }) => {
        const team = await findTeam(app, teamId as string);
        const apiKeys = await app.get(ApiKeysService).listActive(team.id);
        return { apiKeys: apiKeys.map((apiKey) => toApiKeyView(apiKey)) };
      },
    },
    revoke: {
      summary: 'Revoke an API key; it fails from its next request on: {"apiKey":{...,"revokedAt"}}',
      options: { id: { description: 'id of the API key (see keys list)', required: true } },
      run: async (app, { id }) => ({
        apiKey: toApiKeyView(await app.get(ApiKeysService).revokeById(id as string), true),
      }),
    },
  },
  vault: {
    rotate: {
      summary: 'Re-encrypt every stored secret under the primary key of VAULT_KEYS; prints counts',
      options: {},
      run: (app) => app.get(VaultRotationService).rotate(),
    },
  },
};

const PROGRAM = 'npm run cli --';

/** What the command line asks for: help text to print, or a command to run with its options. */
export type Invocation = { help: string } | { command: Command; options: Record<string, string | undefined> };

/**
 * Reads the command line without touching the database, so `--help` (at every level) and usage
 * mistakes answer at once.
 */
export function parseCommandLine(argv: string[]): Invocation {
  const [noun, verb, ...rest] = argv;
  if (noun === undefined || isHelp(noun)) return { help: programHelp() };
  const group = COMMANDS[noun];
  if (!group) throw new CliUsageError(`Unknown command "${noun}"`, programHelp());
  if (verb === undefined || isHelp(verb)) return { help: groupHelp(noun) };
  const command = group[verb];
  if (!command) throw new CliUsageError(`Unknown command "${noun} ${verb}"`, groupHelp(noun));
  if (rest.some(isHelp)) return { help: commandHelp(noun, verb) };
  return { command, options: optionsOf(noun, verb, command, rest) };
}

export function runCommand(app: INestApplicationContext, invocation: Extract<Invocation, { command: Command }>) {
  return invocation.command.run(app, invocation.options);
}

function optionsOf(noun: string, verb: string, command: Command, args: string[]): Record<string, string | undefined> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: Object.fromEntries(Object.keys(command.options).map((name) => [name, { type: 'string' as const }])),
      strict: true,
      allowPositionals: false,
    }) as { values: Record<string, string | undefined> });
  } catch (error) {
    throw new CliUsageError((error as Error).message, commandHelp(noun, verb));
  }
  for (const [name, option] of Object.entries(command.options)) {
    if (option.required && !values[name]?.trim()) {
      throw new CliUsageError(`--${name} is required`, commandHelp(noun, verb));
    }
  }
  return values;
}

async function findTeam(app: INestApplicationContext, teamId: string) {
  const team = isUuid(teamId) ? await app.get(TeamsService).findById(teamId) : null;
  if (!team) throw new Error(`Team "${teamId}" not found`);
  return team;
}

function isHelp(arg: string): boolean {
  return arg === '--help' || arg === '-h' || arg === 'help';
}

function programHelp(): string {
  const lines = Object.entries(COMMANDS).flatMap(([noun, group]) =>
    Object.entries(group).map(([verb, command]) => `  ${`${noun} ${verb}`.padEnd(14)} ${command.summary}`),
  );
  return [
    `Usage: ${PROGRAM} <command> [options]`,
    '',
    'Administers AsyncQueue with the same configuration as the server (DATABASE_URL or DATA_DIR,',
    'VAULT_KEYS). Each command prints one JSON document on stdout.',
    '',
    'Commands:',
    ...lines,
    '',
    `Run "${PROGRAM} <command> --help" for a command's options.`,
  ].join('\n');
}

function groupHelp(noun: string): string {
  const lines = Object.entries(COMMANDS[noun]).map(([verb, command]) => `  ${verb.padEnd(8)} ${command.summary}`);
  return [`Usage: ${PROGRAM} ${noun} <${Object.keys(COMMANDS[noun]).join('|')}> [options]`, '', ...lines].join('\n');
}

function commandHelp(noun: string, verb: string): string {
  const command = COMMANDS[noun][verb];
  const options = Object.entries(command.options).map(
    ([name, option]) => `  --${name.padEnd(6)} ${option.description}${option.required ? ' (required)' : ''}`,
  );
  const synopsis = Object.entries(command.options)
    .map(([name, option]) => (option.required ? `--${name} <${name}>` : `[--${name} <${name}>]`))
    .join(' ');
  return [
    `Usage: ${PROGRAM} ${noun} ${verb}${synopsis ? ` ${synopsis}` : ''}`,
    '',
    command.summary,
    ...(options.length ? ['', 'Options:', ...options] : []),
  ].join('\n');
}
