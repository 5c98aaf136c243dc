import { stepError } from '../../lib/errors.js';
import { readCached, writeCached } from './cache.js';
import { describeRemoteFile, type FetchedFile, type RemoteFile } from './remote-file.js';

export interface GithubReaderOptions {
  readonly token: string | undefined;
  /** GITHUB_API_URL on a runner; a local server in tests. */
  readonly baseUrl: string;
  readonly cacheDir: string | undefined;
  readonly timeoutMs: number;
}

export type FileReader = (file: RemoteFile) => Promise<FetchedFile>;

/**
 * Reads files through the contents API with the raw media type: the Enterprise changelog is
 * over the 1 MB limit of the JSON form (facts A.3b). A cached copy is revalidated with
 * If-None-Match, so an unchanged file costs a 304 that GitHub does not count against the
 * rate limit.
 */
export function createGithubReader(options: GithubReaderOptions): FileReader {
  // Loaded on first use: an offline plan never pays for Octokit at start-up (bench/plan.mjs).
  const client = import('@octokit/rest').then(
    ({ Octokit }) =>
      new Octokit({
        auth: options.token,
        baseUrl: options.baseUrl,
        userAgent: 'kong-upgrade-actions',
        request: { timeout: options.timeoutMs },
        log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
      }),
  );

  return async (file) => {
    const octokit = await client;
    const cached = options.cacheDir === undefined ? undefined : await readCached(options.cacheDir, file);
    const headers: Record<string, string> = {};
    if (cached?.etag !== undefined) headers['if-none-match'] = cached.etag;
    try {
      const response = await octokit.rest.repos.getContent({
        owner: file.owner,
        repo: file.repo,
        path: file.path,
        ref: file.ref,
        mediaType: { format: 'raw' },
        headers,
      });
      const fetched: FetchedFile = {
        file,
        text: String(response.data),
        etag: response.headers.etag,
        fetchedAt: new Date().toISOString(),
        via: 'network',
      };
      if (options.cacheDir !== undefined) await writeCached(options.cacheDir, fetched);
      return fetched;
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 304 && cached !== undefined) return { ...cached, via: 'revalidated' };
      throw describeFailure(file, error);
    }
  };
}

function describeFailure(file: RemoteFile, error: unknown) {
  const failure = error as { status?: number; message?: string; response?: { headers?: Record<string, string> } };
  const headers = failure.response?.headers ?? {};
  const what = `fetching ${describeRemoteFile(file)}`;
  if ((failure.status === 403 || failure.status === 429) && headers['x-ratelimit-remaining'] === '0') {
    const reset = Number(headers['x-ratelimit-reset']);
    const when = Number.isFinite(reset) ? new Date(reset * 1000).toISOString() : 'an unknown time';
    return stepError(
      what,
      `GitHub's API rate limit is used up until ${when}; give a token (input 'github-token'), wait, or plan offline`,
      error,
    );
  }
  if (failure.status === 404) return stepError(what, 'not found (404)', error);
  if (failure.status !== undefined) return stepError(what, `GitHub answered ${failure.status}: ${failure.message}`, error);
  return stepError(what, `no answer from GitHub (${failure.message ?? String(error)})`, error);
}

/** A network failure, as opposed to an answer: the plan may then fall back to offline data. */
export function isUnreachable(error: unknown): boolean {
  let cause: unknown = error;
  while (cause instanceof Error) {
    const status = (cause as { status?: number }).status;
    if (status !== undefined && status !== 500) return false;
    if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|fetch failed|timeout|network/i.test(cause.message)) return true;
    cause = cause.cause;
  }
  return false;
}
