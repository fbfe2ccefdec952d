// A link that stops carrying anything (a phone leaving coverage: packets vanish, nothing
// resets the connection) leaves a request waiting until the operating system gives the
// connection up, many minutes later, and a sync pass holds its lock all that time: no
// other pass, in this tab or the worker, and no sign-out, can start. So every request
// to the server is given up as a network failure (tried again later, as when offline)
// when its answer has not begun within `answerMs` plus the time its body needs at
// `minBytesPerSecond`, or when its answer stops coming for `idleMs`.
//
// fetch reports no upload progress, hence the allowance by size for what is sent; the
// answer is read chunk by chunk, so a long answer on a slow link is never cut while it
// still comes.

type Fetch = typeof fetch; // as in ./http, which imports this module

export interface StallLimits {
  answerMs: number;
  idleMs: number;
  minBytesPerSecond: number;
}

/**
 * 250 B/s (2 kbit/s) is below a loaded GPRS uplink still carrying data (500 B/s and up):
 * a body sent that slowly is never cut while it goes, at the price of waiting longer
 * for a large one that has stalled (a 100 KB push: 7 minutes).
 */
export const STALL_LIMITS: StallLimits = { answerMs: 60_000, idleMs: 30_000, minBytesPerSecond: 250 };

/** Thrown when a request is given up: not an AbortError, which means "cut short on purpose". */
export class Stalled extends TypeError {
  constructor(what: string) {
    super(`no progress: ${what}`);
    this.name = 'Stalled';
  }
}

async function bodyBytes(input: RequestInfo | URL, init: RequestInit | undefined): Promise<number> {
  const body = init?.body ?? (input instanceof Request && input.body ? await input.clone().arrayBuffer() : null);
  if (body == null) return 0;
  if (typeof body === 'string') return new TextEncoder().encode(body).length;
  if (body instanceof Blob) return body.size;
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return body.byteLength;
  return 0; // a stream or form: its size is unknown, the answer's allowance alone applies
}

const NO_BODY = new Set([101, 204, 205, 304]); // a Response made with a body refuses these

export function limitStalls(fetch: Fetch, limits: StallLimits = STALL_LIMITS): Fetch {
  return async (input, init) => {
    const own = new AbortController();
    const outer = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    if (outer?.aborted) own.abort(outer.reason);
    const follow = () => own.abort(outer?.reason);
    outer?.addEventListener('abort', follow, { once: true });
    let stalled: Stalled | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = (ms: number, what: string) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        stalled = new Stalled(what);
        own.abort(stalled);
      }, ms);
    };
    const settle = () => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', follow);
    };
    const failure = (error: unknown) => stalled ?? error;

    const sent = await bodyBytes(input, init);
    arm(limits.answerMs + (sent * 1000) / limits.minBytesPerSecond, 'no answer began');
    let response: Response;
    try {
      response = await fetch(input, { ...init, signal: own.signal });
    } catch (error) {
      settle();
      throw failure(error);
    }
    if (!response.body || NO_BODY.has(response.status)) {
      settle();
      return response;
    }
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        arm(limits.idleMs, 'the answer stopped coming');
        try {
          const { done, value } = await reader.read();
          if (done) {
            settle();
            controller.close();
          } else {
            controller.enqueue(value);
          }
        } catch (error) {
          settle();
          controller.error(failure(error));
        }
      },
      cancel(reason) {
        settle();
        return reader.cancel(reason);
      },
    });
    clearTimeout(timer); // the answer began: its body is timed from the first read
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}
