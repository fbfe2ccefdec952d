import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withRetries } from './retry';

describe('withRetries', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('asks again after each wait of the list until an attempt succeeds', async () => {
    let calls = 0;
    const attempt = vi.fn(() => (++calls < 3 ? Promise.reject(new TypeError('Failed to fetch')) : Promise.resolve('stored')));
    const done = withRetries(attempt, [2_000, 5_000]);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(attempt).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempt).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(attempt).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    await expect(done).resolves.toBe('stored');
    expect(attempt).toHaveBeenCalledTimes(3);
  });

  it('rejects with the last failure once the waits are spent', async () => {
    let calls = 0;
    const attempt = vi.fn(() => Promise.reject(new Error(`try ${++calls}`)));
    const done = withRetries(attempt, [1_000, 1_000]);
    const seen = expect(done).rejects.toThrow('try 3');
    await vi.advanceTimersByTimeAsync(60_000);
    await seen;
    expect(attempt).toHaveBeenCalledTimes(3);
  });

  it('does not ask again after a failure that is not retryable', async () => {
    const attempt = vi.fn(() => Promise.reject(new RangeError('a 404 will not mend')));
    const done = withRetries(attempt, [1_000], (error) => error instanceof TypeError);
    await expect(done).rejects.toThrow('a 404 will not mend');
    expect(attempt).toHaveBeenCalledTimes(1);
  });
});
