// The simulator's DB-less node (dbless/node.mjs, declarative/config.mjs): a declarative file
// loaded at start or through POST /config, checked per version as Kong checks it, served by the
// proxy, and reported by /status without a database.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM JavaScript without declarations
import { startDblessNode } from './dbless/node.mjs';

interface Node {
  adminUrl: string;
  statusUrl: string;
  proxyUrl: string;
  currentHash(): string;
  stop(): Promise<void>;
}

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const json = async (response: Response | Promise<Response>): Promise<Json> => (await response).json();
let backend: http.Server;
let backendUrl: string;
const running: Node[] = [];

beforeAll(async () => {
  backend = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url })));
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => backend.close(() => resolve()));
});
afterEach(async () => {
  while (running.length) await running.pop()!.stop();
});

async function start(options: Record<string, unknown>): Promise<Node> {
  const node = (await startDblessNode({ ...options, reloadIntervalMs: 20 })) as Node;
  running.push(node);
  return node;
}

/** A 2.x file: a regex path without `~` and ip-restriction's whitelist, both gone in 3.0. */
const file2x = () => `_format_version: "2.1"
services:
- name: echo
  url: ${backendUrl}
  routes:
  - name: items
    paths: ["/items/\\\\d+$"]
  - name: plain
    paths: ["/plain"]
  plugins:
  - name: ip-restriction
    config: { whitelist: ["127.0.0.1"] }
`;
const file3x = () => `_format_version: "3.0"
services:
- name: echo
  url: ${backendUrl}
  routes:
  - name: items
    paths: ["~/items/\\\\d+$"]
  - name: plain
    paths: ["/plain"]
  plugins:
  - name: ip-restriction
    config: { allow: ["127.0.0.1"] }
`;

const post = (node: Node, body: string, query = '') =>
  fetch(`${node.adminUrl}/config${query}`, { method: 'POST', headers: { 'content-type': 'text/yaml' }, body });

describe('DB-less node', () => {
  it('2.8 loads a 2.x file, routes its regex path by the 2.x heuristic, and reports its hash with database.reachable', async () => {
    const node = await start({ version: '2.8.5', config: file2x() });
    expect((await fetch(`${node.proxyUrl}/items/42`)).status).toBe(200);
    expect((await fetch(`${node.proxyUrl}/items/x`)).status).toBe(404);
    const status = await json(fetch(`${node.adminUrl}/status`));
    expect(status.database).toEqual({ reachable: true });
    expect(status.configuration_hash).toMatch(/^[0-9a-f]{32}$/);
    expect(status.configuration_hash).not.toBe('0'.repeat(32));
    const root = await json(fetch(`${node.adminUrl}/`));
    expect(root.configuration).toMatchObject({ database: 'off', role: 'traditional' });
  });

  it('2.8 refuses a 3.0 file: _format_version must be 1.1 or 2.1', async () => {
    const node = await start({ version: '2.8.5', config: file2x() });
    const answer = await post(node, file3x());
    expect(answer.status).toBe(400);
    expect(await json(answer)).toMatchObject({ code: 14, name: 'invalid declarative configuration', fields: { _format_version: 'expected one of: 1.1, 2.1' } });
  });

  it('3.4 refuses the unconverted 2.x file (whitelist is an unknown field), accepts the converted one, then check_hash=1 answers 304', async () => {
    const node = await start({ version: '3.4.2' });
    // No configuration yet: not ready, the empty hash, no database key.
    expect((await fetch(`${node.statusUrl}/status/ready`)).status).toBe(503);
    const empty = await json(fetch(`${node.adminUrl}/status`));
    expect(empty).not.toHaveProperty('database');
    expect(empty.configuration_hash).toBe('0'.repeat(32));

    const refused = await post(node, file2x(), '?check_hash=1');
    expect(refused.status).toBe(400);
    expect((await json(refused)).fields).toEqual({ 'services[0].plugins[0]': { config: { whitelist: 'unknown field' } } });
    const loaded = await post(node, file3x(), '?check_hash=1');
    expect(loaded.status).toBe(201);
    const entities = await json(loaded);
    expect(Object.keys(entities.routes)).toHaveLength(2);
    expect(Object.keys(entities.services)).toHaveLength(1);
    expect((await post(node, file3x(), '?check_hash=1')).status).toBe(304);
    expect((await fetch(`${node.statusUrl}/status/ready`)).status).toBe(200);
    // The converted `~` path is a regex on 3.x (anchored, so a letter does not match).
    expect((await fetch(`${node.proxyUrl}/items/7`)).status).toBe(200);
    expect((await fetch(`${node.proxyUrl}/items/x`)).status).toBe(404);
  });

  it('3.4 loading a 2.1 file migrates its regex path on load (route_path.lua), as a 3.0 file without `~` is plain text', async () => {
    const keepsRegex = `_format_version: "2.1"\nservices:\n- name: echo\n  url: ${backendUrl}\n  routes:\n  - name: items\n    paths: ["/items/\\\\d+$"]\n`;
    const node = await start({ version: '3.4.2', config: keepsRegex });
    expect((await fetch(`${node.proxyUrl}/items/7`)).status).toBe(200);
    const plainText = keepsRegex.replace('"2.1"', '"3.0"');
    expect((await post(node, plainText)).status).toBe(201);
    // Same path, now a prefix that no request matches: the route is silently dead.
    expect((await fetch(`${node.proxyUrl}/items/7`)).status).toBe(404);
    const services = await json(fetch(`${node.adminUrl}/services`));
    expect(services.data.map((s: { name: string }) => s.name)).toEqual(['echo']);
    // Writes need a database.
    const write = await fetch(`${node.adminUrl}/services`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"x","url":"http://x"}' });
    expect(write.status).toBe(405);
    expect((await json(write)).message).toBe("cannot create 'services' entities when not using a database");
  });

  it('a file a node cannot load fails its start, as kong start does', async () => {
    await expect(startDblessNode({ version: '3.4.2', config: file2x() })).rejects.toThrow(/declarative_config refused: .*whitelist/);
  });
});
