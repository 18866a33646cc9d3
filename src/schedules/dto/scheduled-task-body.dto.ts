import { OmitType } from '@nestjs/swagger';
import { CreateTaskDto } from '../../tasks/dto/create-task.dto.js';

/** For the OpenAPI document: a schedule's task is a POST /v1/tasks body without delayUntil. */
export class ScheduledTaskBody extends OmitType(CreateTaskDto, ['delayUntil'] as const) {}
