import { Global, Module } from '@nestjs/common';
import { HttpDrainService } from './http/http-drain.service.js';
import { AddressPolicy } from './net/address-policy.js';
import { Clock } from './time/clock.js';

/** Shared by every module: the clock and the outbound address policy; the HTTP drain on shutdown. */
@Global()
@Module({ providers: [Clock, AddressPolicy, HttpDrainService], exports: [Clock, AddressPolicy] })
export class CommonModule {}
