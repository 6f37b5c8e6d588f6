import { ApiError, get, post } from './client';

describe('client', () => {
  const fetchMock = vi.fn();
  beforeEach(() => {
    fetchMock.mockReset();
    vi.stubGlobal('fetch', fetchMock);
    document.cookie = 'XSRF-TOKEN=abc123';
  });
  afterEach(() => vi.unstubAllGlobals());

  it('echoes the XSRF-TOKEN cookie on requests that change something, not on reads', async () => {
    fetchMock.mockImplementation(async () => new Response('{"ok":true}', { status: 200 }));
    await post('/api/jobs/1/run');
    expect(fetchMock.mock.calls[0][1].headers['X-XSRF-TOKEN']).toBe('abc123');
    await get('/api/jobs');
    expect(fetchMock.mock.calls[1][1].headers['X-XSRF-TOKEN']).toBeUndefined();
  });

  it('turns problem+json into an error that names the field', async () => {
    fetchMock.mockResolvedValue(new Response(JSON.stringify({
      status: 400, detail: "schedule: 'x' is not a Quartz cron expression",
      errors: [{ field: 'schedule', message: "schedule: 'x' is not a Quartz cron expression" }],
    }), { status: 400, headers: { 'Content-Type': 'application/problem+json' } }));
    const error = (await post('/api/jobs', {}).catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(400);
    expect(error.fieldMessage('schedule')).toMatch(/not a Quartz cron expression/);
    expect(error.fieldMessage('name')).toBeUndefined();
  });
});
