import { Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { enforceRateLimit } from '../auth/rate-limit/rate-limit-response.js';
import { RateLimiterService } from '../auth/rate-limit/rate-limiter.service.js';
import { Public } from '../common/decorators/public.decorator.js';
import type { AppConfiguration } from '../config/configuration.js';
import { toTaskSummaryView, type TaskSummaryView } from '../tasks/tasks.views.js';
import { readCallbackPayload } from './callback-payload.js';
import { WaitResolutionService } from './wait-resolution.service.js';

@ApiTags('waiting')
@Controller('v1/callbacks')
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
   * Where providers report (the URL that replaced {asyncqueue_callback_url}). No credentials: the
   * 256-bit id is the secret, usable once. The body (JSON, or text) becomes the task's result.
   * Limited per client address, counted before the id is looked at.
   */
  @Public()
  @Post(':id')
  @HttpCode(200)
  async receive(
    @Param('id') id: string,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ task: TaskSummaryView }> {
    enforceRateLimit(await this.limiter.consume(`callback:${request.ip}`, this.limitPerMinute), response);
    const payload = await readCallbackPayload(request);
    return { task: toTaskSummaryView(await this.waits.callback(id, payload)) };
  }
}
