import { backoffSeconds } from './retry-policy.js';

describe('backoffSeconds', () => {
  it('should double for exponential backoff: 1, 2, 4, 8, 16 s', () => {
    expect([1, 2, 3, 4, 5].map((retry) => backoffSeconds('exponential', retry))).toEqual([1, 2, 4, 8, 16]);
  });

  it('should grow by one second for linear backoff: 1, 2, 3 s', () => {
    expect([1, 2, 3].map((retry) => backoffSeconds('linear', retry))).toEqual([1, 2, 3]);
  });
});
