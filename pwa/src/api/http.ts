// The app's calls to the server: openapi-fetch over the paths of the server's OpenAPI
// document (schema.d.ts, `npm run api-types`), so each request and answer has the
// server's types and no answer is cast by hand. A failure keeps one shape for the
// screens and the sync loop: an RFC 9457 problem becomes ApiError (status, problem,
// Retry-After), no answer at all NetworkError (offline, or the server unreachable);
// an abort stays an AbortError.

import createClient from 'openapi-fetch';
import type { paths } from './schema';
import { limitStalls } from './stallLimit';
import type { Problem } from './types';

export type Fetch = typeof fetch;

/** The browser's fetch, looked up at each call, given up when the link stalls. */
const browserFetch: Fetch = limitStalls((input, init) => globalThis.fetch(input, init));

/** `fetch`, or the browser's, given up when `signal` aborts (a sync pass cut short). */
export function abortable(fetch: Fetch | undefined, signal: AbortSignal | undefined): Fetch | undefined {
  if (!signal) return fetch;
  const send = fetch ?? browserFetch;
  return (input, init) => send(input, { ...init, signal });
}

export class NetworkError extends Error {
  constructor(cause: unknown) {
    super(`network: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'NetworkError';
  }
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  readonly retryAfter: number | null;

  constructor(status: number, problem: Problem, retryAfter: number | null = null) {
    super(`${status} ${problem.type ?? ''} ${problem.title ?? ''}`.trim());
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  /** The last part of the problem type: `/problems/device_revoked` → `device_revoked`. */
  get code(): string {
    return (this.problem.type ?? '').split('/').pop() ?? '';
  }

  /** Worth trying again later: the server or something on the way is unwell, or busy. */
  get transient(): boolean {
    return this.status >= 500 || this.status === 429 || this.status === 408;
  }

  /**
   * Refused whole for its content, no entry named: the server's problem document (not
   * a proxy's page) with a 400 at `$` (the database refused a text or a number a check
   * missed). Sent again unchanged it is refused again, so the sender splits what it
   * sent until the entry is alone, and sets that one aside.
   */
  get refusedWhole(): boolean {
    return this.status === 400 && (this.problem.errors ?? []).some((e) => e.path === '$');
  }
}

function retryAfterSeconds(value: string | null): number | null {
  if (!value) return null;
  const n = Number(value);
  if (Number.isFinite(n)) return n;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, (at - Date.now()) / 1000);
}

/**
 * The client. Paths are absolute on the app's own origin; Node (the unit tests) has
 * no location, and there every call carries the test's fetch, which reads the path.
 * The global fetch is looked up at each call, not kept from the first, and a call
 * whose link stalls is given up (./stallLimit.ts).
 */
export const api = createClient<paths>({
  baseUrl: globalThis.location?.origin ?? 'http://localhost',
  headers: { Accept: 'application/json' },
  fetch: (request) => browserFetch(request),
});

/** openapi-fetch's answer: data on success, the parsed error body otherwise. */
interface Answer<D> {
  data?: D;
  error?: unknown;
  response: Response;
}

/**
 * Waits for a call and throws its failure as ApiError or NetworkError. A 304 (an
 * unchanged resource asked for with If-None-Match) is no failure: it comes back with
 * no data, and the caller keeps what it has.
 */
export async function answered<D>(pending: Promise<Answer<D>>): Promise<{ data: D; response: Response }> {
  let answer: Answer<D>;
  try {
    answer = await pending;
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new NetworkError(error);
  }
  const { response } = answer;
  if (!response.ok && response.status !== 304) {
    const problem: Problem = answer.error && typeof answer.error === 'object' ? answer.error : { title: response.statusText };
    throw new ApiError(response.status, problem, retryAfterSeconds(response.headers.get('Retry-After')));
  }
  // On success openapi-fetch gives the body the document describes (nothing for a 204).
  return { data: answer.data as D, response };
}

/** The answer's body, as the document describes it; failures thrown as in `answered`. */
export async function dataOf<D>(pending: Promise<Answer<D>>): Promise<D> {
  return (await answered(pending)).data;
}

/**
 * A JSON body the OpenAPI document does not describe, because its handler decodes it
 * itself (the sync push: JSON or MessagePack; the desk actions: one body per action).
 * The server checks it and answers a problem naming the field.
 */
export function undescribedBody(body: object): never {
  return body as never;
}
