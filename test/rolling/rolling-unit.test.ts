// The rolling upgrade's decisions, without any server: the nodes and batches inputs, the wait's
// judgement of what the control plane lists, the skew rule, the conversions a plan asks for and
// how a conversion is described.
import { describe, expect, it } from 'vitest';
import { UpgradeError } from '../../src/lib/errors.js';
import type { ControlPlaneView, DataPlaneRow } from '../../src/rolling/control-plane.js';
import { conversionSteps, countEntities, describeChanges } from '../../src/rolling/declarative.js';
import { parseNodes, planBatches } from '../../src/rolling/nodes.js';
import { roll } from '../../src/rolling/roll.js';
import { waitForBatch } from '../../src/rolling/sync.js';
import { dataPlaneVerdict } from '../../src/version/hybrid-compat.js';
import { parseKongVersion } from '../../src/version/kong-version.js';

const v = (text: string) => parseKongVersion(text);
const error = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e as UpgradeError;
  }
  throw new Error('did not throw');
};
const NODES = JSON.stringify([
  { name: 'dp-1', 'proxy-url': 'http://10.0.0.1:8000/' },
  { name: 'dp-2', hostname: 'dp-2.internal', 'proxy-url': 'http://10.0.0.2:8000', 'status-url': 'http://10.0.0.2:8100' },
  { name: 'dp-3', 'proxy-url': 'http://10.0.0.3:8000' },
]);

describe('nodes and batches', () => {
  it('reads the nodes: hostname defaults to the name, trailing slashes go', () => {
    const nodes = parseNodes(NODES, 'nodes', false);
    expect(nodes[0]).toEqual({ name: 'dp-1', hostname: 'dp-1', proxyUrl: 'http://10.0.0.1:8000', statusUrl: undefined, adminUrl: undefined });
    expect(nodes[1]!.hostname).toBe('dp-2.internal');
  });

  it('refuses what the operator script or a log could choke on, naming the input and the node', () => {
    expect(error(() => parseNodes('[{"name":"a b","proxy-url":"http://x"}]', 'nodes', false)).message).toBe("input 'nodes': nodes[0].name must be 1-64 of A-Z a-z 0-9 . _ - (starting with a letter or digit)");
    expect(error(() => parseNodes('[{"name":"a","proxy-url":"http://u:p@x"}]', 'nodes', false)).message).toMatch(/nodes\[0\]\.proxy-url must not hold credentials/);
    expect(error(() => parseNodes('[{"name":"a"}]', 'nodes', false)).message).toMatch(/nodes\[0\] needs proxy-url/);
    expect(error(() => parseNodes('[{"name":"a","proxy-url":"http://x"}]', 'nodes', true)).message).toMatch(/needs admin-url: a DB-less node/);
    expect(error(() => parseNodes('[{"name":"a","proxy-url":"http://x","port":1}]', 'nodes', false)).message).toMatch(/unknown key\(s\) "port"/);
    expect(error(() => parseNodes('[{"name":"a","proxy-url":"http://x"},{"name":"a","proxy-url":"http://y"}]', 'nodes', false)).message).toMatch(/"a" is listed twice/);
    expect(error(() => parseNodes('{}', 'nodes', false)).message).toMatch(/non-empty JSON array/);
  });

  it('batches by size, or as listed; every node in exactly one batch', () => {
    const nodes = parseNodes(NODES, 'nodes', false);
    expect(planBatches(nodes, undefined, 2).map((b) => b.map((n) => n.name))).toEqual([['dp-1', 'dp-2'], ['dp-3']]);
    expect(planBatches(nodes, '[["dp-3"],["dp-1","dp-2"]]', 1).map((b) => b.map((n) => n.name))).toEqual([['dp-3'], ['dp-1', 'dp-2']]);
    expect(error(() => planBatches(nodes, '[["dp-1"],["dp-2"]]', 1)).message).toBe("input 'batches': leaves out dp-3: every node is upgraded in some batch");
    expect(error(() => planBatches(nodes, '[["dp-1","dp-9"],["dp-2","dp-3"]]', 1)).message).toMatch(/batch 1 names "dp-9", which is not in nodes \(dp-1, dp-2, dp-3\)/);
    expect(error(() => planBatches(nodes, '[["dp-1","dp-2"],["dp-2","dp-3"]]', 1)).message).toMatch(/"dp-2" is in more than one batch/);
  });
});

describe('the skew rule (Kong/kong 3.4.2 kong/clustering/compat/init.lua)', () => {
  it('a data plane may be older or a newer patch, never a newer minor or another major', () => {
    expect(dataPlaneVerdict(v('3.10.0.2'), v('3.4.3.5')).accepted).toBe(true);
    expect(dataPlaneVerdict(v('3.4.2'), v('3.4.3')).accepted).toBe(true);
    expect(dataPlaneVerdict(v('3.4.2'), v('3.5.0'))).toEqual({ accepted: false, reason: "minor 3.5 is newer than the control plane's 3.4" });
    expect(dataPlaneVerdict(v('3.4.2'), v('2.8.5'))).toEqual({ accepted: false, reason: "major version differs from the control plane's 3.4.2" });
  });

  it('a batch the control plane would refuse is never started: no operator call, the rollout stops there', async () => {
    const view: ControlPlaneView = { describe: 'control plane test', version: () => Promise.resolve(v('3.4.3.5')), dataPlanes: () => Promise.resolve([]), expectedHash: () => Promise.resolve(undefined) };
    const nodes = parseNodes(NODES, 'nodes', false);
    const report = await roll(
      {
        deployment: 'hybrid', from: v('3.4.3.5'), to: v('3.10.0.2'), batches: planBatches(nodes, undefined, 2), operatorScript: '/nonexistent/operator', controlPlane: view,
        declarative: undefined, adminToken: undefined, requests: [], syncTimeoutMs: 0, requestTimeoutMs: 1000, revertOnFailure: true, dryRun: false,
      },
      () => {},
    );
    expect(report.batches.map((b) => [b.outcome, b.summary])).toEqual([
      ['not-run', "refused by the skew rule: data planes at 3.10.0.2 would be rejected by the control plane at 3.4.3.5 (minor 3.10 is newer than the control plane's 3.4); upgrade the control plane first"],
      ['not-run', 'not started: an earlier batch did not pass'],
    ]);
    expect(report.completed).toBe(false);
  });
});

describe('the wait after a batch', () => {
  const now = Date.now();
  const row = (hostname: string, version: string, hash: string, agoSeconds: number, extra: Partial<DataPlaneRow> = {}): DataPlaneRow => ({
    id: `${hostname}-${version}-${agoSeconds}`, hostname, version, configHash: hash, lastSeenMs: now - agoSeconds * 1000, syncProblem: undefined, ...extra,
  });
  const view = (rows: DataPlaneRow[], expected?: string): ControlPlaneView => ({
    describe: 'test', version: () => Promise.resolve(undefined), dataPlanes: () => Promise.resolve(rows), expectedHash: () => Promise.resolve(expected),
  });
  const batch = parseNodes(NODES, 'nodes', false).slice(0, 2);
  const wait = (rows: DataPlaneRow[], expected?: string) => waitForBatch(view(rows, expected), batch, v('3.10.0.2'), { sinceMs: now - 10_000, timeoutMs: 0, log: () => {} });
  const A = 'a'.repeat(32);
  const B = 'b'.repeat(32);

  it('synced: the newest row per hostname since the batch started, at the target, with the hash the data planes outside the batch report', async () => {
    const result = await wait([row('dp-1', '3.4.3.5', A, 60), row('dp-1', '3.10.0.2', A, 1), row('dp-2.internal', '3.10.0.2', A, 2), row('dp-3', '3.4.3.5', A, 3)]);
    expect(result.synced).toBe(true);
    expect(result.reference).toEqual({ hash: A, source: 'the data planes outside the batch' });
  });

  it('not synced: the old row only, a stale hash, the empty hash, a refused node', async () => {
    const result = await wait([
      row('dp-1', '3.4.3.5', A, 60),
      row('dp-2.internal', '3.10.0.2', B, 1),
      row('dp-3', '3.4.3.5', A, 3),
    ]);
    expect(result.nodes.map((n) => n.detail)).toEqual(['not seen by the control plane since the batch started', `configuration hash ${B} is not the current ${A}`]);
    const empty = await wait([row('dp-1', '3.10.0.2', '0'.repeat(32), 1), row('dp-2.internal', '3.10.0.2', A, 1, { syncProblem: 'sync_status kong_version_incompatible' }), row('dp-3', '3.4.3.5', A, 3)]);
    expect(empty.nodes.map((n) => n.detail)).toEqual(['has no configuration yet (empty configuration hash)', 'the control plane will not configure it: sync_status kong_version_incompatible']);
  });

  it('the control plane\'s expected hash (Konnect) wins; with no other data plane, the batch must agree on one hash', async () => {
    const konnect = await wait([row('dp-1', '3.10.0.2', A, 1), row('dp-2.internal', '3.10.0.2', A, 1), row('dp-3', '3.4.3.5', A, 1)], B);
    expect(konnect.nodes.every((n) => !n.synced)).toBe(true);
    expect(konnect.reference).toEqual({ hash: B, source: 'the control plane' });
    const alone = await wait([row('dp-1', '3.10.0.2', A, 1), row('dp-2.internal', '3.10.0.2', A, 1)]);
    expect(alone.reference).toEqual({ hash: A, source: 'the whole batch' });
    expect(alone.synced).toBe(true);
  });
});

describe('declarative conversion', () => {
  it('the conversions the plan\'s hops ask for, in order', () => {
    expect(conversionSteps([
      { from: '2.8.5', to: '3.4.2', deckConvert: 'deck file convert --from 2.8 --to 3.4' },
      { from: '3.4.2', to: '3.5.0', deckConvert: null },
    ])).toEqual([{ from: '2.8', to: '3.4', hop: '2.8.5 → 3.4.2' }]);
    expect(error(() => conversionSteps([{ from: '2.8.5', to: '3.4.2', deckConvert: 'rm -rf /' }])).message).toMatch(/input 'plan-json': hop 2\.8\.5 → 3\.4\.2: "rm -rf \/" is not a deck file convert command/);
  });

  it('counts nested entities; describes changes by entity name, not by position', () => {
    const doc = { services: [{ name: 's', plugins: [{ name: 'p' }], routes: [{ name: 'r', plugins: [{ name: 'q' }] }] }], routes: [{ name: 't' }], upstreams: [{ name: 'u', targets: [{ target: 'a:1' }, { target: 'b:1' }] }], consumers: [{ username: 'c' }] };
    expect(countEntities(doc)).toEqual({ services: 1, plugins: 2, routes: 2, upstreams: 1, targets: 2, consumers: 1 });
    const reordered = { services: [{ name: 'b', host: 'x' }, { name: 'a', host: 'y' }] };
    expect(describeChanges({ services: [{ name: 'a', host: 'y' }, { name: 'b', host: 'x' }] }, reordered)).toEqual([]);
    expect(describeChanges({ services: [{ name: 'a', port: 80 }] }, { services: [{ name: 'a', port: 81 }, { name: 'c' }] })).toEqual(['services[a].port: 80 → 81', 'services[c]: added']);
  });
});
