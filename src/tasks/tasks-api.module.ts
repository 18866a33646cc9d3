import { Module } from '@nestjs/common';
import { TasksController } from './tasks.controller.js';
import { TasksModule } from './tasks.module.js';

@Module({ imports: [TasksModule], controllers: [TasksController] })
export class TasksApiModule {}
