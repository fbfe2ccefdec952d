import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerWithRetries } from './swRegister';

describe('registerWithRetries', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('asks again after a failed registration (the worker script cut by a drop) until one succeeds', async () => {
    let calls = 0;
    const register = vi.fn(() => (++calls < 3 ? Promise.reject(new TypeError('Failed to fetch sw.js')) : Promise.resolve({})));
    const done = registerWithRetries(register, [2_000, 5_000]);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(register).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(register).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(register).toHaveBeenCalledTimes(3);
    await expect(done).resolves.toBe(true);
  });

  it('registers once when the first try succeeds', async () => {
    const register = vi.fn(() => Promise.resolve({}));
    await expect(registerWithRetries(register, [2_000])).resolves.toBe(true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(register).toHaveBeenCalledTimes(1);
  });

  it('gives up after its last wait, so a server without the worker is not asked for ever', async () => {
    const register = vi.fn(() => Promise.reject(new TypeError('404')));
    const done = registerWithRetries(register, [1_000, 1_000]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(register).toHaveBeenCalledTimes(3);
    await expect(done).resolves.toBe(false);
  });
});
