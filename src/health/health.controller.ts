import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { Response } from 'express';
import { Public } from '../common/access/public.decorator.js';
import { HealthResponse, HealthUnavailableResponse } from './health.views.js';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
  ) {}

  /**
   * Says whether the service can work.
   * @remarks 200 while the database answers a ping within 2 s, 503 otherwise.
   */
  @Public()
  @ApiOkResponse({ description: 'The database answered', type: HealthResponse })
  @ApiResponse({ status: 503, description: 'The database did not answer', type: HealthUnavailableResponse })
  @Get()
  @HttpCode(200)
  async check(@Res({ passthrough: true }) response: Response): Promise<HealthResponse | HealthUnavailableResponse> {
    try {
      const result = await this.health.check([() => this.database.pingCheck('database', { timeout: 2000 })]);
      // Terminus's own result, whose indicator maps it types loosely.
      return { ...result } as HealthResponse;
    } catch {
      response.status(503);
      return { status: 'error', error: 'Database is unavailable' };
    }
  }
}
