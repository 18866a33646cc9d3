import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '../common/access/public.decorator.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { TaskSummaryResponse, toTaskSummaryView } from '../tasks/tasks.views.js';
import { SignalDto } from './dto/signal.dto.js';
import { WaitResolutionService } from './wait-resolution.service.js';

@ApiTags('waiting')
@Controller('v1/signals')
export class SignalsController {
  constructor(private readonly waits: WaitResolutionService) {}

  /**
   * Ends a task that waits for a signal.
   * @remarks The one-time token from the create response is the credential: 404 when it is
   * unknown, used or expired; 409 when the task is not waiting. The answer is a summary: whoever
   * holds the token is not necessarily allowed to read the task.
   * @param token The signalToken of the create response (`aq_sig_...`).
   */
  @Public()
  @ApiErrors(400, 404, 409)
  @Post(':token')
  @HttpCode(200)
  async signal(@Param('token') token: string, @Body() dto: SignalDto): Promise<TaskSummaryResponse> {
    return { task: toTaskSummaryView(await this.waits.signal(token, dto)) };
  }
}
