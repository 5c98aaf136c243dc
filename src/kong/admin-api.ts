import { httpError, inputError, stepError, UpgradeError } from '../lib/errors.js';
import { httpRequest, type HttpResponse } from '../lib/http.js';
import { quoteRemote } from '../lib/log-text.js';

/**
 * A small client for Kong's Admin API, shared by the plan (impact analysis), smoke-test,
 * backup-db's export and promote. Collections answer `{data, next}` with `next` a relative path
 * and `null` on the last page, and `size` is at most 1000 (Kong/kong 3.4.2
 * kong/api/endpoints.lua l.143 and l.307-316); Enterprise's RBAC header is `Kong-Admin-Token`
 * (its default rbac_auth_header).
 */
const MAX_PAGE_SIZE = 1000;

/**
 * Pages one collection may take: 10,000 pages of 1,000 is ten million entities of one type in
 * one workspace, far past any deployment; a server whose `next` never ends stops here.
 */
export const MAX_PAGES = 10_000;

/** A Kong Admin API to talk to. */
export interface AdminApiTarget {
  /** The input that gave the URL (admin-url, front-admin-url …), for errors that blame it. */
  readonly input?: string;
  readonly url: string;
  readonly token: string | undefined;
  /** A workspace name, or 'all' for every workspace (Enterprise). Undefined: the default workspace. */
  readonly workspace: string | undefined;
}

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
  /** Any method with a JSON body, for the writers (promote's upstream and canary backends). */
  send(method: string, path: string, body?: object): Promise<HttpResponse>;
}

/**
 * `step` names the failures (`Admin API`, `Kong upstream` …); the target's `input` is blamed
 * when the server does not answer like a Kong Admin API at all.
 */
export function createAdminClient(target: AdminApiTarget, timeoutMs = 10_000, step = 'Admin API'): AdminClient {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (target.token !== undefined) headers['Kong-Admin-Token'] = target.token;
  const notKong = (detail: string): UpgradeError =>
    target.input === undefined ? stepError(step, detail) : inputError(target.input, `${detail}; is ${target.url} a Kong Admin API?`);

  async function getJson<T>(path: string): Promise<T> {
    const url = `${target.url}${path}`;
    const response = await httpRequest({ url, headers, timeoutMs }, step);
    if (response.status !== 200) {
      throw httpError(step, response.status, `GET ${url} answered ${response.status}: ${kongMessage(response.body)}`);
    }
    try {
      return JSON.parse(response.body) as T;
    } catch {
      throw notKong(`GET ${url} did not answer JSON`);
    }
  }

  /**
   * The one paging loop. Guards: every page must be `{data: [...], next}`, `next` a path on this
   * Admin API (a full URL would carry the token elsewhere), never one seen before, never after an
   * empty page, and at most MAX_PAGES of them.
   */
  async function forEachPage<T>(path: string, workspace: string | undefined, onPage: (items: T[]) => void): Promise<number> {
    const prefix = workspace === undefined ? '' : `/${encodeURIComponent(workspace)}`;
    const separator = path.includes('?') ? '&' : '?';
    let next: string | null = `${prefix}${path}${separator}size=${MAX_PAGE_SIZE}`;
    const seen = new Set<string>();
    let requests = 0;
    while (next !== null) {
      if (requests >= MAX_PAGES) throw stepError(step, `GET ${target.url}${prefix}${path}: still paging after ${MAX_PAGES} pages; stopped`);
      seen.add(next);
      const url: string = `${target.url}${next}`;
      const page: unknown = await getJson<unknown>(next);
      requests++;
      const data = (page as { data?: unknown } | null)?.data;
      const link = (page as { next?: unknown } | null)?.next;
      if (!Array.isArray(data)) throw notKong(`GET ${url} did not answer a collection ({"data": [...], "next": ...})`);
      if (link !== null && link !== undefined && typeof link !== 'string') throw notKong(`GET ${url} answered a "next" that is not a path`);
      onPage(data as T[]);
      if (typeof link !== 'string') break;
      // Before 3.1 `next` drops `size` (Kong/kong 3.1.0 kong/api/endpoints.lua l.315 first adds it). Whether Enterprise prefixes `next` with the
      // workspace is not documented, so accept both forms.
      if (!link.startsWith('/') || link.startsWith('//')) throw stepError(step, `GET ${url} answered a "next" that is not a path on this Admin API: ${quoteRemote(link)}`);
      if (data.length === 0) throw stepError(step, `GET ${url} answered an empty page with a "next" page: it would never end`);
      next = withSize(withPrefix(link, prefix));
      if (seen.has(next)) throw stepError(step, `GET ${url} answered a "next" page already read (${quoteRemote(link)}): it would never end`);
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
    return httpRequest({ url: `${target.url}${path}`, headers, timeoutMs }, step);
  }

  async function send(method: string, path: string, body?: object): Promise<HttpResponse> {
    const request = body === undefined
      ? { method, url: `${target.url}${path}`, headers, timeoutMs }
      : { method, url: `${target.url}${path}`, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body), timeoutMs };
    return httpRequest(request, step);
  }

  return { target, getJson, listAll, forEachPage, get, send };
}

/** An Admin API answer of 404: a collection or entity this node does not have (a plugin not installed, OSS without /workspaces). */
export function isNotFound(error: unknown): boolean {
  return error instanceof UpgradeError && error.httpStatus === 404;
}

/**
 * Every workspace's name, sorted, with the requests it took; `names` undefined where the node
 * has no /workspaces (OSS 3.7+ answers 404: only the default workspace exists).
 */
export async function listWorkspaces(client: AdminClient): Promise<{ readonly names: string[] | undefined; readonly requests: number }> {
  const names: string[] = [];
  try {
    const requests = await client.forEachPage<{ name?: unknown }>('/workspaces', undefined, (items) => {
      for (const item of items) if (typeof item.name === 'string') names.push(item.name);
    });
    return { names: names.sort(), requests };
  } catch (error) {
    if (isNotFound(error)) return { names: undefined, requests: 1 };
    throw error;
  }
}

function withPrefix(path: string, prefix: string): string {
  return prefix === '' || path.startsWith(`${prefix}/`) ? path : `${prefix}${path}`;
}

function withSize(path: string): string {
  return /[?&]size=/.test(path) ? path : `${path}${path.includes('?') ? '&' : '?'}size=${MAX_PAGE_SIZE}`;
}

/** Kong's error bodies are `{"message": …}`: that message, else the start of the body; quoted and escaped. */
export function kongMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') return quoteRemote(parsed.message);
  } catch {
    // not JSON: fall through to the raw text
  }
  return quoteRemote(body);
}
