import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { answered, api, NetworkError, type Fetch } from './http';
import { MAX_BATCH_BYTES } from '../sync';
import { PUT_BACK_PAGE_BYTES } from '../recovery';
import { limitStalls, Stalled, STALL_LIMITS, type StallLimits } from './stallLimit';

const LIMITS: StallLimits = { answerMs: 60_000, idleMs: 30_000, minBytesPerSecond: 1_000 };

/** A link that carries nothing: the request waits until it is aborted. */
const silent: Fetch = (_input, init) =>
  new Promise((_resolve, reject) => {
    init?.signal?.addEventListener('abort', () => reject(init.signal?.reason ?? new DOMException('aborted', 'AbortError')));
  });

/** An answer whose body the test sends chunk by chunk; the link stops when the test stops. */
function trickle(): { fetch: Fetch; send(text: string): void; end(): void } {
  let stream!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (stream = c) });
  return {
    fetch: async (_input, init) => {
      init?.signal?.addEventListener('abort', () => stream.error(init.signal?.reason));
      return new Response(body, { status: 200, headers: { 'Content-Type': 'application/json' } });
    },
    send: (text) => stream.enqueue(new TextEncoder().encode(text)),
    end: () => stream.close(),
  };
}

/** Whether the promise has settled, after the timers due by now have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await vi.advanceTimersByTimeAsync(0);
  return done;
}

describe('the limits the app ships with', () => {
  it('never cut the largest push or put-back page while it goes up a loaded GPRS uplink (500 B/s)', () => {
    const allowed = (bytes: number) => STALL_LIMITS.answerMs + (bytes * 1000) / STALL_LIMITS.minBytesPerSecond;
    const needed = (bytes: number) => (bytes * 1000) / 500;
    for (const bytes of [2_000, 100_000, MAX_BATCH_BYTES, PUT_BACK_PAGE_BYTES]) expect(allowed(bytes)).toBeGreaterThan(needed(bytes));
  });
});

describe('a request on a link that stalls', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('is given up when no answer begins within the allowance', async () => {
    const call = limitStalls(silent, LIMITS)('/api/sync/pull');
    call.catch(() => undefined);
    await vi.advanceTimersByTimeAsync(LIMITS.answerMs - 1);
    expect(await settled(call)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(call).rejects.toBeInstanceOf(Stalled);
  });

  it('waits longer for what it sends: its body at the slowest rate, on top', async () => {
    const body = 'ệ'.repeat(10_000); // 30,000 bytes of UTF-8: 30 s at 1 KB/s
    const call = limitStalls(silent, LIMITS)('/api/sync/push', { method: 'POST', body });
    call.catch(() => undefined);
    await vi.advanceTimersByTimeAsync(LIMITS.answerMs + 29_000);
    expect(await settled(call)).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(call).rejects.toBeInstanceOf(Stalled);
  });

  it('measures a Request made by the API client too', async () => {
    const request = new Request('http://localhost/api/sync/push', { method: 'POST', body: 'x'.repeat(20_000) });
    const call = limitStalls(silent, LIMITS)(request);
    call.catch(() => undefined);
    await vi.advanceTimersByTimeAsync(LIMITS.answerMs + 19_000);
    expect(await settled(call)).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(call).rejects.toBeInstanceOf(Stalled);
  });

  it('is given up when an answer stops coming, and read whole while it still comes', async () => {
    const link = trickle();
    const response = await limitStalls(link.fetch, LIMITS)('/api/sync/pull');
    const text = response.text();
    text.catch(() => undefined);
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(LIMITS.idleMs - 1); // slow, but coming
      link.send('"x",');
    }
    expect(await settled(text)).toBe(false);
    await vi.advanceTimersByTimeAsync(LIMITS.idleMs);
    await expect(text).rejects.toBeInstanceOf(Stalled);

    const steady = trickle();
    const whole = (await limitStalls(steady.fetch, LIMITS)('/api/sync/pull')).text();
    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(LIMITS.idleMs - 1);
      steady.send(String(i));
    }
    steady.end();
    expect(await whole).toBe('012');
  });

  it('stays an abort when its caller cuts it short (a sign-out), not a stall', async () => {
    const caller = new AbortController();
    const call = limitStalls(silent, LIMITS)('/api/sync/pull', { signal: caller.signal });
    call.catch(() => undefined);
    await vi.advanceTimersByTimeAsync(1_000);
    caller.abort();
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    await vi.advanceTimersByTimeAsync(LIMITS.answerMs * 2); // no stall fires afterwards
  });

  it('reaches the screens and the sync loop as a network failure, tried again later', async () => {
    const call = answered(api.GET('/api/me', { fetch: limitStalls(silent, LIMITS) }));
    call.catch(() => undefined);
    await vi.advanceTimersByTimeAsync(LIMITS.answerMs);
    await expect(call).rejects.toBeInstanceOf(NetworkError);
  });

  it('passes an answer with no body as it came', async () => {
    const response = await limitStalls(async () => new Response(null, { status: 204 }), LIMITS)('/api/x');
    expect(response.status).toBe(204);
    await vi.advanceTimersByTimeAsync(LIMITS.answerMs * 2);
  });
});
