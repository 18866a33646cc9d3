import { EventEmitter } from 'node:events';
import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import pg from 'pg';
import { getPGliteInstance } from 'typeorm-pglite';
import type { AppConfiguration } from '../config/configuration.js';

export const TASK_STATUS_CHANNEL = 'aq_task_status';
export const TASK_DUE_CHANNEL = 'aq_task_due';
const RECONNECT_DELAY_MS = 1000;

/**
 * One LISTEN connection per process, fanned out in memory: long-polls and idle workers wait on
 * an event instead of querying. On PGlite the same notifications arrive through its own listen().
 * A process listens only to what its roles use: status changes for the API's long-polls, due
 * tasks for the worker. A worker that listened to status changes would receive (and PostgreSQL
 * would deliver) one notification per claim and per completion batch for nothing.
 */
@Injectable()
export class NotificationListener implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(NotificationListener.name);
  private readonly events = new EventEmitter();
  private client: pg.Client | null = null;
  private unlistenPglite: (() => Promise<void>)[] = [];
  private stopped = false;
  private readonly channels: string[];

  constructor(private readonly config: ConfigService<AppConfiguration, true>) {
    this.events.setMaxListeners(0);
    this.channels = [
      ...(config.get('http', { infer: true }).apiEnabled ? [TASK_STATUS_CHANNEL] : []),
      ...(config.get('executor', { infer: true }).enabled ? [TASK_DUE_CHANNEL] : []),
    ];
  }

  on(channel: string, handler: (payload: string) => void): () => void {
    this.events.on(channel, handler);
    return () => this.events.off(channel, handler);
  }

  async onModuleInit(): Promise<void> {
    const url = this.config.get('database', { infer: true }).url;
    if (url) {
      await this.connect(url);
      return;
    }
    const pglite = await getPGliteInstance();
    for (const channel of this.channels) {
      this.unlistenPglite.push(await pglite.listen(channel, (payload) => this.events.emit(channel, payload)));
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => undefined);
    this.client = null;
    await Promise.all(this.unlistenPglite.map((unlisten) => unlisten().catch(() => undefined)));
  }

  private async connect(url: string): Promise<void> {
    const client = new pg.Client({ connectionString: url });
    client.on('notification', (message) => this.events.emit(message.channel, message.payload ?? ''));
    client.on('error', (error) => {
      this.logger.warn(`Notification connection lost: ${error.message}`);
      this.reconnectLater(url);
    });
    await client.connect();
    for (const channel of this.channels) await client.query(`LISTEN ${channel}`);
    this.client = client;
  }

  private reconnectLater(url: string): void {
    if (this.stopped) return;
    void this.client?.end().catch(() => undefined);
    this.client = null;
    setTimeout(() => {
      if (this.stopped) return;
      this.connect(url).catch(() => this.reconnectLater(url));
    }, RECONNECT_DELAY_MS).unref();
  }
}
