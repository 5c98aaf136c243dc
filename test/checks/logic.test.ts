import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { checkDatabase, checkPlugins, checkVersion, hasReadyEndpoint } from '../../src/checks/admin.js';
import { availablePlugins } from '../../src/kong/admin-root.js';
import { createAdminClient } from '../../src/kong/admin-api.js';
import { compareCounts } from '../../src/checks/inventory.js';
import { evaluateLoad, percentile, type Measurement } from '../../src/checks/load.js';
import { parseRate } from '../../src/checks/options.js';
import { evaluateJsonPath, evaluateResponse, parseProxyRequests } from '../../src/checks/proxy.js';
import { UpgradeError } from '../../src/lib/errors.js';
import { parseKongVersion } from '../../src/version/kong-version.js';

describe('version check', () => {
  const v = (text: string) => parseKongVersion(text);
  it('passes the same OSS or Enterprise version, and 3.4.2 = 3.4.2.0', () => {
    expect(checkVersion({ version: '3.4.2' }, v('3.4.2')).status).toBe('pass');
    expect(checkVersion({ version: '3.4.3.5' }, v('3.4.3.5')).status).toBe('pass');
    expect(checkVersion({ version: '3.6.0.0', edition: 'enterprise' }, v('3.6.0')).status).toBe('pass');
  });
  it('fails another build, patch, or an Enterprise version on a community node', () => {
    const build = checkVersion({ version: '3.4.3.5' }, v('3.4.3'));
    expect(build.status).toBe('fail');
    expect(build.details).toContain('four-number form');
    expect(checkVersion({ version: '3.4.3.4' }, v('3.4.3.5')).status).toBe('fail');
    expect(checkVersion({ version: '3.4.1' }, v('3.4.2')).status).toBe('fail');
    expect(checkVersion({ version: '3.6.1.0', edition: 'community' }, v('3.6.1.0')).status).toBe('fail');
    expect(checkVersion({}, v('3.4.2')).status).toBe('fail');
  });
  it('knows which versions serve /status/ready', () => {
    expect(hasReadyEndpoint(v('3.2.2'))).toBe(false);
    expect(hasReadyEndpoint(v('3.3.0'))).toBe(true);
    expect(hasReadyEndpoint(v('2.8.4.14'))).toBe(false);
  });
});

describe('database check', () => {
  it('reads the body: 200 with database.reachable false fails; DB-less (configuration_hash) passes', async () => {
    let body: unknown = { database: { reachable: false }, server: {} };
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = createAdminClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: undefined, workspace: undefined });
    try {
      const down = await checkDatabase(client);
      expect(down).toMatchObject({ status: 'fail', measured: 'database.reachable = false' });
      body = { database: { reachable: true } };
      expect((await checkDatabase(client)).status).toBe('pass');
      body = { server: {}, configuration_hash: 'abc' };
      expect((await checkDatabase(client)).status).toBe('pass');
      body = { server: {} };
      expect((await checkDatabase(client)).status).toBe('inconclusive');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('plugins available on the server', () => {
  it('reads the 2.8 object of true, the 3.x object of {version, priority}, and the documented array', () => {
    expect(availablePlugins({ plugins: { available_on_server: { 'key-auth': true, cors: true } } })).toEqual(['key-auth', 'cors']);
    expect(availablePlugins({ plugins: { available_on_server: { 'key-auth': { version: '3.4.2', priority: 1250 } } } })).toEqual(['key-auth']);
    expect(availablePlugins({ plugins: { available_on_server: ['acl'] } })).toEqual(['acl']);
  });
  it('fails naming what is missing', () => {
    const result = checkPlugins({ plugins: { available_on_server: { 'key-auth': true } } }, ['key-auth', 'my-plugin']);
    expect(result.status).toBe('fail');
    expect(result.measured).toEqual(['my-plugin']);
  });
});

describe('count comparison', () => {
  it('reports changes in compared types only, absent workspaces, and global counts', () => {
    const baseline = { default: { services: 3, routes: 5, keyauth_credentials: 9 }, team: { services: 1 }, '*': { ca_certificates: 2, workspaces: 2 } };
    const current = { default: { services: 3, routes: 4, consumers: 0 }, '*': { ca_certificates: 2, workspaces: 1 } };
    expect(compareCounts(baseline, current, 'all')).toEqual([
      { workspace: '*', entity: 'workspaces', baseline: 2, current: 1 },
      { workspace: 'default', entity: 'routes', baseline: 5, current: 4 },
      { workspace: 'team', entity: 'services', baseline: 1, current: undefined },
    ]);
    expect(compareCounts(baseline, current, ['default'])).toEqual([
      { workspace: '*', entity: 'workspaces', baseline: 2, current: 1 },
      { workspace: 'default', entity: 'routes', baseline: 5, current: 4 },
    ]);
  });
});

describe('latency evaluation', () => {
  const measurement = (latencies: number[], extra: Partial<Measurement> = {}): Measurement => {
    const sorted = Float64Array.from(latencies).sort();
    return {
      target: 'http://green',
      attempts: latencies.length,
      responses: latencies.length,
      samples: latencies.length,
      p50Ms: percentile(sorted, 0.5),
      p95Ms: percentile(sorted, 0.95),
      p99Ms: percentile(sorted, 0.99),
      status5xx: 0,
      transportErrors: { refused: 0, reset: 0, timeout: 0, other: 0 },
      durationMs: 1000,
      requestsPerSecond: latencies.length,
      latencies: sorted,
      ...extra,
    };
  };
  const budgets = { p50Ms: undefined, p95Ms: 100, p99Ms: undefined, max5xxRate: 0.01, maxTransportErrorRate: 0, minSamples: 50, maxP95Ratio: 1.2 };

  it('takes nearest-rank percentiles', () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(sorted, 0.5), percentile(sorted, 0.95), percentile(sorted, 0.99)]).toEqual([50, 95, 99]);
    expect(percentile(new Float64Array(), 0.5)).toBeUndefined();
  });
  it('is inconclusive with too few samples, never pass', () => {
    const results = evaluateLoad(measurement([1, 2, 3]), undefined, budgets);
    expect(results.map((r) => r.status)).toEqual(['inconclusive', 'inconclusive', 'inconclusive']);
  });
  it('fails over budget and compares with blue by ratio (with a 1 ms floor)', () => {
    const slow = measurement(Array.from({ length: 100 }, () => 150));
    expect(evaluateLoad(slow, undefined, budgets)[0]!.status).toBe('fail');
    const green = measurement(Array.from({ length: 100 }, () => 30));
    const blue = measurement(Array.from({ length: 100 }, () => 20), { target: 'http://blue' });
    const ratio = evaluateLoad(green, blue, budgets).find((r) => r.name === 'latency-p95-vs-blue')!;
    expect(ratio.status).toBe('fail');
    const fast = evaluateLoad(measurement(Array.from({ length: 100 }, () => 0.9)), measurement(Array.from({ length: 100 }, () => 0.3)), budgets);
    expect(fast.find((r) => r.name === 'latency-p95-vs-blue')!.status).toBe('pass');
  });
});

describe('proxy request list', () => {
  it('parses YAML and JSON alike, with defaults', () => {
    const yaml = parseProxyRequests('- path: /orders\n  host: api.test\n  expect: {status: [200, 201], json: {"$.data[0].id": 7}}\n', 'proxy-requests');
    const json = parseProxyRequests('[{"path":"/orders","host":"api.test","expect":{"status":[200,201],"json":{"$.data[0].id":7}}}]', 'proxy-requests');
    expect(yaml).toEqual(json);
    expect(yaml[0]).toMatchObject({ name: 'GET /orders', method: 'GET', expect: { status: [200, 201], headers: {} } });
  });
  it('rejects mistakes naming the input and item', () => {
    expect(() => parseProxyRequests('- path: orders', 'proxy-requests')).toThrow(/input 'proxy-requests': item 1: path is required and must start with \//);
    expect(() => parseProxyRequests('- path: /a\n  expect: {stauts: 200}', 'proxy-requests')).toThrow(UpgradeError);
    expect(() => parseProxyRequests('- path: /a\n  expect: {json: {"a.b": 1}}', 'proxy-requests')).toThrow(/JSON path/);
    expect(() => parseProxyRequests('- path: /a\n  expect: {body: "("}', 'proxy-requests')).toThrow(/regular expression/);
  });
  it('evaluates status, headers (exact and /regex/), body regex and JSON paths', () => {
    const [spec] = parseProxyRequests(
      '- path: /a\n  expect:\n    status: 200\n    headers: {content-type: /json/, x-kong: "yes"}\n    body: "\\"ok\\""\n    json: {"$.items[1][\'a b\']": {"c": null}, "$.ok": true}\n',
      'proxy-requests',
    );
    const response = (status: number, body: string, headers: Record<string, string>) => ({ status, body, headers: new Headers(headers), elapsedMs: 1 });
    const good = response(200, '{"ok":true,"items":[0,{"a b":{"c":null}}]}', { 'content-type': 'application/json', 'x-kong': 'yes' });
    expect(evaluateResponse(spec!.expect, good)).toEqual([]);
    const bad = response(404, '{"message":"no Route matched with those values"}', { 'content-type': 'text/plain' });
    expect(evaluateResponse(spec!.expect, bad)).toEqual([
      'status 404, expected 200',
      'header content-type is "text/plain", expected /json/',
      'header x-kong missing, expected yes',
      'body does not match /"ok"/',
      "$.items[1]['a b'] not found, expected {\"c\":null}",
      '$.ok not found, expected true',
    ]);
    expect(evaluateJsonPath({ a: [1, 2] }, '$.a[1]')).toEqual({ found: true, value: 2 });
  });
});

describe('rates', () => {
  it('reads percentages and fractions', () => {
    expect(parseRate('1%', 'r')).toBe(0.01);
    expect(parseRate('0.05', 'r')).toBe(0.05);
    expect(() => parseRate('150%', 'r')).toThrow(/input 'r'/);
  });
});
