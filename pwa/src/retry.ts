// Asking again after the link broke: a 2G drop resets every connection at once, and
// what was in flight fails. The first visit's three chains each ask again on their own
// schedule: the worker's registration (src/swRegister.ts), its precache
// (src/shellPrecache.ts) and the reference data (src/reference.ts).

/**
 * Runs `attempt` until it resolves. After a failure that `retryable` accepts, waits the
 * next delay of `delaysMs` and tries again; once the delays are spent, or on a failure
 * that is not retryable, rejects with that failure.
 */
export async function withRetries<T>(attempt: () => Promise<T>, delaysMs: readonly number[], retryable: (error: unknown) => boolean = () => true): Promise<T> {
  for (let tried = 0; ; tried++) {
    try {
      return await attempt();
    } catch (error) {
      if (tried >= delaysMs.length || !retryable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, delaysMs[tried]));
    }
  }
}
