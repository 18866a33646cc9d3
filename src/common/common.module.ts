import { Global, Module } from '@nestjs/common';
import { Clock } from './time/clock.js';

@Global()
@Module({ providers: [Clock], exports: [Clock] })
export class CommonModule {}
