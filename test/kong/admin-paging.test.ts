// Issue 20: Admin API paging had no guard. An endless `next` made 123k–203k requests and the
// export's memory grew without bound; a body that was not a collection failed with "page is not
// iterable". One paging function (AdminClient.forEachPage) now guards every reader: the client's
// listAll, backup-db's export, promote's kong-upstream and kong-canary backends.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportAdminApi } from '../../src/database/export.js';
import { createAdminClient, MAX_PAGES } from '../../src/kong/admin-api.js';
import { UpgradeError } from '../../src/lib/errors.js';
import { createKongCanaryBackend } from '../../src/traffic/kong-canary.js';
import { createKongUpstreamBackend } from '../../src/traffic/kong-upstream.js';

let server: Server;
let url: string;
let requests = 0;
let work: string;

/** Answers per collection, each the way a broken or hostile server would. */
function answer(pathname: string, offset: number): { status: number; body: string } {
  const page = (data: unknown[], next: string | null) => ({ status: 200, body: JSON.stringify({ data, next }) });
  if (pathname === '/') return { status: 200, body: JSON.stringify({ version: '3.4.2', configuration: { database: 'postgres' } }) };
  // A new offset on every page, forever.
  if (pathname === '/tags') return page([{ id: `t${offset}` }], `/tags?offset=${offset + 1}`);
  // The same `next` again and again.
  if (['/services', '/consumers', '/upstreams/u/targets', '/services/orders/plugins'].includes(pathname)) {
    return page([{ id: 'x1', target: 'x:8000', weight: 0, name: 'x', tags: null, config: {} }], `${pathname}?offset=same`);
  }
  if (pathname === '/routes') return page([], '/routes?offset=1');
  if (pathname === '/plugins') return page([{ id: 'p1' }], 'http://elsewhere.example/plugins?offset=1');
  // 200 and JSON, but no collection: what made listAll throw "page is not iterable".
  if (pathname === '/certificates') return { status: 200, body: JSON.stringify({ message: 'welcome' }) };
  return page([], null);
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'admin-paging-'));
  server = createServer((request, response) => {
    requests++;
    const parsed = new URL(request.url ?? '/', 'http://x');
    const { status, body } = answer(parsed.pathname, Number(parsed.searchParams.get('offset') ?? 0));
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(work, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(UpgradeError);
  return (error as Error).message;
}

const target = { input: 'admin-url', url: '', token: undefined, workspace: undefined };

describe('one paging function with guards', () => {
  it('stops an endless distinct `next` after MAX_PAGES requests', async () => {
    const client = createAdminClient({ ...target, url });
    const before = requests;
    const message = await failure(client.listAll('/tags'));
    expect(message).toBe(`Admin API: GET ${url}/tags: still paging after ${MAX_PAGES} pages; stopped`);
    expect(requests - before).toBe(MAX_PAGES);
  }, 60_000);

  it('refuses a `next` already read, an empty page with a `next`, and a `next` off this Admin API', async () => {
    const client = createAdminClient({ ...target, url });
    const before = requests;
    expect(await failure(client.listAll('/consumers'))).toMatch(/answered a "next" page already read \("\/consumers\?offset=same"\): it would never end$/);
    expect(requests - before).toBe(2);
    expect(await failure(client.listAll('/routes'))).toMatch(/answered an empty page with a "next" page: it would never end$/);
    expect(await failure(client.listAll('/plugins'))).toMatch(/answered a "next" that is not a path on this Admin API: "http:\/\/elsewhere\.example\/plugins\?offset=1"$/);
  });

  it('names the input when the answer is no collection (was "page is not iterable")', async () => {
    const client = createAdminClient({ ...target, url });
    expect(await failure(client.listAll('/certificates'))).toBe(
      `input 'admin-url': GET ${url}/certificates?size=1000 did not answer a collection ({"data": [...], "next": ...}); is ${url} a Kong Admin API?`,
    );
  });

  it('guards backup-db export: it fails, holds nothing and leaves no folder', async () => {
    const message = await failure(exportAdminApi({ client: createAdminClient({ ...target, url }), backupDir: work, workspace: undefined, concurrency: 2 }));
    expect(message).toMatch(/answered a "next" page already read|answered an empty page|not a path on this Admin API|did not answer a collection/);
    expect(await readdir(work)).toEqual([]);
  });

  it('guards promote kong-upstream and kong-canary reads', async () => {
    const upstream = createKongUpstreamBackend({ admin: { ...target, input: 'front-admin-url', url }, upstream: 'u', blueTargets: ['b:8000'], greenTargets: ['g:8000'], timeoutMs: 5000 });
    expect(await failure(upstream.read())).toBe(`Kong upstream: GET ${url}/upstreams/u/targets?offset=same&size=1000 answered a "next" page already read ("/upstreams/u/targets?offset=same"): it would never end`);
    const canary = createKongCanaryBackend({ admin: { ...target, input: 'blue-admin-url', url }, services: ['orders'], greenHost: 'g', greenPort: 8000, hash: 'none', timeoutMs: 5000 });
    expect(await failure(canary.read())).toBe(`Kong canary plugin: GET ${url}/services/orders/plugins?offset=same&size=1000 answered a "next" page already read ("/services/orders/plugins?offset=same"): it would never end`);
  });
});
