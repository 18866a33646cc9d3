import { Global, Module } from '@nestjs/common';
import { HttpDrainService } from './http/http-drain.service.js';
import { Clock } from './time/clock.js';

@Global()
@Module({ providers: [Clock, HttpDrainService], exports: [Clock] })
export class CommonModule {}
