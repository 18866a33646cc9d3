import { Injectable } from '@nestjs/common';
import { TERMINAL_STATUSES } from './rules/task-status.js';
import type { Task } from './entities/task.entity.js';
import { TaskStatusWaiter } from './task-status-waiter.service.js';
import { TasksService } from './tasks.service.js';

/** GET /v1/tasks/{id}, optionally long-polling for the next status change. */
@Injectable()
export class TaskQueryService {
  constructor(
    private readonly tasks: TasksService,
    private readonly waiter: TaskStatusWaiter,
  ) {}

  async getOrWait(teamId: string, id: string, waitSeconds: number): Promise<Task> {
    const initial = await this.tasks.get(teamId, id);
    // A finished task has nothing left to wait for.
    if (waitSeconds === 0 || TERMINAL_STATUSES.includes(initial.status)) return initial;
    let latest = initial;
    await this.waiter.waitForChange(id, waitSeconds * 1000, async () => {
      latest = await this.tasks.get(teamId, id);
      return latest.status !== initial.status ? 'changed' : latest;
    });
    return latest.status !== initial.status ? latest : this.tasks.get(teamId, id);
  }
}
