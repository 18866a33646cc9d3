import pg from 'pg';
import { LifecycleSweeper, SWEEP_BATCH } from '../src/lifecycle/lifecycle-sweeper.service.js';
import { VaultRotationService } from '../src/vault/vault-rotation.service.js';
import { SinkServer, waitFor } from './helpers/sink-server.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { testDatabaseKind } from './helpers/test-env.js';
import { bearer, randomVaultKey, startTestApp, type TestApp } from './helpers/test-app.js';

const onPostgres = testDatabaseKind() === 'pglite' ? it.skip : it;

/**
 * SPEC §11 against a real database: retry keeps attempts, revoking destroys the sealed secret,
 * rotation leaves no old ciphertext, and each sweep removes exactly what it should.
 */
describe('Data lifecycle (e2e)', () => {
  let database: TestDatabase;
  let sut: TestApp;
  let sink: SinkServer;
  let team: { teamId: string; key: string };
  const keyOne = randomVaultKey('k1');

  beforeAll(async () => {
    database = await createTestDatabase();
    sink = await SinkServer.start();
    sut = await startTestApp(database, {
      VAULT_KEYS: keyOne,
      WORKER_ENABLED: 'true',
      ALLOWED_PRIVATE_TARGETS: '127.0.0.1/32',
      EXECUTOR_POLL_INTERVAL_MS: '100',
      TASK_RETENTION_DAYS: '1',
      // The loop stays out of the way: each test runs its pass itself.
      SWEEP_INTERVAL_SECONDS: '60',
    });
    team = await sut.createTeam('lifecycle');
  });

  afterAll(async () => {
    await sut.close();
    await sink.close();
    await database.drop();
  });

  const taskOf = async (id: string) =>
    (await sut.http().get(`/v1/tasks/${id}`).set(bearer(team.key)).expect(200)).body.task as {
      status: string;
      error: string | null;
    };

  describe('retry', () => {
    it('should keep the earlier attempts and number the next one after them', async () => {
      let answer = 500;
      sink.handler = (_call, response) => {
        response.statusCode = answer;
        response.end('{}');
      };
      const created = await sut
        .http()
        .post('/v1/tasks')
        .set(bearer(team.key))
        .send({ targetUrl: sink.url('/retry'), maxRetries: 0 })
        .expect(201);
      const id = created.body.task.id as string;
      await waitFor(async () => (await taskOf(id)).status === 'failed', 10_000, 'the first failure');

      answer = 200;
      const retried = await sut.http().post(`/v1/tasks/${id}/retry`).set(bearer(team.key)).expect(200);
      expect(retried.body.task).toMatchObject({ status: 'pending', retryCount: 0 });
      await waitFor(async () => (await taskOf(id)).status === 'completed', 10_000, 'the retried call');

      const attempts = await sut.http().get(`/v1/tasks/${id}/attempts`).set(bearer(team.key)).expect(200);
      expect(attempts.body.attempts).toEqual([
        expect.objectContaining({ number: 1, statusCode: 500 }),
        expect.objectContaining({ number: 2, statusCode: 200 }),
      ]);
      expect(sink.callsTo('/retry').map((call) => call.headers['x-asyncqueue-attempt'])).toEqual(['1', '2']);
    }, 30_000);
  });

  describe('vault', () => {
    it('should destroy the sealed secret on revoke, and fail a task that references it without calling', async () => {
      const token = await sut
        .http()
        .post('/v1/tokens')
        .set(bearer(team.key))
        .send({ name: 'short-lived', value: 'sk-lifecycle-secret' })
        .expect(201);
      const tokenId = token.body.token.id as string;
      const task = await sut
        .http()
        .post('/v1/tasks')
        .set(bearer(team.key))
        .send({
          targetUrl: sink.url('/revoked'),
          headers: { Authorization: tokenId },
          delayUntil: new Date(Date.now() + 1500).toISOString(),
        })
        .expect(201);

      const revoked = await sut.http().delete(`/v1/tokens/${tokenId}`).set(bearer(team.key)).expect(200);
      expect(revoked.body.token).toEqual({ id: tokenId, name: 'short-lived', revokedAt: expect.any(String) });

      const [row] = await sut.db.query<Record<string, unknown>[]>(
        `SELECT id, name, revoked_at IS NOT NULL AS revoked, key_id, iv, ciphertext, auth_tag FROM vault_tokens WHERE id = $1`,
        [tokenId],
      );
      expect(row).toEqual({
        id: tokenId,
        name: 'short-lived',
        revoked: true,
        key_id: null,
        iv: null,
        ciphertext: null,
        auth_tag: null,
      });
      await expect(
        sut.db.query(`UPDATE vault_tokens SET revoked_at = NULL WHERE id = $1`, [tokenId]),
      ).rejects.toThrow();

      const id = task.body.task.id as string;
      const ended = await waitFor(
        async () => {
          const current = await taskOf(id);
          return current.status === 'failed' ? current : undefined;
        },
        10_000,
        'the task to fail',
      );
      expect(ended.error).toBe(`Vault token "${tokenId}" was revoked`);
      expect(sink.callsTo('/revoked')).toEqual([]);
      await sut.http().delete(`/v1/tokens/${tokenId}`).set(bearer(team.key)).expect(404);
    }, 30_000);

    onPostgres(
      'should leave no ciphertext under the retired key after a rotation, not even in dead row versions',
      async () => {
        // A database of its own: after the rotation, processes with the old key alone cannot start.
        const own = await createTestDatabase();
        const app = await startTestApp(own, { VAULT_KEYS: keyOne });
        try {
          const owner = await app.createTeam('rotation');
          const newToken = (name: string, value: string) =>
            app.http().post('/v1/tokens').set(bearer(owner.key)).send({ name, value }).expect(201);
          const token = await newToken('rotated', 'sk-rotate-me');
          const revokedToken = await newToken('revoked before rotation', 'sk-gone');
          await app.http().delete(`/v1/tokens/${revokedToken.body.token.id}`).set(bearer(owner.key)).expect(200);
          const [{ old }] = await app.db.query<{ old: string }[]>(
            `SELECT encode(ciphertext, 'hex') AS old FROM vault_tokens WHERE id = $1`,
            [token.body.token.id],
          );

          const rotating = await startTestApp(own, { VAULT_KEYS: `${randomVaultKey('k2')},${keyOne}` });
          const report = await rotating.app.get(VaultRotationService).rotate();
          await rotating.close();
          expect(report).toMatchObject({ primaryKeyId: 'k2', failed: [], remaining: 0, compacted: true });

          const rows = await app.db.query<{ key_id: string | null }[]>(
            `SELECT key_id FROM vault_tokens ORDER BY key_id`,
          );
          expect(rows.map((r) => r.key_id)).toEqual(['k2', null]);
          // Every byte of the table's file, live or dead row versions: the old ciphertext is nowhere.
          await app.db.query('CREATE EXTENSION IF NOT EXISTS pageinspect');
          const [{ found }] = await app.db.query<{ found: boolean }[]>(
            `SELECT coalesce(bool_or(position(decode($1, 'hex') IN get_raw_page('vault_tokens', 'main', n::int)) > 0), false) AS found
             FROM generate_series(0, pg_relation_size('vault_tokens') / current_setting('block_size')::int - 1) AS n`,
            [old],
          );
          expect(found).toBe(false);
        } finally {
          await app.close();
          await own.drop();
        }
      },
      30_000,
    );
  });

  describe('sweeps', () => {
    /**
     * Inserts `count` tasks of the team in one statement; ages are in hours before now. Unfinished
     * ones are due tomorrow, so the worker leaves them alone (and their target is loopback anyway).
     */
    const insertTasks = async (
      count: number,
      status: string,
      completedHoursAgo: number | null,
      extra: { callbackId?: boolean; signal?: boolean; webhookSending?: boolean } = {},
    ): Promise<string[]> => {
      const rows = await sut.db.query<{ id: string }[]>(
        `INSERT INTO tasks (id, team_id, status, target_url, method, headers, timeout_seconds, max_wait_seconds,
           max_retries, retry_backoff, priority, created_at, run_at, completed_at, attempt_count, callback_id, signal_token_hash,
           on_complete_url, on_complete_state, on_complete_claimed_at)
         SELECT gen_random_uuid(), $1, $2, $7, 'POST', '{}', 30, 30, 3, 'exponential', 5,
           now() - interval '3 days', now() + interval '1 day',
           CASE WHEN $3::float8 IS NULL THEN NULL ELSE now() - make_interval(secs => $3::float8 * 3600) END, 1,
           CASE WHEN $5 THEN md5(random()::text) || md5(random()::text) END,
           CASE WHEN $6 THEN md5(random()::text) END,
           CASE WHEN $8 THEN $7 END, CASE WHEN $8 THEN 'sending' END, CASE WHEN $8 THEN now() END
         FROM generate_series(1, $4) RETURNING id`,
        [
          team.teamId,
          status,
          completedHoursAgo,
          count,
          extra.callbackId ?? false,
          extra.signal ?? false,
          sink.url('/never'),
          extra.webhookSending ?? false,
        ],
      );
      const ids = rows.map((row) => row.id);
      await sut.db.query(
        `INSERT INTO task_attempts (task_id, number, started_at, duration_ms, status_code)
         SELECT id, 1, now() - interval '3 days', 5, 200 FROM unnest($1::uuid[]) AS id`,
        [ids],
      );
      return ids;
    };
    const existing = async (ids: string[]) => {
      const [{ tasks, attempts }] = await sut.db.query<{ tasks: number; attempts: number }[]>(
        `SELECT (SELECT count(*) FROM tasks WHERE id = ANY($1::uuid[]))::int AS tasks,
                (SELECT count(*) FROM task_attempts WHERE task_id = ANY($1::uuid[]))::int AS attempts`,
        [ids],
      );
      return { tasks, attempts };
    };
    const sweeper = () => sut.app.get(LifecycleSweeper);

    it('should delete finished tasks past retention with their attempts, in batches, and nothing else (not one whose webhook is due)', async () => {
      await sweeper().sweepOnce();
      const old = [
        ...(await insertTasks(SWEEP_BATCH * 2 + 500, 'completed', 48)),
        ...(await insertTasks(1, 'failed', 25)),
        ...(await insertTasks(1, 'timeout', 30)),
        ...(await insertTasks(1, 'cancelled', 100)),
      ];
      const kept = [
        ...(await insertTasks(1, 'completed', 23)),
        ...(await insertTasks(1, 'failed', 1)),
        ...(await insertTasks(1, 'pending', null)),
        ...(await insertTasks(1, 'delayed', null)),
        ...(await insertTasks(1, 'processing', null)),
        ...(await insertTasks(1, 'waiting', null)),
        ...(await insertTasks(1, 'polling', null)),
        // Their webhooks are being sent (claimed now): the worker's webhook loop leaves them alone.
        ...(await insertTasks(1, 'completed', 48, { webhookSending: true })),
        ...(await insertTasks(1, 'failed', 48, { webhookSending: true })),
      ];
      await sut.db.query(
        `INSERT INTO task_watches (task_id, watch_id, expires_at) VALUES ($1, gen_random_uuid(), now() + interval '1 minute')`,
        [old[0]],
      );

      const report = await sweeper().sweepOnce();

      expect(report?.finishedTasks).toBe(old.length);
      expect(await existing(old)).toEqual({ tasks: 0, attempts: 0 });
      expect(await existing(kept)).toEqual({ tasks: kept.length, attempts: kept.length });
      const watches = await sut.db.query(`SELECT 1 FROM task_watches WHERE task_id = $1`, [old[0]]);
      expect(watches).toEqual([]);
      await sut.http().get(`/v1/tasks/${old[0]}`).set(bearer(team.key)).expect(404);
      expect((await sweeper().sweepOnce())?.finishedTasks).toBe(0);
      const metrics = (await sut.http().get('/metrics').expect(200)).text;
      expect(metrics).toContain(`asyncqueue_lifecycle_swept_total{kind="finishedTasks"} ${old.length}`);
    }, 60_000);

    it('should clear the callback ids and signal hashes of tasks that ended over an hour ago, except retryable ones', async () => {
      const cleared = [
        ...(await insertTasks(2, 'completed', 2, { callbackId: true, signal: true })),
        ...(await insertTasks(1, 'cancelled', 2, { callbackId: true })),
      ];
      const untouched = [
        ...(await insertTasks(1, 'completed', 0.5, { callbackId: true, signal: true })),
        ...(await insertTasks(1, 'failed', 2, { callbackId: true, signal: true })),
        ...(await insertTasks(1, 'timeout', 2, { signal: true })),
        ...(await insertTasks(1, 'waiting', null, { callbackId: true, signal: true })),
      ];

      const report = await sweeper().sweepOnce();

      expect(report?.waitSecrets).toBe(cleared.length);
      const secretsOf = async (ids: string[]) =>
        (
          await sut.db.query<{ n: number }[]>(
            `SELECT count(*)::int AS n FROM tasks WHERE id = ANY($1::uuid[]) AND (callback_id IS NOT NULL OR signal_token_hash IS NOT NULL)`,
            [ids],
          )
        )[0].n;
      expect(await secretsOf(cleared)).toBe(0);
      expect(await secretsOf(untouched)).toBe(untouched.length);
      expect(await existing([...cleared, ...untouched])).toEqual({ tasks: 7, attempts: 7 });
    });

    it('should delete idempotency keys after 24 hours and access tokens a day after they expire', async () => {
      const client = await sut
        .http()
        .post('/v1/oauth/clients')
        .set(bearer(team.key))
        .send({ name: 'sweep', scopes: ['tasks:read'] })
        .expect(201);
      const tokens = await sut.db.query<{ hash: string }[]>(
        `INSERT INTO oauth_access_tokens (id, token_hash, client_id, team_id, scopes, issued_at, expires_at)
         SELECT gen_random_uuid(), 'sweep-' || h, $1, $2, '{tasks:read}', now() - make_interval(hours => h + 1),
           now() - make_interval(hours => h)
         FROM unnest(ARRAY[-1, 1, 23, 25, 48]) AS h RETURNING token_hash AS hash`,
        [client.body.client.id, team.teamId],
      );
      expect(tokens).toHaveLength(5);
      await sut.db.query(
        `INSERT INTO idempotency_keys (team_id, key, request_hash, task_id, created_at)
         SELECT $1, 'sweep-' || h, 'hash', gen_random_uuid(), now() - make_interval(hours => h)
         FROM unnest(ARRAY[0, 23, 25, 72]) AS h`,
        [team.teamId],
      );

      const report = await sweeper().sweepOnce();

      expect(report).toMatchObject({ idempotencyKeys: 2, accessTokens: 2 });
      const keys = await sut.db.query<{ key: string }[]>(
        `SELECT key FROM idempotency_keys WHERE key LIKE 'sweep-%' ORDER BY key`,
      );
      expect(keys.map((k) => k.key)).toEqual(['sweep-0', 'sweep-23']);
      const left = await sut.db.query<{ hash: string }[]>(
        `SELECT token_hash AS hash FROM oauth_access_tokens WHERE token_hash LIKE 'sweep-%' ORDER BY token_hash`,
      );
      expect(left.map((t) => t.hash)).toEqual(['sweep--1', 'sweep-1', 'sweep-23']);
    });

    it('should keep every finished task with TASK_RETENTION_DAYS=0', async () => {
      const old = await insertTasks(3, 'completed', 24 * 400);
      const keeping = await startTestApp(database, {
        VAULT_KEYS: keyOne,
        WORKER_ENABLED: 'true',
        TASK_RETENTION_DAYS: '0',
        SWEEP_INTERVAL_SECONDS: '60',
      });
      try {
        const report = await keeping.app.get(LifecycleSweeper).sweepOnce();
        expect(report?.finishedTasks).toBe(0);
      } finally {
        await keeping.close();
      }
      expect(await existing(old)).toEqual({ tasks: 3, attempts: 3 });
      await sweeper().sweepOnce();
      expect(await existing(old)).toEqual({ tasks: 0, attempts: 0 });
    });

    onPostgres('should sweep in one process at a time: a pass finds the lock taken and does nothing', async () => {
      const old = await insertTasks(2, 'failed', 48);
      const other = new pg.Client({ connectionString: database.url });
      await other.connect();
      try {
        await other.query('SELECT pg_advisory_lock($1)', [0x41515357]);
        expect(await sweeper().sweepOnce()).toBeNull();
        expect(await existing(old)).toEqual({ tasks: 2, attempts: 2 });
      } finally {
        await other.end();
      }
      expect((await sweeper().sweepOnce())?.finishedTasks).toBe(2);
    });
  });

  describe('listing at any history size', () => {
    let lister: { teamId: string; key: string };
    const insertFinished = async (teamId: string, count: number, status: string, createdAt: string) =>
      sut.db.query(
        `INSERT INTO tasks (id, team_id, status, target_url, method, headers, timeout_seconds, max_wait_seconds,
           max_retries, retry_backoff, priority, created_at, run_at, completed_at)
         SELECT gen_random_uuid(), $1, $2, $4, 'POST', '{}', 30, 30, 3, 'exponential', 5,
           $3::timestamptz, now() + interval '1 day', now()
         FROM generate_series(1, $5)`,
        [teamId, status, createdAt, sink.url('/never'), count],
      );
    const list = (query: string) => sut.http().get(`/v1/tasks?${query}`).set(bearer(lister.key));

    beforeAll(async () => {
      lister = await sut.createTeam('lister');
    });

    it('should page with cursors through tasks created in the same microsecond, each exactly once', async () => {
      await insertFinished(lister.teamId, 25, 'completed', '2026-01-01T00:00:00.123456Z');
      await insertFinished(lister.teamId, 3, 'failed', '2026-01-01T00:00:00.123456Z');
      const expected = (
        await sut.db.query<{ id: string }[]>(
          `SELECT id FROM tasks WHERE team_id = $1 ORDER BY created_at DESC, id DESC`,
          [lister.teamId],
        )
      ).map((row) => row.id);

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `limit=10${cursor ? `&cursor=${cursor}` : ''}`;
        const page = await list(query).expect(200);
        seen.push(...page.body.tasks.map((t: { id: string }) => t.id));
        expect(page.body.pagination).toMatchObject({ total: 28, totalIsEstimate: false, limit: 10, offset: 0 });
        expect(page.body.pagination.hasMore).toBe(page.body.pagination.nextCursor !== null);
        cursor = page.body.pagination.nextCursor as string | null;
        pages += 1;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(expected);

      const first = await list('status=failed&limit=2').expect(200);
      const rest = await list(`status=failed&limit=2&cursor=${first.body.pagination.nextCursor}`).expect(200);
      expect(rest.body.tasks).toHaveLength(1);
      expect(rest.body.pagination).toMatchObject({ total: 3, hasMore: false, nextCursor: null });
      expect(rest.body.tasks.map((t: { status: string }) => t.status)).toEqual(['failed']);

      // Another team's cursor position shows only this team's tasks.
      const others = await sut.http().get(`/v1/tasks?cursor=${first.body.pagination.nextCursor}`).set(bearer(team.key));
      expect(others.status).toBe(200);
      expect(others.body.tasks.every((t: { teamId: string }) => t.teamId === team.teamId)).toBe(true);
    });

    it('should refuse a cursor it did not write, and a cursor with an offset', async () => {
      const forged = Buffer.from(
        JSON.stringify([1, '2026-02-30T00:00:00.000000Z', '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b']),
      ).toString('base64url');
      for (const cursor of ['nope!', 'bm9wZQ', forged, 'a'.repeat(300)]) {
        const response = await list(`cursor=${encodeURIComponent(cursor)}`).expect(400);
        expect(response.body).toEqual({ error: 'cursor is not valid; use pagination.nextCursor as given' });
      }
      const page = await list('limit=1').expect(200);
      const both = await list(`offset=1&cursor=${page.body.pagination.nextCursor}`).expect(400);
      expect(both.body).toEqual({ error: 'offset cannot be combined with cursor' });
    });

    it('should count exactly up to 10,000 matches and estimate beyond, saying so', async () => {
      const big = await sut.createTeam('big');
      await insertFinished(big.teamId, 10_050, 'completed', '2026-01-02T00:00:00.000000Z');
      await insertFinished(big.teamId, 7, 'timeout', '2026-01-02T00:00:00.000000Z');
      await sut.db.query('ANALYZE tasks');
      const all = await sut.http().get('/v1/tasks?limit=5').set(bearer(big.key)).expect(200);
      expect(all.body.tasks).toHaveLength(5);
      expect(all.body.pagination).toMatchObject({ totalIsEstimate: true, hasMore: true });
      expect(all.body.pagination.total).toBeGreaterThan(10_000);
      const few = await sut.http().get('/v1/tasks?status=timeout').set(bearer(big.key)).expect(200);
      expect(few.body.pagination).toMatchObject({ total: 7, totalIsEstimate: false, hasMore: false, nextCursor: null });
    }, 30_000);
  });
});
