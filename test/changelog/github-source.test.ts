import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readCached } from '../../src/changelog/sources/cache.js';
import { createGithubReader, isUnreachable } from '../../src/changelog/sources/github.js';
import { OSS_CHANGELOG } from '../../src/changelog/sources/remote-file.js';

// A local stand-in for GitHub's contents API: enough to prove the raw media type, ETag
// revalidation, the cache and the rate-limit error, without reaching GitHub.
let server: Server;
let baseUrl: string;
let requests: IncomingMessage[] = [];
let mode: 'ok' | 'rate-limited' | 'missing' = 'ok';
const BODY = '# Table of Contents\n\n## 3.9.3\n';

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req);
    if (mode === 'rate-limited') {
      res.writeHead(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1893456000', 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'API rate limit exceeded' }));
      return;
    }
    if (mode === 'missing' || req.url !== '/repos/Kong/kong/contents/CHANGELOG.md?ref=master') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Not Found' }));
      return;
    }
    if (req.headers['if-none-match'] === '"v1"') {
      res.writeHead(304, { etag: '"v1"' });
      res.end();
      return;
    }
    res.writeHead(200, { etag: '"v1"', 'content-type': 'text/plain' });
    res.end(BODY);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

let cacheDir: string;
beforeEach(async () => {
  requests = [];
  mode = 'ok';
  cacheDir = await mkdtemp(path.join(tmpdir(), 'plan-cache-'));
  return () => rm(cacheDir, { recursive: true, force: true });
});

describe('GitHub file reader', () => {
  it('asks for the raw media type with the token, and stores the file with its ETag', async () => {
    const read = createGithubReader({ token: 'ghs_secret', baseUrl, cacheDir, timeoutMs: 5000 });
    const fetched = await read(OSS_CHANGELOG);
    expect(fetched.text).toBe(BODY);
    expect(fetched.via).toBe('network');
    expect(requests[0]?.headers.accept).toContain('raw');
    expect(requests[0]?.headers.authorization).toBe('token ghs_secret');
    const cached = await readCached(cacheDir, OSS_CHANGELOG);
    expect(cached?.text).toBe(BODY);
    expect(cached?.etag).toBe('"v1"');
  });

  it('revalidates a cached copy with If-None-Match and uses it on 304', async () => {
    const read = createGithubReader({ token: undefined, baseUrl, cacheDir, timeoutMs: 5000 });
    await read(OSS_CHANGELOG);
    const second = await read(OSS_CHANGELOG);
    expect(requests[1]?.headers['if-none-match']).toBe('"v1"');
    expect(second.via).toBe('revalidated');
    expect(second.text).toBe(BODY);
  });

  it('names the reset time when the rate limit is used up', async () => {
    mode = 'rate-limited';
    const read = createGithubReader({ token: undefined, baseUrl, cacheDir: undefined, timeoutMs: 5000 });
    await expect(read(OSS_CHANGELOG)).rejects.toThrow(/rate limit is used up until 2030-01-01T00:00:00.000Z/);
  });

  it('says which file was not found', async () => {
    mode = 'missing';
    const read = createGithubReader({ token: undefined, baseUrl, cacheDir: undefined, timeoutMs: 5000 });
    await expect(read(OSS_CHANGELOG)).rejects.toThrow('fetching Kong/kong@master:CHANGELOG.md: not found (404)');
  });

  it('tells an unreachable network from an answer', async () => {
    const read = createGithubReader({ token: undefined, baseUrl: 'http://127.0.0.1:9', cacheDir: undefined, timeoutMs: 2000 });
    const error = await read(OSS_CHANGELOG).catch((e: unknown) => e);
    expect(isUnreachable(error)).toBe(true);
    mode = 'missing';
    const answered = await createGithubReader({ token: undefined, baseUrl, cacheDir: undefined, timeoutMs: 2000 })(OSS_CHANGELOG).catch((e: unknown) => e);
    expect(isUnreachable(answered)).toBe(false);
  });
});
