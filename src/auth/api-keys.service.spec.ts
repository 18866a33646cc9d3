import type { Repository } from 'typeorm';
import { Clock } from '../common/time/clock.js';
import { ApiKeysService } from './api-keys.service.js';
import { generateApiKey } from './credentials/api-key-format.js';
import type { ApiKey } from './entities/api-key.entity.js';
import type { RateLimiterService } from './rate-limit/rate-limiter.service.js';

describe('ApiKeysService.authenticate', () => {
  let queries = 0;
  const countQuery = () => {
    queries += 1;
    return Promise.reject(new Error('the database must not be queried'));
  };
  const limiter = { lookupManyCountingTeams: countQuery, consume: countQuery } as unknown as RateLimiterService;
  const sut = new ApiKeysService({} as Repository<ApiKey>, limiter, new Clock());

  it.each([
    ['a malformed key', 'aq_live_123'],
    ['a key with a bad checksum', `${generateApiKey().slice(0, -2)}zz`],
    ['a key of another format', 'sk-proj-abc'],
  ])('should refuse %s without touching the database', async (_name, candidate) => {
    await expect(sut.authenticate(candidate)).rejects.toThrow('Invalid or revoked API key');
    expect(queries).toBe(0);
  });
});
