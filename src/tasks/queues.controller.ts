import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../common/access/current-principal.decorator.js';
import { RequireScopes } from '../common/access/require-scopes.decorator.js';
import type { Principal } from '../common/access/principal.js';
import { AppError } from '../common/errors/app-error.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { PutQueueDto } from './dto/put-queue.dto.js';
import { QueueRepository } from './persistence/queue.repository.js';
import { QUEUE_NAME_PATTERN, queueNameProblem } from './rules/queue-name.js';
import { QueueListResponse, QueueResponse, toQueueView } from './queues.views.js';

@ApiTags('queues')
@Controller('v1/queues')
export class QueuesController {
  constructor(private readonly queues: QueueRepository) {}

  /** Lists the team's queues. */
  @RequireScopes('tasks:read')
  @Get()
  async list(@CurrentPrincipal() principal: Principal): Promise<QueueListResponse> {
    return { queues: (await this.queues.list(principal.teamId)).map(toQueueView) };
  }

  /**
   * Shows a queue.
   * @param name The queue's name.
   */
  @RequireScopes('tasks:read')
  @ApiErrors(404)
  @Get(':name')
  async get(@CurrentPrincipal() principal: Principal, @Param('name') name: string): Promise<QueueResponse> {
    return { queue: await this.view(principal.teamId, name) };
  }

  /**
   * Creates a queue or changes its settings.
   * @remarks Settings left out stay as they are; `null` clears a limit. Tasks of the queue follow at once.
   * @param name The queue's name: 1 to 64 of a-z, 0-9, `_` and `-`, starting with a letter or digit.
   */
  @RequireScopes('tasks:write')
  @ApiErrors(400)
  @Put(':name')
  async put(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Body() dto: PutQueueDto,
  ): Promise<QueueResponse> {
    const problem = queueNameProblem('queue name', name);
    if (problem) throw new AppError('invalid_request', problem);
    await this.queues.put(principal.teamId, name, dto);
    return { queue: await this.view(principal.teamId, name) };
  }

  /**
   * Pauses a queue.
   * @remarks Nothing of it is claimed until it is resumed; calls in flight finish.
   * @param name The queue's name.
   */
  @RequireScopes('tasks:write')
  @ApiErrors(400, 404)
  @Post(':name/pause')
  @HttpCode(200)
  pause(@CurrentPrincipal() principal: Principal, @Param('name') name: string): Promise<QueueResponse> {
    return this.setPaused(principal.teamId, name, true);
  }

  /**
   * Resumes a paused queue.
   * @remarks Its due tasks start at once.
   * @param name The queue's name.
   */
  @RequireScopes('tasks:write')
  @ApiErrors(400, 404)
  @Post(':name/resume')
  @HttpCode(200)
  resume(@CurrentPrincipal() principal: Principal, @Param('name') name: string): Promise<QueueResponse> {
    return this.setPaused(principal.teamId, name, false);
  }

  private async setPaused(teamId: string, name: string, paused: boolean): Promise<QueueResponse> {
    await this.view(teamId, name);
    await this.queues.put(teamId, name, { paused });
    return { queue: await this.view(teamId, name) };
  }

  private async view(teamId: string, name: string) {
    const queue = QUEUE_NAME_PATTERN.test(name) ? await this.queues.find(teamId, name) : null;
    if (!queue) throw new AppError('not_found', 'Queue not found');
    return toQueueView(queue);
  }
}
