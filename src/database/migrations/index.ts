import { CreateAuthTables1764230400000 } from './1764230400000-CreateAuthTables.js';
import { CreateVaultTables1764230400001 } from './1764230400001-CreateVaultTables.js';
import { CreateTaskTables1764230400002 } from './1764230400002-CreateTaskTables.js';
import { AddWaitingTasks1764230400003 } from './1764230400003-AddWaitingTasks.js';
import { DropOpenStatusIndex1764230400004 } from './1764230400004-DropOpenStatusIndex.js';
import { NotifyWatchedTasksOnly1764230400005 } from './1764230400005-NotifyWatchedTasksOnly.js';
import { AddVaultAllowedHosts1764230400006 } from './1764230400006-AddVaultAllowedHosts.js';
import { AddSchedules1764230400030 } from './1764230400030-AddSchedules.js';
import { AddBatchIdempotencyKeys1764230400031 } from './1764230400031-AddBatchIdempotencyKeys.js';
import { AddQueues1764230400040 } from './1764230400040-AddQueues.js';
import { DataLifecycle1764230400050 } from './1764230400050-DataLifecycle.js';
import { ScheduledTasksAhead1764230400060 } from './1764230400060-ScheduledTasksAhead.js';
import { GatedClaimByLevel1764230400070 } from './1764230400070-GatedClaimByLevel.js';

/** Listed explicitly: ES modules cannot be globbed by TypeORM at runtime. */
export const MIGRATIONS = [
  CreateAuthTables1764230400000,
  CreateVaultTables1764230400001,
  CreateTaskTables1764230400002,
  AddWaitingTasks1764230400003,
  DropOpenStatusIndex1764230400004,
  NotifyWatchedTasksOnly1764230400005,
  AddVaultAllowedHosts1764230400006,
  AddSchedules1764230400030,
  AddBatchIdempotencyKeys1764230400031,
  AddQueues1764230400040,
  DataLifecycle1764230400050,
  ScheduledTasksAhead1764230400060,
  GatedClaimByLevel1764230400070,
];
