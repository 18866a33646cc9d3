import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import type pg from 'pg';
import type { DataSource } from 'typeorm';
import type { AppConfiguration } from '../config/configuration.js';
import { connectSidePool, openSidePool, querySidePool } from './side-pool.js';

/**
 * Planner settings that leave only index plans. A queue table's statistics are stale by nature:
 * a burst of tasks is drained before autovacuum gets to analyze it, and with no statistics the
 * planner sorted every runnable task on each claim and hash-joined each outcome batch against the
 * whole table (three times the database CPU per task in the drain benchmark). PostgreSQL has no
 * per-statement hints, and a prepared statement keeps the plan it got, so the connection carries
 * the setting. Generic plans from the first execution: PostgreSQL otherwise plans each prepared
 * statement five times before it considers one, and a claim has a statement per batch size, so
 * most claims of a drain were planned afresh.
 */
const INDEX_PLANS_ONLY =
  '-c plan_cache_mode=force_generic_plan -c enable_seqscan=off -c enable_bitmapscan=off -c enable_sort=off -c enable_hashjoin=off';

/**
 * Connections of their own for the executor's two statements that run thousands of times a
 * second: claiming due tasks and writing attempt outcomes. Both are written for one index plan
 * and get it whatever the statistics say. Claims also commit asynchronously: a claim lost in a
 * database crash only means the task runs again, which at-least-once delivery allows. Outcomes
 * commit synchronously, and that flush makes the claim before them durable too.
 * On the embedded database there is one connection, so both use the ordinary one.
 */
@Injectable()
export class QueueConnections implements OnApplicationShutdown {
  private readonly logger = new Logger(QueueConnections.name);
  private readonly claims: pg.Pool | null;
  private readonly outcomes: pg.Pool | null;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    config: ConfigService<AppConfiguration, true>,
  ) {
    const url = config.get('database', { infer: true }).url;
    // One claim runs at a time per worker; outcome batches may overlap while one waits for its flush.
    this.claims = openSidePool(url, 1, `-c synchronous_commit=off ${INDEX_PLANS_ONLY}`, this.logger);
    this.outcomes = openSidePool(url, 2, INDEX_PLANS_ONLY, this.logger);
  }

  /** Connects both pools, so a worker's first tasks do not wait for connections to open. */
  async connect(): Promise<void> {
    await Promise.all([connectSidePool(this.claims), connectSidePool(this.outcomes)]);
  }

  claim<T>(sql: string, params: unknown[], name: string): Promise<T[]> {
    return querySidePool<T>(this.claims, this.db, sql, params, name);
  }

  writeOutcomes<T>(sql: string, params: unknown[], name: string): Promise<T[]> {
    return querySidePool<T>(this.outcomes, this.db, sql, params, name);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.claims?.end(), this.outcomes?.end()]);
  }
}
