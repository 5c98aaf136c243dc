import { stepError } from '../lib/errors.js';
import { httpRequest, type HttpResponse } from '../lib/http.js';
import type { AdminApiTarget } from '../lib/shared-inputs.js';

/**
 * A small client for Kong's Admin API, shared by the plan (impact analysis), smoke-test and
 * promote. Shapes from ../shared/kong-facts/changelog-and-admin-api.md Part B:
 * collections answer `{data, next}` with `next` a relative path and `null` on the last page
 * (kong/api/endpoints.lua); `size` is at most 1000; the RBAC header is `Kong-Admin-Token`.
 */
export const MAX_PAGE_SIZE = 1000;

export interface AdminClient {
  readonly target: AdminApiTarget;
  getJson<T>(path: string): Promise<T>;
  /** Every item of a collection, following `next` pages. `path` is relative to the workspace. */
  listAll<T>(path: string, workspace?: string): Promise<T[]>;
  /**
   * Walks a collection page by page (size=1000, following `next`) handing each page to
   * `onPage`, without keeping the items: counting 100,000 entities must not hold them all.
   * Returns the number of requests made.
   */
  forEachPage<T>(path: string, workspace: string | undefined, onPage: (items: T[]) => void): Promise<number>;
  /** The raw answer, whatever its status: for probes that read status codes themselves. */
  get(path: string): Promise<HttpResponse>;
}

interface Page<T> {
  data: T[];
  next: string | null;
}

export function createAdminClient(target: AdminApiTarget, timeoutMs = 10_000): AdminClient {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (target.token !== undefined) headers['Kong-Admin-Token'] = target.token;

  async function getJson<T>(path: string): Promise<T> {
    const url = `${target.url}${path}`;
    const response = await httpRequest({ url, headers, timeoutMs }, 'Admin API');
    if (response.status !== 200) {
      throw stepError('Admin API', `GET ${url} answered ${response.status}: ${kongMessage(response.body)}`);
    }
    try {
      return JSON.parse(response.body) as T;
    } catch (error) {
      throw stepError('Admin API', `GET ${url} did not answer JSON`, error);
    }
  }

  async function forEachPage<T>(path: string, workspace: string | undefined, onPage: (items: T[]) => void): Promise<number> {
    const prefix = workspace === undefined ? '' : `/${encodeURIComponent(workspace)}`;
    const separator = path.includes('?') ? '&' : '?';
    let next: string | null = `${prefix}${path}${separator}size=${MAX_PAGE_SIZE}`;
    let requests = 0;
    while (next !== null) {
      const page: Page<T> = await getJson<Page<T>>(next);
      requests++;
      onPage(page.data);
      // Before 3.1 `next` drops `size` (facts B.4). Whether Enterprise prefixes `next` with the
      // workspace is not documented, so accept both forms.
      next = page.next === null || page.next === undefined ? null : withSize(withPrefix(page.next, prefix));
    }
    return requests;
  }

  async function listAll<T>(path: string, workspace?: string): Promise<T[]> {
    const items: T[] = [];
    await forEachPage<T>(path, workspace, (page) => {
      for (const item of page) items.push(item);
    });
    return items;
  }

  async function get(path: string): Promise<HttpResponse> {
    return httpRequest({ url: `${target.url}${path}`, headers, timeoutMs }, 'Admin API');
  }

  return { target, getJson, listAll, forEachPage, get };
}

function withPrefix(path: string, prefix: string): string {
  return prefix === '' || path.startsWith(`${prefix}/`) ? path : `${prefix}${path}`;
}

function withSize(path: string): string {
  return /[?&]size=/.test(path) ? path : `${path}${path.includes('?') ? '&' : '?'}size=${MAX_PAGE_SIZE}`;
}

/** Kong's error bodies are `{"message": …}`; show that rather than raw JSON. */
function kongMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.slice(0, 200);
}
