import { stepError, UpgradeError } from './errors.js';

// undici is loaded on first use: most runs (a plan, a backup) never need it, and it is a large
// part of a bundle whose start-up time every step pays.
const loadUndici = () => import('undici');

/**
 * The one HTTP client for Kong's Admin API, proxies and plain downloads (GitHub goes through
 * Octokit). A timeout on every request, headers given per call (e.g. Kong-Admin-Token), and
 * failures reported with the step and the URL, never the headers (they may hold a token).
 */
export interface HttpRequest {
  readonly method?: string;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs?: number;
  /** The largest answer read, in bytes (default DEFAULT_MAX_BODY_BYTES); a larger one fails the request. */
  readonly maxBodyBytes?: number;
}

/**
 * No answer this suite reads comes near it (an Admin API page of 1,000 entities, Kong's
 * CHANGELOG.md); without a cap, one endless or huge body held memory without bound (1 GiB took
 * 3.2 GiB). The body is counted as it arrives and the request dropped past the cap.
 */
const DEFAULT_MAX_BODY_BYTES = 64 << 20;

export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
  readonly elapsedMs: number;
}

export async function httpRequest(request: HttpRequest, step = 'HTTP request'): Promise<HttpResponse> {
  const started = performance.now();
  // fetch drops a Host header (a forbidden header name in the Fetch standard), but a proxy check
  // must choose the route by host, as clients of Kong's proxy do: undici's request sends it as given.
  if (request.headers !== undefined && Object.keys(request.headers).some((name) => name.toLowerCase() === 'host')) {
    return requestWithHost(request, step, started);
  }
  try {
    const response = await fetch(request.url, {
      method: request.method ?? 'GET',
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(request.timeoutMs ?? 10_000),
      redirect: 'manual',
    });
    const body = response.body === null ? '' : await readCapped(response.body, request, step);
    return { status: response.status, headers: response.headers, body, elapsedMs: performance.now() - started };
  } catch (error) {
    if (error instanceof UpgradeError) throw error;
    const reason = (error as Error).name === 'TimeoutError' ? 'timed out' : transportReason(error);
    throw stepError(step, `${request.method ?? 'GET'} ${request.url} failed: ${reason}`, error);
  }
}

async function requestWithHost(request: HttpRequest, step: string, started: number): Promise<HttpResponse> {
  const timeoutMs = request.timeoutMs ?? 10_000;
  try {
    const { request: undiciRequest } = await loadUndici();
    const response = await undiciRequest(request.url, {
      method: (request.method ?? 'GET') as 'GET',
      headers: request.headers as Record<string, string>,
      body: request.body,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await readCapped(response.body, request, step);
    const headers = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
    }
    return { status: response.statusCode, headers, body, elapsedMs: performance.now() - started };
  } catch (error) {
    if (error instanceof UpgradeError) throw error;
    const kind = transportErrorKind(error);
    const reason = kind === 'timeout' ? 'timed out' : transportReason(error);
    throw stepError(step, `${request.method ?? 'GET'} ${request.url} failed: ${reason}`, error);
  }
}

/**
 * Reads a body to the end as UTF-8, failing once it passes the cap: leaving the loop by the throw
 * cancels the stream (fetch) or destroys it (undici), so the rest is never read.
 */
async function readCapped(body: AsyncIterable<Uint8Array>, request: HttpRequest, step: string): Promise<string> {
  const limit = request.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) {
      throw stepError(step, `${request.method ?? 'GET'} ${request.url}: the answer is larger than ${limit} bytes, more than any answer this step reads; not read further`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * What went wrong below HTTP, for counting transport errors apart from 5xx answers: the
 * connection refused (nothing listening), reset or closed mid-request, or no answer in time.
 * Works on fetch's TypeError (the cause holds the code) and on undici's own errors.
 */
export type TransportErrorKind = 'refused' | 'reset' | 'timeout' | 'other';

export function transportErrorKind(error: unknown): TransportErrorKind {
  const codes: string[] = [];
  const names: string[] = [];
  for (let current = error as { code?: unknown; name?: unknown; cause?: unknown } | undefined, depth = 0; current && depth < 4; depth++) {
    if (typeof current.code === 'string') codes.push(current.code);
    if (typeof current.name === 'string') names.push(current.name);
    current = current.cause as typeof current;
  }
  if (codes.includes('ECONNREFUSED')) return 'refused';
  if (names.includes('TimeoutError') || codes.some((code) => /TIMEOUT|ETIMEDOUT/.test(code))) return 'timeout';
  // UND_ERR_SOCKET is undici's "other side closed": the peer closed the connection mid-request.
  if (codes.some((code) => ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED'].includes(code))) return 'reset';
  return 'other';
}

/** One request of a load run: where on the pool's origin, and what to send. */
export interface PooledRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

export type PooledOutcome =
  | { readonly kind: 'response'; readonly status: number; readonly elapsedMs: number }
  | { readonly kind: 'transport-error'; readonly error: TransportErrorKind; readonly code: string; readonly elapsedMs: number };

export interface HttpPool {
  /** Never throws: transport failures come back as outcomes, for counting. */
  send(request: PooledRequest): Promise<PooledOutcome>;
  close(): Promise<void>;
}

/**
 * A keep-alive connection pool to one origin (undici's Pool) for load measurement: at most
 * `connections` sockets, one request in flight on each, every request bounded by `timeoutMs`.
 * The body is read to the end, so latency covers the whole answer as a client sees it.
 */
export async function createHttpPool(origin: string, options: { connections: number; timeoutMs: number }): Promise<HttpPool> {
  const { Pool } = await loadUndici();
  const pool = new Pool(origin, {
    connections: options.connections,
    pipelining: 1,
    connectTimeout: options.timeoutMs,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  return {
    async send(request) {
      const started = performance.now();
      try {
        const response = await pool.request({
          method: request.method as 'GET',
          path: request.path,
          headers: request.headers as Record<string, string>,
          body: request.body,
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        await response.body.dump({ limit: Number.MAX_SAFE_INTEGER });
        return { kind: 'response', status: response.statusCode, elapsedMs: performance.now() - started };
      } catch (error) {
        const code = (error as { code?: string }).code ?? (error as Error).name ?? 'error';
        return { kind: 'transport-error', error: transportErrorKind(error), code, elapsedMs: performance.now() - started };
      }
    },
    async close() {
      await pool.destroy();
    },
  };
}

function transportReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

