import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal } from '../common/access/current-principal.decorator.js';
import { RequireScopes } from '../common/access/require-scopes.decorator.js';
import type { Principal } from '../common/access/principal.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { CreateTaskBatchDto } from './dto/create-task-batch.dto.js';
import { CreateTaskDto } from './dto/create-task.dto.js';
import { TaskBatchResponse } from './dto/task-batch-response.dto.js';
import { GetTaskQuery } from './dto/get-task.query.js';
import { ListTasksQuery } from './dto/list-tasks.query.js';
import { encodeCursor } from './rules/list-cursor.js';
import { TaskQueryService } from './task-query.service.js';
import { TasksService } from './tasks.service.js';
import {
  AttemptListResponse,
  CreatedTaskResponse,
  TaskListResponse,
  TaskResponse,
  taskViewFor,
  toAttemptView,
  toTaskWriterView,
} from './tasks.views.js';
import { CREATE_TASK_EXAMPLES } from './dto/create-task.examples.js';

const TASK_BATCH_EXAMPLES = {
  images: {
    summary: 'Three image generations with a vault token',
    value: {
      tasks: [1, 2, 3].map((n) => ({
        targetUrl: 'https://api.example.com/v1/generate',
        headers: { Authorization: 'tok_01jrx7m2k4q8c9d0e1f2g3h4j5', 'Content-Type': 'application/json' },
        body: `{"prompt":"image ${n}"}`,
        priority: 7,
      })),
    },
  },
};

@ApiTags('tasks')
@Controller('v1/tasks')
export class TasksController {
  constructor(
    private readonly tasks: TasksService,
    private readonly queries: TaskQueryService,
  ) {}

  /**
   * Queues an HTTP call.
   * @remarks 201 when created; 200 with `Idempotent-Replayed: true` when an Idempotency-Key repeats
   * with the same body (a replay does not show the signalToken again).
   */
  @RequireScopes('tasks:write')
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'At most 255 characters, kept 24 h per team',
  })
  @ApiBody({ type: CreateTaskDto, examples: CREATE_TASK_EXAMPLES })
  @ApiCreatedResponse({ description: 'The task, queued', type: CreatedTaskResponse })
  @ApiOkResponse({
    description: 'A repeat of an earlier Idempotency-Key with the same body: the original task',
    type: CreatedTaskResponse,
    headers: { 'Idempotent-Replayed': { description: 'Always `true`', schema: { type: 'string', enum: ['true'] } } },
  })
  @ApiErrors(400, 413, 422, 503)
  @Post()
  @HttpCode(201)
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: CreateTaskDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CreatedTaskResponse> {
    const { task, replayed, signalToken, callbackUrl } = await this.tasks.create(principal.teamId, dto, idempotencyKey);
    if (replayed) {
      response.status(200);
      response.setHeader('Idempotent-Replayed', 'true');
    }
    return {
      task: toTaskWriterView(task),
      ...(signalToken && { signalToken }),
      ...(callbackUrl && { callbackUrl }),
    };
  }

  /**
   * Queues 1 to 1,000 tasks in one request, all or none.
   * @remarks Answered in the order given; an item that breaks a rule is named as `tasks[i]: <message>`.
   * One request for the team's rate limit; an Idempotency-Key stands for the whole batch.
   */
  @RequireScopes('tasks:write')
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'At most 255 characters, kept 24 h; a repeat of the same batch returns its tasks (200)',
  })
  @ApiBody({ type: CreateTaskBatchDto, examples: TASK_BATCH_EXAMPLES })
  @ApiCreatedResponse({ type: TaskBatchResponse, description: 'The tasks, in the order of the request' })
  @ApiErrors(400, 413, 422, 503)
  @Post('batch')
  @HttpCode(201)
  async createBatch(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: CreateTaskBatchDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<TaskBatchResponse> {
    const { tasks, replayed } = await this.tasks.createBatch(principal.teamId, dto.tasks, idempotencyKey);
    if (replayed) {
      response.status(200);
      response.setHeader('Idempotent-Replayed', 'true');
    }
    return {
      tasks: tasks.map(({ task, signalToken, callbackUrl }) => ({
        ...toTaskWriterView(task),
        ...(signalToken && { signalToken }),
        ...(callbackUrl && { callbackUrl }),
      })),
    };
  }

  /** Lists the team's tasks, newest first. */
  @RequireScopes('tasks:read')
  @ApiErrors(400)
  @Get()
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListTasksQuery): Promise<TaskListResponse> {
    const page = await this.tasks.list(principal.teamId, query);
    return {
      tasks: page.tasks.map(taskViewFor(principal)),
      pagination: {
        total: page.total,
        totalIsEstimate: page.totalIsEstimate,
        limit: query.limit,
        offset: query.offset,
        hasMore: page.next !== null,
        nextCursor: page.next && encodeCursor(page.next),
      },
    };
  }

  /**
   * Shows a task.
   * @remarks With `?wait=N` the request is held until the status changes or N seconds (≤ 25) pass.
   * @param id The task's id.
   */
  @RequireScopes('tasks:read')
  @ApiErrors(400, 404)
  @Get(':id')
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query() query: GetTaskQuery,
  ): Promise<TaskResponse> {
    return {
      task: taskViewFor(principal)(await this.queries.getOrWait(principal.teamId, id, query.wait ?? 0)),
    };
  }

  /**
   * Cancels a pending or delayed task.
   * @remarks 409 from any other status.
   * @param id The task's id.
   */
  @RequireScopes('tasks:write')
  @ApiErrors(400, 404, 409)
  @Post(':id/cancel')
  @HttpCode(200)
  async cancel(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<TaskResponse> {
    return { task: toTaskWriterView(await this.tasks.cancel(principal.teamId, id)) };
  }

  /**
   * Queues a failed or timed-out task again.
   * @remarks A fresh set of retries; earlier attempts are kept and numbering continues. 409 from any other status.
   * @param id The task's id.
   */
  @RequireScopes('tasks:write')
  @ApiErrors(400, 404, 409)
  @Post(':id/retry')
  @HttpCode(200)
  async retry(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<TaskResponse> {
    return { task: toTaskWriterView(await this.tasks.retry(principal.teamId, id)) };
  }

  /**
   * Lists the calls a task has made.
   * @param id The task's id.
   */
  @RequireScopes('tasks:read')
  @ApiErrors(404)
  @Get(':id/attempts')
  async attempts(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<AttemptListResponse> {
    return {
      attempts: (await this.tasks.attempts(principal.teamId, id)).map(toAttemptView),
    };
  }
}
