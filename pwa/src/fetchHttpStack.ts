// An HTTP stack for tus-js-client made on fetch. tus's default stack is built on
// XMLHttpRequest, which a service worker does not have: with this one the worker's
// Background Sync pass can send files too. fetch reports no upload progress, so
// progress moves a whole request (one chunk) at a time, once the server has it.

import type { HttpRequest, HttpResponse, HttpStack } from 'tus-js-client';
import type { Fetch } from './api/http';

class FetchResponse implements HttpResponse {
  constructor(
    private readonly response: Response,
    private readonly body: string,
  ) {}

  getStatus(): number {
    return this.response.status;
  }

  getHeader(header: string): string | undefined {
    return this.response.headers.get(header) ?? undefined;
  }

  getBody(): string {
    return this.body;
  }

  getUnderlyingObject(): Response {
    return this.response;
  }
}

class FetchRequest implements HttpRequest {
  private readonly headers: Record<string, string> = {};
  private readonly controller = new AbortController();
  private onProgress: ((bytesSent: number) => void) | null = null;

  constructor(
    private readonly method: string,
    private readonly url: string,
    private readonly fetch: Fetch,
  ) {}

  getMethod(): string {
    return this.method;
  }

  getURL(): string {
    return this.url;
  }

  setHeader(header: string, value: string): void {
    this.headers[header] = value;
  }

  getHeader(header: string): string | undefined {
    const wanted = header.toLowerCase();
    const key = Object.keys(this.headers).find((k) => k.toLowerCase() === wanted);
    return key === undefined ? undefined : this.headers[key];
  }

  setProgressHandler(handler: (bytesSent: number) => void): void {
    this.onProgress = handler;
  }

  /** `body` is a slice of the file (a Blob here) or null; a failure to connect rejects. */
  async send(body: Blob | null = null): Promise<HttpResponse> {
    const response = await this.fetch(this.url, {
      method: this.method,
      headers: this.headers,
      body,
      signal: this.controller.signal,
      credentials: 'same-origin',
    });
    const text = await response.text();
    if (body && response.ok) this.onProgress?.(body.size);
    return new FetchResponse(response, text);
  }

  abort(): Promise<void> {
    this.controller.abort();
    return Promise.resolve();
  }

  getUnderlyingObject(): AbortController {
    return this.controller;
  }
}

export class FetchHttpStack implements HttpStack {
  private readonly fetch: Fetch;

  /** `fetch` defaults to the global one, looked up at each request. */
  constructor(fetch?: Fetch) {
    this.fetch = fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  createRequest(method: string, url: string): HttpRequest {
    return new FetchRequest(method, url, this.fetch);
  }

  getName(): string {
    return 'FetchHttpStack';
  }
}
