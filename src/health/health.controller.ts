import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { Response } from 'express';
import { Public } from '../common/access/public.decorator.js';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
  ) {}

  /** 200 while the database answers a ping within 2 s, 503 otherwise. */
  @Public()
  @Get()
  @HttpCode(200)
  async check(@Res({ passthrough: true }) response: Response): Promise<Record<string, unknown>> {
    try {
      const result = await this.health.check([() => this.database.pingCheck('database', { timeout: 2000 })]);
      return { ...result };
    } catch {
      response.status(503);
      return { status: 'error', error: 'Database is unavailable' };
    }
  }
}
