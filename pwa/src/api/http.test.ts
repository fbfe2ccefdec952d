import { describe, expect, it } from 'vitest';
import { ApiError, NetworkError, answered, api, dataOf } from './http';

const answer = (status: number, body: string | null, headers: Record<string, string> = {}) => async (_request: Request) => new Response(body, { status, headers });

describe('the API client', () => {
  it('gives the body the document describes, and sends what the types say', async () => {
    const seen: Request[] = [];
    const fetch = async (request: Request) => {
      seen.push(request);
      return new Response(JSON.stringify({ dossiers: [], cursor: 'c2', more: false }), { status: 200, headers: { 'Content-Type': 'application/json' } });
    };
    const body = await dataOf(api.GET('/api/sync/pull', { params: { query: { cursor: 'c 1' } }, headers: { Authorization: 'Device x' }, fetch }));
    expect(body.cursor).toBe('c2');
    const url = new URL(seen[0]!.url);
    expect(url.pathname + url.search).toBe('/api/sync/pull?cursor=c%201');
    expect(seen[0]!.headers.get('Accept')).toBe('application/json');
    expect(seen[0]!.headers.get('Authorization')).toBe('Device x');
  });

  it('turns a problem document into ApiError, with its code and Retry-After', async () => {
    const problem = { type: '/problems/rate_limited', title: 'Too many', status: 429, errors: [{ path: '$.count', code: 'too_many' }] };
    const error = await dataOf(api.POST('/api/sync/codes/reserve', { body: { count: 5 }, fetch: answer(429, JSON.stringify(problem), { 'Retry-After': '120' }) })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 429, problem, retryAfter: 120, code: 'rate_limited', transient: true });
  });

  it('an error without a problem document is named by its status text', async () => {
    const error = await dataOf(api.GET('/api/auth/session', { fetch: async () => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }) })).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 502, problem: { title: 'Bad Gateway' }, transient: true });
  });

  it('no answer at all is a NetworkError; an abort stays an abort', async () => {
    const offline = async () => {
      throw new TypeError('Failed to fetch');
    };
    await expect(dataOf(api.GET('/api/auth/session', { fetch: offline }))).rejects.toBeInstanceOf(NetworkError);
    const aborted = async () => {
      throw new DOMException('stopped', 'AbortError');
    };
    await expect(dataOf(api.GET('/api/auth/session', { fetch: aborted }))).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('a 304 is no failure: it comes back without data', async () => {
    const { data, response } = await answered(api.GET('/api/catalog', { headers: { 'If-None-Match': 'W/"1"' }, fetch: answer(304, null) }));
    expect(response.status).toBe(304);
    expect(data).toBeUndefined();
  });
});
