import { Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiBody, ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { enforceRateLimit } from '../auth/rate-limit/rate-limit-response.js';
import { RateLimiterService } from '../auth/rate-limit/rate-limiter.service.js';
import { Public } from '../common/access/public.decorator.js';
import type { AppConfiguration } from '../config/configuration.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { TaskSummaryResponse, toTaskSummaryView } from '../tasks/tasks.views.js';
import { callbackResultOf, CALLBACKS_PATH } from './callback-body.js';
import { WaitResolutionService } from './wait-resolution.service.js';

@ApiTags('waiting')
@Controller(CALLBACKS_PATH)
export class CallbacksController {
  private readonly limitPerMinute: number;

  constructor(
    private readonly waits: WaitResolutionService,
    private readonly limiter: RateLimiterService,
    config: ConfigService<AppConfiguration, true>,
  ) {
    this.limitPerMinute = config.get('auth', { infer: true }).callbackRateLimitPerMinute;
  }

  /**
   * Completes a waiting or polling task with a provider's report.
   * @remarks The URL that replaced {asyncqueue_callback_url}. No credentials: the 256-bit id is the
   * secret, usable once. The raw body, whatever its content type, becomes the task's result as
   * `{statusCode: 200, headers: {}, body, duration: 0}` (base64 with `bodyEncoding` when it is not
   * UTF-8 text). Limited per client address, counted before the id is looked at.
   * @param id The callback id (64 hex characters).
   */
  @Public()
  @ApiConsumes('application/json', 'text/plain', 'application/octet-stream')
  @ApiBody({ required: false, description: 'Anything, at most 1 MiB: kept as the result body', schema: {} })
  @ApiErrors(404, 409, 413, 429)
  @Post(':id')
  @HttpCode(200)
  async receive(
    @Param('id') id: string,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<TaskSummaryResponse> {
    enforceRateLimit(await this.limiter.consume(`callback:${request.ip}`, this.limitPerMinute), response);
    return { task: toTaskSummaryView(await this.waits.callback(id, callbackResultOf(request))) };
  }
}
