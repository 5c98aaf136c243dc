// The bundled action (dist/smoke-test/index.js) run as the runner runs it, against a Kong node
// on real PostgreSQL: outputs, report file, summary, annotations, masking and exit code.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMOKE_REPORT_SCHEMA, type SmokeReport } from '../../src/checks/report.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { runAction } from '../helpers/run-action.js';
import { bootstrap, seed, startNode, type StandIn } from '../checks/kong-stand-in.js';
import { injectedCommands } from '../lib/workflow-commands.js';

let server: PostgresServer;
let node: StandIn;
let dir: string;

beforeAll(async () => {
  server = await startPostgres();
  await bootstrap(server, 'kong_action', '3.6.1');
  node = await startNode(server, 'kong_action', { version: '3.6.1', token: 'rbac-token-123' });
  await seed(node.db, { services: [{ name: 'orders', path: '/orders', host: 'api.test' }, { name: 'health', path: '/health' }], upstreams: [{ name: 'u', targets: 2 }] });
  dir = mkdtempSync(path.join(os.tmpdir(), 'smoke-action-'));
});

afterAll(async () => {
  await node?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const inputs = (extra: Record<string, string> = {}) => ({
  'admin-url': node.adminUrl,
  'admin-token': 'rbac-token-123',
  'status-url': node.statusUrl,
  'expected-version': '3.6.1',
  'expected-plugins': 'key-auth, cors',
  'wait-timeout': '5s',
  'proxy-url': node.proxyUrl,
  'proxy-requests': '- name: orders\n  path: /orders\n  host: api.test\n  expect: {status: 200, json: {"$.route": orders}}\n',
  'load-routes': 'orders\n/health',
  'load-requests': '120',
  'load-concurrency': '4',
  'min-samples': '50',
  ...extra,
});

describe('smoke-test action (dist)', () => {
  it('passes a healthy node: outputs, report JSON, summary, token masked', async () => {
    const report = path.join(dir, 'first.json');
    const run = await runAction('smoke-test', inputs({ 'report-file': report }));
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.outputs).toEqual({ passed: 'true', 'report-json': report, 'failed-checks': '[]' });
    expect(run.masked).toContain('rbac-token-123');
    expect(run.stdout.replace('::add-mask::rbac-token-123', '')).not.toContain('rbac-token-123');
    const json = JSON.parse(readFileSync(report, 'utf8')) as SmokeReport;
    expect(json.schema).toBe(SMOKE_REPORT_SCHEMA);
    expect(json.kongVersion).toBe('3.6.1');
    expect(json.edition).toBe('community');
    expect(json.counts!.default).toMatchObject({ services: 2, routes: 2, upstreams: 1, targets: 2 });
    expect(json.checks.every((c) => ['name', 'group', 'status', 'measured', 'threshold', 'details'].every((k) => k in c))).toBe(true);
    expect(run.summary).toContain('## Kong smoke test: ✅ passed');
    expect(run.summary).toContain('### Latency and errors');
    expect(run.annotations).toEqual([]);
  });

  it('fails for exactly the wrong version: failed-checks, error annotation, exit 1', async () => {
    const run = await runAction('smoke-test', inputs({ 'expected-version': '3.6.0' }));
    expect(run.exitCode).toBe(1);
    expect(run.outputs.passed).toBe('false');
    expect(JSON.parse(run.outputs['failed-checks']!)).toEqual(['admin-version']);
    const errors = run.annotations.filter((a) => a.level === 'error');
    expect(errors[0]).toMatchObject({ title: 'smoke-test fail: admin-version', message: 'the node runs Kong 3.6.1, expected 3.6.0' });
    expect(errors.at(-1)!.message).toMatch(/^smoke test: 1 check\(s\) did not pass: admin-version \(fail: /);
  });

  it('fails an entity deleted after the baseline smoke report, with the table in the summary', async () => {
    const baseline = path.join(dir, 'baseline.json');
    const first = await runAction('smoke-test', inputs({ 'report-file': baseline, 'load-routes': '' }));
    expect(first.exitCode, first.stdout).toBe(0);
    await node.db.query("DELETE FROM routes WHERE name = 'health'");
    const run = await runAction('smoke-test', inputs({ baseline, 'load-routes': '' }));
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.outputs['failed-checks']!)).toEqual(['inventory-counts']);
    expect(run.summary).toContain('| default | routes | 2 | 1 | -1 |');
    // The inventory group comes first: failures first.
    expect(run.summary.indexOf('### Entity inventory')).toBeLessThan(run.summary.indexOf('### Admin API'));
  });

  it('warns naming baseline or backup-manifest when given empty (an expression that resolved to nothing); none, like leaving it out, is no baseline and no warning', async () => {
    const quick = { 'load-routes': '' };
    const empty = await runAction('smoke-test', inputs({ ...quick, baseline: '' }));
    expect(empty.exitCode, empty.stdout).toBe(0);
    expect(empty.annotations.map((a) => [a.level, a.title])).toEqual([['warning', 'smoke-test: baseline is empty']]);
    expect(empty.annotations[0]!.message).toMatch(/^baseline is set but empty, so no entity counts are compared: .*Leave it out, or give none, for no baseline\.$/);
    const blank = await runAction('smoke-test', inputs({ ...quick, 'backup-manifest': '  ' }));
    expect(blank.annotations.map((a) => [a.level, a.title])).toEqual([['warning', 'smoke-test: backup-manifest is empty']]);
    const none = await runAction('smoke-test', inputs({ ...quick, baseline: 'none' }));
    expect(none.exitCode, none.stdout).toBe(0);
    expect(none.annotations).toEqual([]);
  });

  it('rejects invalid inputs before sending anything, naming the input', async () => {
    const run = await runAction('smoke-test', inputs({ 'max-5xx-rate': 'lots' }));
    expect(run.exitCode).toBe(1);
    expect(run.annotations[0]!.message).toBe("input 'max-5xx-rate': \"lots\" is not a rate; use a percentage such as 1% or 0.5%, or a fraction such as 0.01");
    expect(run.outputs).toEqual({});
    writeFileSync(path.join(dir, 'bad.json'), '{"schema":"something/else@1"}');
    const bad = await runAction('smoke-test', inputs({ 'backup-manifest': path.join(dir, 'bad.json') }));
    expect(bad.annotations[0]!.message).toMatch(/^input 'backup-manifest': .*bad\.json has schema "something\/else@1"/);
  });
});

// Issue 20: values that reached the log as lines of their own, and secrets echoed.
describe('smoke-test action (dist): hostile values', () => {
  it('prints an Admin API error body only escaped: its lines issue no workflow command', async () => {
    const body = JSON.stringify({ message: 'database down\n::stop-commands::pwned\n::error::fake annotation\n##[set-env name=X]y' });
    const fake = createServer((request, response) => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(body);
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    try {
      const run = await runAction('smoke-test', { 'admin-url': `http://127.0.0.1:${(fake.address() as AddressInfo).port}`, 'wait-timeout': '1s', inventory: 'false' });
      expect(run.exitCode).toBe(1);
      expect(injectedCommands(run.stdout)).toEqual([]);
      expect(run.annotations.map((a) => a.message)).not.toContain('fake annotation');
      expect(run.annotations.at(-1)!.message).toContain('database down\\n::stop-commands::pwned');
    } finally {
      fake.closeAllConnections();
      await new Promise((resolve) => fake.close(resolve));
    }
  });

  it('refuses a report-file with a line break, naming it, before testing anything', async () => {
    const run = await runAction('smoke-test', inputs({ 'report-file': `${dir}/r.json\n::stop-commands::pwned`, 'load-routes': '' }));
    expect(run.exitCode).toBe(1);
    expect(run.annotations[0]!.message).toBe("input 'report-file': holds a line break or another control character; give one line");
    expect(injectedCommands(run.stdout)).toEqual([]);
  });

  it('names report-file when it cannot be written or is too long (was an unexpected ENAMETOOLONG), and prints no YAML warning', async () => {
    writeFileSync(path.join(dir, 'a-file'), 'x');
    const notAFolder = await runAction('smoke-test', inputs({ 'report-file': path.join(dir, 'a-file', 'r.json'), 'load-routes': '' }));
    expect(notAFolder.annotations.at(-1)!.message).toMatch(/^input 'report-file': cannot write .*a-file\/r\.json: (ENOTDIR|EEXIST)$/);
    const long = await runAction('smoke-test', inputs({ 'report-file': 'A'.repeat(100_000), 'load-routes': '' }));
    expect(long.annotations.at(-1)!.message).toBe("input 'report-file': is 100000 bytes long; expected a path of at most 4096 bytes, each name at most 255");
    const directive = await runAction('smoke-test', inputs({ 'proxy-requests': '%zz', 'load-routes': '' }));
    expect(directive.stderr).toBe('');
  });

  it('refuses a multi-line admin-token with every line masked, and shows none of it', async () => {
    const run = await runAction('smoke-test', inputs({ 'admin-token': 'tok-line-one-4711\ntok-line-two-4711', 'load-routes': '' }));
    expect(run.exitCode).toBe(1);
    expect(run.annotations[0]!.message).toMatch(/^input 'admin-token': holds a line break/);
    expect(run.masked).toEqual(expect.arrayContaining(['tok-line-one-4711', 'tok-line-two-4711']));
    const shown = run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::')).join('\n') + run.summary + run.stderr;
    expect(shown).not.toMatch(/tok-line-(one|two)-4711/);
  });

  it('refuses an admin-url with user:password@, masked, and shows it without them', async () => {
    const report = path.join(dir, 'userinfo.json');
    const url = new URL(node.adminUrl);
    const run = await runAction('smoke-test', inputs({ 'admin-url': `http://kong-admin:S3cret-pw-4711@${url.host}`, 'report-file': report, 'load-routes': '' }));
    expect(run.exitCode).toBe(1);
    expect(run.annotations[0]!.message).toBe(`input 'admin-url': holds credentials (user:password@); give the URL without them (http://${url.host}/): an Admin API token goes in its own input, sent as a header`);
    expect(run.masked).toContain('S3cret-pw-4711');
    const shown = run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::')).join('\n') + run.summary + run.stderr;
    expect(shown).not.toContain('S3cret-pw-4711');
    expect(() => readFileSync(report)).toThrow();
  });
});
