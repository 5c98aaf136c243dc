// write-freeze, main and post steps from dist/ as the runner runs them, against a simulated Kong
// whose Admin API is proxied through itself (the API loopback) on real PostgreSQL: writes through
// the loopback are refused once the freeze is proven in force, reads pass, the post step lifts it
// and lists the refused writes from the proxy's access log; a freeze that does not catch writes
// fails and removes itself; the freeze can be lifted through the loopback it freezes.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { runAction } from '../helpers/run-action.js';
// @ts-expect-error plain ESM JavaScript without declarations
import { startKongNode } from '../kong-sim/start.mjs';
import { createSimDatabase } from '../kong-sim/helpers.js';

interface Node {
  adminUrl: string;
  proxyUrl: string;
  stop(): Promise<void>;
}

const TOKEN = `kadm-${Math.random().toString(36).slice(2)}-freeze`;
let server: PostgresServer;
let dir: string;
const nodes: Node[] = [];
let count = 0;

beforeAll(async () => {
  server = await startPostgres();
  dir = mkdtempSync(path.join(os.tmpdir(), 'write-freeze-'));
});
afterAll(async () => {
  for (const node of nodes) await node.stop();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A node (Kong `version`) with the Admin API behind its own proxy at /admin-api, RBAC on. */
async function loopback(version: string) {
  const name = `freeze_${++count}`;
  const url = await createSimDatabase(server, name, version);
  const accessLog = path.join(dir, `${name}-access.log`);
  // The proxy rebuilds its router from the database every 200 ms, as Kong does after a change.
  const node = (await startKongNode({ pg: url, version, rbacToken: TOKEN, reloadIntervalMs: 200, proxyAccessLog: accessLog })) as Node;
  nodes.push(node);
  const call = (base: string) => async (method: string, p: string, body?: object) => {
    const response = await fetch(`${base}${p}`, { method, headers: { 'kong-admin-token': TOKEN, ...(body && { 'content-type': 'application/json' }) }, body: body && JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text === '' ? null : (JSON.parse(text) as Record<string, any>) };
  };
  const admin = call(node.adminUrl);
  expect((await admin('POST', '/services', { name: 'admin-api', url: node.adminUrl })).status).toBe(201);
  expect((await admin('POST', '/services/admin-api/routes', { name: 'admin-api', paths: ['/admin-api'] })).status).toBe(201);
  const loopbackUrl = `${node.proxyUrl}/admin-api`;
  const through = call(loopbackUrl);
  // The router has the loopback route once a read goes through.
  for (let i = 0; i < 50 && (await through('GET', '/status')).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
  return { node, admin, through, loopbackUrl, accessLog, database: name };
}

describe('write-freeze (request-termination on the Admin API loopback)', () => {
  it('refuses writes through the loopback once in force, lets reads pass; post lifts it and lists the refused writes', async () => {
    const kong = await loopback('3.4.2');
    const inputs = { 'admin-url': kong.node.adminUrl, 'admin-token': TOKEN, 'admin-route': 'admin-api', 'loopback-url': kong.loopbackUrl, 'access-log': kong.accessLog, timeout: '10s' };
    const main = await runAction('write-freeze', inputs);
    expect(main.exitCode, main.stdout + main.stderr).toBe(0);
    expect(main.masked).toContain(TOKEN);
    const record = JSON.parse(main.outputs['freeze-json']!) as { rows: { table: string; id: string }[]; status: number; probeId: string };
    expect(record).toMatchObject({ schema: 'kong-upgrade/write-freeze@1', method: 'request-termination', status: 423 });
    expect(record.rows.map((r) => r.table)).toEqual(['routes', 'plugins']);
    expect(main.state.freeze).toBe(main.outputs['freeze-json']);
    expect(Number(main.outputs['effective-ms'])).toBeGreaterThan(0);
    expect(main.summary).toContain('answer 423');

    // In force: a write through the loopback is refused with the freeze's message, nothing written.
    const refused = await kong.through('POST', '/consumers', { username: 'during-the-freeze' });
    expect(refused).toEqual({ status: 423, body: { message: expect.stringContaining('Admin API writes are frozen while Kong is upgraded') } });
    const put = await kong.through('PUT', '/consumers/another', { username: 'another' });
    expect(put.status).toBe(423);
    const read = await kong.through('GET', '/consumers');
    expect(read.status).toBe(200);
    expect(read.body!.data).toEqual([]);

    const post = await runAction('write-freeze', inputs, { post: true, state: main.state });
    expect(post.exitCode, post.stdout + post.stderr).toBe(0);
    expect((await kong.admin('GET', `/routes/${record.rows[0]!.id}`)).status).toBe(404);
    expect((await kong.admin('GET', `/plugins/${record.rows[1]!.id}`)).status).toBe(404);
    // The two refused writes, not the probe's own requests, not the reads.
    expect(post.summary).toContain('Writes refused during the freeze (2,');
    expect(post.summary).toMatch(/\| POST \/admin-api\/consumers \| 127\.0\.0\.1 \|/);
    expect(post.summary).toMatch(/\| PUT \/admin-api\/consumers\/another \| 127\.0\.0\.1 \|/);
    expect(post.summary).not.toContain(record.probeId);
    expect(readFileSync(kong.accessLog, 'utf8')).toContain(record.probeId);
    expect(post.annotations.filter((a) => a.level === 'warning').map((a) => a.title)).toEqual(['write freeze: writes refused']);
    // Lifted: the same write goes through again.
    expect((await kong.through('POST', '/consumers', { username: 'after-the-freeze' })).status).toBe(201);
    const unmasked = (stdout: string) => stdout.split('\n').filter((line) => !line.startsWith('::add-mask::')).join('\n');
    for (const text of [unmasked(main.stdout), unmasked(post.stdout), post.summary, readFileSync(kong.accessLog, 'utf8')]) expect(text).not.toContain(TOKEN);

    // A post step with nothing saved (main failed before freezing) does nothing.
    const idle = await runAction('write-freeze', inputs, { post: true });
    expect(idle.exitCode).toBe(0);
    expect(idle.stdout).not.toContain('lifted');
  });

  it('Kong 2.8.5, lifted through the loopback it freezes: the freeze route leaves its own deletion out', async () => {
    const kong = await loopback('2.8.5');
    const inputs = { 'admin-url': kong.loopbackUrl, 'admin-token': TOKEN, 'admin-route': 'admin-api', 'loopback-url': kong.loopbackUrl, timeout: '10s' };
    const main = await runAction('write-freeze', inputs);
    expect(main.exitCode, main.stdout + main.stderr).toBe(0);
    const record = JSON.parse(main.outputs['freeze-json']!) as { rows: { id: string }[] };
    const route = (await kong.admin('GET', `/routes/${record.rows[0]!.id}`)).body!;
    expect(route.paths).toEqual([`~/admin-api(?!/?routes/${record.rows[0]!.id}/?$)`]);
    expect(route.methods).toEqual(['POST', 'PUT', 'PATCH', 'DELETE']);
    expect((await kong.through('DELETE', `/routes/${route.id}x`)).status).toBe(423);
    const post = await runAction('write-freeze', inputs, { post: true, state: main.state });
    expect(post.exitCode, post.stdout + post.stderr).toBe(0);
    expect(post.summary).toContain('Refused writes were not counted: give access-log');
    expect((await kong.admin('GET', `/routes/${route.id}`)).status).toBe(404);
  });

  it('a freeze that does not catch the loopback\'s writes fails, and removes itself', async () => {
    const kong = await loopback('3.4.2');
    await kong.admin('POST', '/services/admin-api/routes', { name: 'elsewhere', paths: ['/elsewhere'] });
    // loopback-url is not under admin-route: writes there never meet the freeze.
    const main = await runAction('write-freeze', { 'admin-url': kong.node.adminUrl, 'admin-token': TOKEN, 'admin-route': 'elsewhere', 'loopback-url': kong.loopbackUrl, timeout: '2s' });
    expect(main.exitCode).toBe(1);
    expect(main.annotations.find((a) => a.level === 'error')?.message).toMatch(/^write freeze: a write through .*\/admin-api still got 204 .* after 2s, not the freeze's 423: the freeze route does not catch/);
    expect(main.state.lifted).toBe('true');
    const routes = (await kong.admin('GET', '/routes')).body!.data as { name: string }[];
    expect(routes.map((r) => r.name).sort()).toEqual(['admin-api', 'elsewhere']);
    expect((await kong.admin('GET', '/plugins')).body!.data).toEqual([]);
    // Its post step has nothing left to do.
    const post = await runAction('write-freeze', { 'admin-url': kong.node.adminUrl, 'admin-token': TOKEN, 'admin-route': 'elsewhere', 'loopback-url': kong.loopbackUrl }, { post: true, state: main.state });
    expect(post.exitCode).toBe(0);
    expect(post.summary).toBe('');
  });

  it('names the input that is missing or wrong', async () => {
    const kong = await loopback('3.4.2');
    const base = { 'admin-url': kong.node.adminUrl, 'admin-token': TOKEN, 'admin-route': 'admin-api', 'loopback-url': kong.loopbackUrl };
    const error = async (inputs: Record<string, string>) => (await runAction('write-freeze', inputs)).annotations.find((a) => a.level === 'error')?.message;
    expect(await error({ ...base, 'admin-route': '' })).toMatch(/^input 'admin-route': is required/);
    expect(await error({ ...base, 'admin-route': 'no-such-route' })).toMatch(/^input 'admin-route': no route "no-such-route"/);
    expect(await error({ ...base, 'loopback-url': '' })).toMatch(/^input 'loopback-url': is required/);
    expect(await error({ ...base, method: 'rbac' })).toMatch(/^input 'method': "rbac" is not supported/);
    expect(existsSync(kong.accessLog)).toBe(true);
  });
});
