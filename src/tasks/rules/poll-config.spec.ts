import { normalisePollConfig, pollConfigProblem, pollingLimitSeconds } from './poll-config.js';
import { PROVIDER_TEMPLATES } from './provider-templates.js';

describe('pollConfig', () => {
  const minimal = { urlTemplate: '{startResult.body.url}', statusPath: 'status', doneValues: ['ok'], failValues: [] };

  it('should accept every built-in template as a pollConfig', () => {
    for (const template of PROVIDER_TEMPLATES) expect(pollConfigProblem(template.pollConfig)).toBeNull();
  });

  it('should fill in the defaults and keep the optional fields given', () => {
    expect(normalisePollConfig(minimal)).toEqual({ ...minimal, interval: 5, forwardAuth: false });
    expect(normalisePollConfig({ ...minimal, interval: 2, resultPath: 'out', maxDuration: 60 })).toEqual({
      ...minimal,
      interval: 2,
      resultPath: 'out',
      forwardAuth: false,
      maxDuration: 60,
    });
  });

  it('should bound polling by maxDuration when given, else by maxWaitTime', () => {
    expect(pollingLimitSeconds(normalisePollConfig({ ...minimal, maxDuration: 60 }), 30)).toBe(60);
    expect(pollingLimitSeconds(normalisePollConfig(minimal), 30)).toBe(30);
  });

  it('should accept the interval bounds and refuse beyond them', () => {
    expect(pollConfigProblem({ ...minimal, interval: 1 })).toBeNull();
    expect(pollConfigProblem({ ...minimal, interval: 3600 })).toBeNull();
    expect(pollConfigProblem({ ...minimal, interval: 0.5 })).toBe('pollConfig.interval must be between 1 and 3600');
    expect(pollConfigProblem({ ...minimal, interval: Number.NaN })).toBe('pollConfig.interval must be a number');
  });
});
