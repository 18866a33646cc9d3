/** A minimal client for system tests that talk to a real server process. */
export class ApiClient {
  readonly responses: string[] = [];

  constructor(
    private readonly baseUrl: string,
    private readonly key: string,
  ) {}

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${this.key}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    this.responses.push(text);
    return {
      status: response.status,
      body: (text ? JSON.parse(text) : {}) as T,
    };
  }

  async createTask(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<string> {
    const response = await this.request<{ task: { id: string } }>('POST', '/v1/tasks', body, headers);
    if (response.status !== 201)
      throw new Error(`task creation failed: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.task.id;
  }

  async task(id: string): Promise<TaskBody> {
    return (await this.request<{ task: TaskBody }>('GET', `/v1/tasks/${id}`)).body.task;
  }
}

export interface TaskBody {
  id: string;
  status: string;
  retryCount: number;
  error: string | null;
  result: { statusCode: number; body: string } | null;
  [key: string]: unknown;
}
