import { PROVIDER_TEMPLATES } from './provider-templates.js';
import { normalisePollConfig } from './poll-config.js';
import { credentialHostsOf, fixedHostOf } from './credential-hosts.js';

describe('credential hosts', () => {
  it.each([
    ['https://api.dev.runwayml.com/v1/tasks/{startResult.body.id}', 'api.dev.runwayml.com'],
    ['https://API.Example.com?job={startResult.body.id}', 'api.example.com'],
    ['https://api.example.com#{startResult.body.id}', 'api.example.com'],
    ['https://api.example.com/fixed', 'api.example.com'],
    ['http://127.0.0.1:8080/jobs/{startResult.body.id}', '127.0.0.1'],
    ['{startResult.body.urls.get}', null],
    ['https://{startResult.body.region}.api.example.com/jobs', null],
    ['https://api.example.com{startResult.body.rest}', null],
    ['https://api.example.com:{startResult.body.port}/jobs', null],
  ])('should find the host of %s: %s', (template, host) => {
    expect(fixedHostOf(template)).toBe(host);
  });

  const poll = (fields: Record<string, unknown>) =>
    normalisePollConfig({ statusPath: 'status', doneValues: ['done'], failValues: [], ...fields });

  it('should list the target host, then fixed status and result hosts when auth is forwarded', () => {
    const config = poll({
      urlTemplate: 'https://status.example.com/{startResult.body.id}',
      resultUrlTemplate: 'https://results.example.com/{startResult.body.id}',
      forwardAuth: true,
    });
    expect(credentialHostsOf('https://api.example.com/submit', config)).toEqual([
      'api.example.com',
      'status.example.com',
      'results.example.com',
    ]);
  });

  it('should list the target host alone without forwardAuth or polling', () => {
    const config = poll({ urlTemplate: 'https://status.example.com/{startResult.body.id}' });
    expect(credentialHostsOf('https://api.example.com/submit', config)).toEqual(['api.example.com']);
    expect(credentialHostsOf('https://api.example.com/submit', null)).toEqual(['api.example.com']);
  });

  it('should judge the fixed hosts of the provider templates and leave the others to run time', () => {
    const hosts = Object.fromEntries(
      PROVIDER_TEMPLATES.map((t) => [t.id, credentialHostsOf('https://submit.example/', t.pollConfig)]),
    );
    expect(hosts).toEqual({
      fal: ['submit.example'],
      replicate: ['submit.example'],
      runwayml: ['submit.example', 'api.dev.runwayml.com'],
      luma: ['submit.example', 'api.lumalabs.ai'],
      'elevenlabs-dubbing': ['submit.example', 'api.elevenlabs.io'],
      'stability-video': ['submit.example', 'api.stability.ai'],
    });
  });
});
