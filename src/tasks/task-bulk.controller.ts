import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../common/access/current-principal.decorator.js';
import { RequireScopes } from '../common/access/require-scopes.decorator.js';
import type { Principal } from '../common/access/principal.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { BulkTasksDto } from './dto/bulk-tasks.dto.js';
import { TaskBulkService } from './task-bulk.service.js';
import { BulkCancelResponse, BulkRetryResponse } from './task-bulk.views.js';

@ApiTags('tasks')
@Controller('v1/tasks')
export class TaskBulkController {
  constructor(private readonly bulk: TaskBulkService) {}

  /**
   * Cancels the team's pending and delayed tasks that match a filter.
   * @remarks Tasks in other statuses are skipped and not counted. Works through any number of
   * tasks in batches of 1,000 (each a short transaction) and answers when done; tasks created
   * after the request arrived are left alone. With `dryRun: true` only counts.
   */
  @RequireScopes('tasks:write')
  @ApiOkResponse({ type: BulkCancelResponse })
  @ApiErrors(400)
  @Post('cancel')
  @HttpCode(200)
  async cancel(@CurrentPrincipal() principal: Principal, @Body() dto: BulkTasksDto): Promise<BulkCancelResponse> {
    const { matched, changed } = await this.bulk.change('cancel', principal.teamId, dto);
    return { matched, cancelled: changed };
  }

  /**
   * Queues the team's failed and timed-out tasks that match a filter again.
   * @remarks Each gets a fresh set of retries; earlier attempts are kept and numbering continues.
   * Tasks in other statuses are skipped and not counted. Batches of 1,000, answered when done;
   * with `dryRun: true` only counts.
   */
  @RequireScopes('tasks:write')
  @ApiOkResponse({ type: BulkRetryResponse })
  @ApiErrors(400)
  @Post('retry')
  @HttpCode(200)
  async retry(@CurrentPrincipal() principal: Principal, @Body() dto: BulkTasksDto): Promise<BulkRetryResponse> {
    const { matched, changed } = await this.bulk.change('retry', principal.teamId, dto);
    return { matched, retried: changed };
  }
}
