import { ApiKey } from './auth/entities/api-key.entity.js';
import { OAuthAccessToken } from './auth/entities/oauth-access-token.entity.js';
import { OAuthClient } from './auth/entities/oauth-client.entity.js';
import { Team } from './auth/entities/team.entity.js';
import { Schedule } from './schedules/entities/schedule.entity.js';
import { TaskAttempt } from './tasks/entities/task-attempt.entity.js';
import { Task } from './tasks/entities/task.entity.js';
import { VaultToken } from './vault/entities/vault-token.entity.js';
import { WebhookSecret } from './vault/entities/webhook-secret.entity.js';

/** Every TypeORM entity of the service; the boot files (app, CLI, TypeORM CLI) hand it to the database. */
export const ENTITIES = [
  Team,
  ApiKey,
  OAuthClient,
  OAuthAccessToken,
  VaultToken,
  WebhookSecret,
  Task,
  TaskAttempt,
  Schedule,
];
