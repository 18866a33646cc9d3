import { randomBytes } from 'node:crypto';
import { buildConfiguration, ConfigValidationError } from './configuration.js';

describe('buildConfiguration', () => {
  it('should apply the defaults of SPEC §2', () => {
    const sut = buildConfiguration({});
    expect(sut.http).toEqual({
      port: 3000,
      apiEnabled: true,
      publicBaseUrl: 'http://localhost:3000',
    });
    expect(sut.database.url).toBeUndefined();
    expect(sut.executor).toMatchObject({
      enabled: true,
      concurrency: 32,
      allowedPrivateTargets: [],
    });
    expect(sut.auth.rateLimitPerMinute).toBe(600);
    expect(sut.logging).toEqual({ level: 'info', format: 'auto' });
    expect(sut.vault.keys).toBeUndefined();
  });

  it('should keep finished tasks 7 days by default, for ever with 0, and accept fractions of a day', () => {
    expect(buildConfiguration({}).lifecycle).toEqual({ taskRetentionMs: 7 * 86_400_000, sweepIntervalMs: 60_000 });
    expect(buildConfiguration({ TASK_RETENTION_DAYS: '0' }).lifecycle.taskRetentionMs).toBeNull();
    expect(buildConfiguration({ TASK_RETENTION_DAYS: '0.0' }).lifecycle.taskRetentionMs).toBeNull();
    expect(buildConfiguration({ TASK_RETENTION_DAYS: '0.0001' }).lifecycle.taskRetentionMs).toBe(8640);
    expect(buildConfiguration({ SWEEP_INTERVAL_SECONDS: '2' }).lifecycle.sweepIntervalMs).toBe(2000);
  });

  it('should read LOG_FORMAT in any case', () => {
    expect(buildConfiguration({ LOG_FORMAT: 'Pretty' }).logging.format).toBe('pretty');
    expect(buildConfiguration({ LOG_FORMAT: 'json' }).logging.format).toBe('json');
  });

  it('should parse a keyring with the primary first', () => {
    const one = randomBytes(32).toString('base64');
    const two = randomBytes(32).toString('base64');
    const sut = buildConfiguration({ VAULT_KEYS: `new:${two}, old:${one}` });
    expect(sut.vault.keys?.map((k) => k.id)).toEqual(['new', 'old']);
    expect(sut.vault.keys?.[0].key).toHaveLength(32);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ EXECUTOR_CONCURRENCY: '0' }, 'EXECUTOR_CONCURRENCY'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [
      {
        VAULT_KEYS: `a:${randomBytes(32).toString('base64')},a:${randomBytes(32).toString('base64')}`,
      },
      'VAULT_KEYS',
    ],
    [{ VAULT_KEYS: `bad id:${randomBytes(32).toString('base64')}` }, 'VAULT_KEYS'],
    [{ PUBLIC_BASE_URL: 'ftp://x' }, 'PUBLIC_BASE_URL'],
    [{ LOG_FORMAT: 'xml' }, 'LOG_FORMAT'],
    [{ TASK_RETENTION_DAYS: '-1' }, 'TASK_RETENTION_DAYS'],
    [{ TASK_RETENTION_DAYS: 'week' }, 'TASK_RETENTION_DAYS'],
    [{ TASK_RETENTION_DAYS: '1e3' }, 'TASK_RETENTION_DAYS'],
    [{ SWEEP_INTERVAL_SECONDS: '61' }, 'SWEEP_INTERVAL_SECONDS'],
  ])('should name the variable in %j', (env, variable) => {
    expect(() => buildConfiguration(env)).toThrow(ConfigValidationError);
    expect(() => buildConfiguration(env)).toThrow(`Invalid configuration: ${variable} `);
  });
});
