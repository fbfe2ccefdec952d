import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { installed, registerUntilInstalled, type WorkerRegistration } from './swRegister';

/** A worker whose state the test moves, firing `statechange` as a browser would. */
class FakeWorker extends EventTarget {
  state: ServiceWorkerState = 'installing';
  move(state: ServiceWorkerState) {
    this.state = state;
    this.dispatchEvent(new Event('statechange'));
  }
}

/** A registration as a browser hands it back: the worker being installed, if any. */
function registration(worker: FakeWorker | null, active: FakeWorker | null = null): WorkerRegistration {
  return { installing: worker, waiting: null, active };
}

describe('registerUntilInstalled', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('registers again after a failed registration (the worker script cut by a drop) until one succeeds', async () => {
    let calls = 0;
    const worker = new FakeWorker();
    worker.state = 'installed';
    const register = vi.fn(() => (++calls < 3 ? Promise.reject(new TypeError('Failed to fetch sw.js')) : Promise.resolve(registration(worker))));
    const done = registerUntilInstalled(register, [2_000, 5_000]);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(register).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(register).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(register).toHaveBeenCalledTimes(3);
    await expect(done).resolves.toBeTruthy();
  });

  it('registers again when the install failed (the precache could not store the shell) and no worker is left', async () => {
    const workers = [new FakeWorker(), new FakeWorker()];
    const register = vi.fn(() => Promise.resolve(registration(workers[register.mock.calls.length - 1]!)));
    const done = registerUntilInstalled(register, [1_000]);
    await vi.advanceTimersByTimeAsync(0);
    expect(register).toHaveBeenCalledTimes(1);
    workers[0]!.move('redundant');
    await vi.advanceTimersByTimeAsync(999);
    expect(register).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(register).toHaveBeenCalledTimes(2);
    workers[1]!.move('installed');
    await expect(done).resolves.toBeTruthy();
  });

  it('registers once when the first install succeeds', async () => {
    const worker = new FakeWorker();
    const register = vi.fn(() => Promise.resolve(registration(worker)));
    const done = registerUntilInstalled(register, [2_000]);
    await vi.advanceTimersByTimeAsync(0);
    worker.move('installed');
    await expect(done).resolves.toBeTruthy();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(register).toHaveBeenCalledTimes(1);
  });

  it('gives up after its last wait, so a server without the worker is not asked for ever', async () => {
    const register = vi.fn(() => Promise.reject(new TypeError('404')));
    const done = registerUntilInstalled(register, [1_000, 1_000]);
    const seen = expect(done).rejects.toThrow('404');
    await vi.advanceTimersByTimeAsync(60_000);
    await seen;
    expect(register).toHaveBeenCalledTimes(3);
  });
});

describe('installed', () => {
  it('settles at once for a registration whose worker is already active', async () => {
    const active = new FakeWorker();
    active.state = 'activated';
    await expect(installed(registration(null, active))).resolves.toBeTruthy();
  });

  it('settles when a failed update leaves the active worker serving', async () => {
    const active = new FakeWorker();
    active.state = 'activated';
    const update = new FakeWorker();
    const done = installed(registration(update, active));
    update.move('redundant');
    await expect(done).resolves.toBeTruthy();
  });

  it('rejects when the only worker turns redundant', async () => {
    const worker = new FakeWorker();
    const done = installed(registration(worker));
    worker.move('redundant');
    await expect(done).rejects.toThrow('install failed');
  });
});
