import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../common/access/current-principal.decorator.js';
import type { Principal } from '../common/access/principal.js';
import { RequireScopes } from '../common/access/require-scopes.decorator.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { CreateScheduleDto } from './dto/create-schedule.dto.js';
import { ScheduleListResponse, ScheduleResponse } from './dto/schedule-response.dto.js';
import { UpdateScheduleDto } from './dto/update-schedule.dto.js';
import { toScheduleView } from './schedule.views.js';
import { SchedulesService } from './schedules.service.js';

const CREATE_EXAMPLES = {
  everyFiveMinutes: {
    summary: 'Call an endpoint every 5 minutes with a vault token',
    value: {
      cron: '*/5 * * * *',
      task: {
        targetUrl: 'https://api.example.com/v1/sync',
        headers: { Authorization: 'tok_01jrx7m2k4q8c9d0e1f2g3h4j5' },
      },
    },
  },
  weekdayMornings: {
    summary: 'Weekdays at 09:00 Berlin time, into the reports queue',
    value: {
      cron: '0 9 * * MON-FRI',
      timezone: 'Europe/Berlin',
      task: {
        targetUrl: 'https://reports.example.com/daily',
        method: 'POST',
        body: '{"report":"daily"}',
        maxRetries: 5,
      },
    },
  },
  everyTenSeconds: {
    summary: 'Six fields: every 10 seconds, created paused',
    value: { cron: '*/10 * * * * *', paused: true, task: { targetUrl: 'https://api.example.com/ping', method: 'GET' } },
  },
};

@ApiTags('schedules')
@Controller('v1/schedules')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  /**
   * Creates a schedule.
   * @remarks At every due time of its cron, read in its time zone, one task is created from its
   * task body (carrying scheduleId), however many processes run. Task fields break rules as
   * `task: <message>`.
   */
  @RequireScopes('tasks:write')
  @ApiBody({ type: CreateScheduleDto, examples: CREATE_EXAMPLES })
  @ApiErrors(400, 503)
  @Post()
  @HttpCode(201)
  async create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateScheduleDto): Promise<ScheduleResponse> {
    return { schedule: toScheduleView(await this.schedules.create(principal.teamId, dto)) };
  }

  /** Lists the team's schedules, oldest first. */
  @RequireScopes('tasks:read')
  @Get()
  async list(@CurrentPrincipal() principal: Principal): Promise<ScheduleListResponse> {
    return { schedules: (await this.schedules.list(principal.teamId)).map(toScheduleView) };
  }

  /** Shows a schedule. */
  @RequireScopes('tasks:read')
  @ApiErrors(404)
  @Get(':id')
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<ScheduleResponse> {
    return { schedule: toScheduleView(await this.schedules.get(principal.teamId, id)) };
  }

  /**
   * Changes a schedule's cron, timezone, task or paused.
   * @remarks The task body is replaced whole; nextRunAt is computed again from now.
   */
  @RequireScopes('tasks:write')
  @ApiBody({
    type: UpdateScheduleDto,
    examples: {
      newTime: { summary: 'Move to 06:30 New York time', value: { cron: '30 6 * * *', timezone: 'America/New_York' } },
    },
  })
  @ApiErrors(400, 404, 503)
  @Patch(':id')
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() dto: UpdateScheduleDto,
  ): Promise<ScheduleResponse> {
    return { schedule: toScheduleView(await this.schedules.update(principal.teamId, id, dto)) };
  }

  /**
   * Deletes a schedule.
   * @remarks It makes no more tasks; the tasks it made are kept as they are.
   */
  @RequireScopes('tasks:write')
  @ApiErrors(400, 404)
  @Delete(':id')
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<ScheduleResponse> {
    return { schedule: toScheduleView(await this.schedules.delete(principal.teamId, id)) };
  }

  /**
   * Pauses a schedule.
   * @remarks It makes no tasks until resumed; nextRunAt becomes null.
   */
  @RequireScopes('tasks:write')
  @ApiErrors(400, 404)
  @Post(':id/pause')
  @HttpCode(200)
  async pause(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<ScheduleResponse> {
    return { schedule: toScheduleView(await this.schedules.update(principal.teamId, id, { paused: true })) };
  }

  /**
   * Resumes a paused schedule.
   * @remarks It makes tasks again from the next due time after now; times missed while paused are not made up.
   */
  @RequireScopes('tasks:write')
  @ApiErrors(400, 404)
  @Post(':id/resume')
  @HttpCode(200)
  async resume(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<ScheduleResponse> {
    return { schedule: toScheduleView(await this.schedules.update(principal.teamId, id, { paused: false })) };
  }
}
