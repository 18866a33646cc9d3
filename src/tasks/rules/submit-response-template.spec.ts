import { expandTemplate, templateProblem, TemplateError } from './submit-response-template.js';

describe('submit response templates', () => {
  const submit = {
    headers: { location: 'https://api.example.com/jobs/9' },
    body: JSON.stringify({ id: 'job 7', n: 3, urls: { get: 'https://api.example.com/p/1' }, list: [{ id: 'x' }] }),
  };

  it('should fill body paths, array indices and headers', () => {
    expect(expandTemplate('{startResult.body.urls.get}', submit)).toBe('https://api.example.com/p/1');
    expect(expandTemplate('https://h/{startResult.body.list.0.id}/{startResult.body.n}', submit)).toBe('https://h/x/3');
    expect(expandTemplate('{startResult.headers.Location}', submit)).toBe('https://api.example.com/jobs/9');
  });

  it('should name the placeholder the submit response has no text value for', () => {
    expect(() => expandTemplate('https://h/{startResult.body.missing}', submit)).toThrow(
      new TemplateError('The submit response has no text value for {startResult.body.missing}'),
    );
    expect(() => expandTemplate('{startResult.body.urls}', submit)).toThrow(TemplateError);
    expect(() => expandTemplate('{startResult.body.id}', { headers: {}, body: 'not json' })).toThrow(TemplateError);
  });

  it('should accept only startResult placeholders', () => {
    expect(templateProblem('f', 'https://h/{startResult.body.a.0.b}?x={startResult.headers.x-id}')).toBeNull();
    expect(templateProblem('f', 'https://h/{id}')).toContain('unknown placeholder "{id}"');
    expect(templateProblem('f', 'https://h/{startResult.body.}')).toContain('unknown placeholder');
    expect(templateProblem('f', 'https://h/{startResult.status}')).toContain('unknown placeholder');
  });
});
