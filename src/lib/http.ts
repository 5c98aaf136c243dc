import { stepError } from './errors.js';

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
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
  readonly elapsedMs: number;
}

export async function httpRequest(request: HttpRequest, step = 'HTTP request'): Promise<HttpResponse> {
  const started = performance.now();
  try {
    const response = await fetch(request.url, {
      method: request.method ?? 'GET',
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(request.timeoutMs ?? 10_000),
      redirect: 'manual',
    });
    const body = await response.text();
    return { status: response.status, headers: response.headers, body, elapsedMs: performance.now() - started };
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? 'timed out' : transportReason(error);
    throw stepError(step, `${request.method ?? 'GET'} ${request.url} failed: ${reason}`, error);
  }
}

function transportReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

export async function httpJson<T>(request: HttpRequest, step = 'HTTP request'): Promise<T> {
  const response = await httpRequest(request, step);
  if (response.status < 200 || response.status >= 300) {
    throw stepError(step, `${request.method ?? 'GET'} ${request.url} answered ${response.status}: ${response.body.slice(0, 200)}`);
  }
  try {
    return JSON.parse(response.body) as T;
  } catch (error) {
    throw stepError(step, `${request.url} did not answer JSON`, error);
  }
}
