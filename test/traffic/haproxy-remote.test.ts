// Issue 17: HAProxy on load balancer hosts of their own. Two real HAProxy instances, each in a
// network namespace (test/helpers/netns.ts), driven over their runtime API on TCP across veth
// links and switched together by promote; the load runs from this machine through both.
import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHaproxy, type HaproxyServer } from '../helpers/haproxy.js';
import { createNetwork, netnsUnavailable, type TestNetwork } from '../helpers/netns.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { until } from '../helpers/until.js';
import { describeEndpoint, parseRuntimeEndpoint } from '../../src/traffic/haproxy-runtime.js';
import { readPromoteConfig } from '../../src/traffic/options.js';
import { runPromotion, type PromoteResult } from '../../src/traffic/strategy.js';
import { startClusters, type Clusters } from './clusters.js';
import { canary, greenGate } from './canary.js';
import { describeLoad, startLoad, transportTotal, type LoadCounts, type RunningLoad } from './load.js';

const skip = netnsUnavailable();

let server: PostgresServer;
let clusters: Clusters;
let network: TestNetwork;
let instances: HaproxyServer[] = [];

const portOf = (url: string) => Number(new URL(url).port);

/** Two HAProxy instances, one per namespace, all blue; the second one's TCP API at `level`. */
async function startInstances(secondLevel: 'admin' | 'operator' = 'admin'): Promise<[HaproxyServer, HaproxyServer]> {
  const servers = [
    { name: 'blue', address: `${network.gateway}:${portOf(clusters.blue.proxyUrl)}`, weight: 200 },
    { name: 'green', address: `${network.gateway}:${portOf(clusters.green.proxyUrl)}`, weight: 0 },
  ];
  const a = await startHaproxy({ servers, netns: network.hosts[0]! });
  instances.push(a);
  const b = await startHaproxy({ servers, netns: network.hosts[1]!, tcpApiLevel: secondLevel });
  instances.push(b);
  return [a, b];
}

/** promote's backend as the action builds it from its inputs: both TCP APIs in haproxy-socket. */
async function backendFor(list: readonly HaproxyServer[], timeout = '3s') {
  const inputs: Record<string, string> = {
    backend: 'haproxy', 'haproxy-socket': list.map((h) => h.tcpApi!).join('\n'), 'blue-servers': 'blue', 'green-servers': 'green', 'request-timeout': timeout,
  };
  const config = await readPromoteConfig({ get: (name) => inputs[name] ?? '', mask: () => {} });
  return config.backend;
}

const weights = async (h: HaproxyServer) => `${(await h.command('get weight kong/blue')).split(' ')[0]}/${(await h.command('get weight kong/green')).split(' ')[0]}`;

/** Keep-alive load through each instance (16 connections each) until stopped. */
function loadThrough(list: readonly HaproxyServer[]): RunningLoad[] {
  return list.map((h) => startLoad(h.url, { connections: 16, path: '/app', maxRequests: 1_000_000, maxMs: 60_000 }));
}

async function stopLoads(loads: RunningLoad[], label: string): Promise<LoadCounts[]> {
  const counts = await Promise.all(loads.map((l) => l.stop()));
  counts.forEach((c, i) => console.log(describeLoad(`${label}, instance ${i + 1}`, c)));
  return counts;
}

/** Runs the canary, calling `at` synchronously when promote logs a line starting with `prefix`. */
async function canaryWith(backend: Awaited<ReturnType<typeof backendFor>>, prefix: string, at: () => void): Promise<{ result: PromoteResult; lines: string[] }> {
  const lines: string[] = [];
  let fired = false;
  const result = await runPromotion(canary(), {
    backend, gate: greenGate(clusters),
    log: (line) => {
      lines.push(line);
      if (!fired && line.startsWith(prefix)) {
        fired = true;
        at();
      }
    },
  });
  expect(fired, lines.join('\n')).toBe(true);
  return { result, lines };
}

describe('runtime API addresses', () => {
  it('takes a unix socket path or tcp://host:port, and names what it refuses', async () => {
    expect(parseRuntimeEndpoint('/run/haproxy/admin.sock')).toEqual({ kind: 'unix', path: '/run/haproxy/admin.sock' });
    expect(parseRuntimeEndpoint('tcp://10.0.9.5:9999')).toEqual({ kind: 'tcp', host: '10.0.9.5', port: 9999 });
    expect(describeEndpoint(parseRuntimeEndpoint('tcp://[fd00::5]:9999') as never)).toBe('tcp://[fd00::5]:9999');
    for (const bad of ['admin.sock', 'tcp://10.0.9.5', 'tcp://10.0.9.5:0', 'tcp://[zz]:1', 'ipv4@10.0.9.5:9999', '/run/a\nb']) expect(parseRuntimeEndpoint(bad)).toHaveProperty('problem');
    const read = (values: Record<string, string>) => readPromoteConfig({ get: (name) => ({ backend: 'haproxy', 'blue-servers': 'blue', 'green-servers': 'green', ...values })[name] ?? '', mask: () => {} });
    await expect(read({ 'haproxy-socket': 'ipv4@10.0.9.5:9999' })).rejects.toThrow(/^input 'haproxy-socket': "ipv4@10\.0\.9\.5:9999": expected an absolute unix socket path .* or tcp:\/\/host:port/);
    await expect(read({ 'haproxy-socket': 'tcp://10.0.9.5:9999\ntcp://10.0.9.5:9999' })).rejects.toThrow(/^input 'haproxy-socket': names tcp:\/\/10\.0\.9\.5:9999 twice/);
    await expect(read({ 'haproxy-socket': 'tcp://10.0.9.5:9999\ntcp://10.0.9.6:9999', 'haproxy-config': '/etc/haproxy/haproxy.cfg' })).rejects.toThrow(/^input 'haproxy-config': is one file on this machine, and haproxy-socket names 2 instances/);
  });
});

describe.skipIf(skip !== undefined)(`HAProxy instances over TCP on hosts of their own (network namespaces)${skip ? ` — ${skip}` : ''}`, () => {
  beforeAll(async () => {
    server = await startPostgres();
    clusters = await startClusters(server, 'kong_haproxy_remote');
    network = await createNetwork(2);
    await network.relay([portOf(clusters.blue.proxyUrl), portOf(clusters.green.proxyUrl)]);
  }, 60_000);

  afterEach(async () => {
    await Promise.all(instances.map((h) => h.stop()));
    instances = [];
    for (const host of network?.hosts ?? []) host.setLink(true);
  });

  afterAll(async () => {
    network?.remove();
    await clusters?.stop();
    await server?.stop();
  });

  it('two instances switched together under load: canary 10→25→50→100, 0 transport errors, both read back 100% green', async () => {
    const [a, b] = await startInstances();
    expect(a.url).toMatch(/^http:\/\/10\.213\./);
    const loads = loadThrough([a, b]);
    const lines: string[] = [];
    const result = await runPromotion(canary(), { backend: await backendFor([a, b]), gate: greenGate(clusters), log: (l) => lines.push(l) });
    // Traffic on 100% green through both: a few more requests per connection after the switch.
    const atSwitch = loads.map((l) => l.counts.requests);
    await until(() => loads.every((l, i) => l.counts.requests >= atSwitch[i]! + 32));
    const counts = await stopLoads(loads, 'two HAProxy instances, healthy canary');
    expect(result.outcome, lines.join('\n')).toBe('promoted');
    expect(result.steps.map((s) => s.green)).toEqual([0, 10, 25, 50, 100]);
    // Every step's actions name both instances, in turn.
    for (const step of result.steps.slice(1)) {
      expect(step.actions.some((x) => x.startsWith(a.tcpApi!))).toBe(true);
      expect(step.actions.some((x) => x.startsWith(b.tcpApi!))).toBe(true);
    }
    for (const c of counts) {
      expect(transportTotal(c)).toBe(0);
      expect(c.non2xx).toBe(0);
      expect(c.byCluster.green).toBeGreaterThan(0);
    }
    expect(await weights(a)).toBe('0/200');
    expect(await weights(b)).toBe('0/200');
    // The gate counted green's traffic at both fronts.
    expect(result.steps.at(-1)!.measurements[0]!.figures.find((f) => f.name === 'front')!.details).toContain(' + ');
  });

  it('one instance whose weights are reset mid-switch (a reload from its config): the next step stops before any change, both reverted, the instance named', async () => {
    const [a, b] = await startInstances();
    const loads = loadThrough([a, b]);
    const address = new URL(b.tcpApi!.replace('tcp:', 'http:'));
    const { result, lines } = await canaryWith(await backendFor([a, b]), 'Gate passed at green 25%', () => {
      // What a reload of instance 2 from its unchanged config file does to its weights, from outside promote.
      execFileSync('bash', ['-c', `exec 3<>/dev/tcp/${address.hostname}/${address.port}; echo 'set weight kong/blue 200; set weight kong/green 0' >&3; cat <&3`]);
    });
    const counts = await stopLoads(loads, 'two HAProxy instances, one reset mid-switch');
    expect(result.outcome, lines.join('\n')).toBe('failed');
    expect(result.reason).toContain(`setting green to 50% failed: haproxy: before setting green to 50%: instance ${b.tcpApi} is at 0%, not the 25% this run left on every instance`);
    expect(result.reason).toContain('no instance was changed in this step');
    expect(result.live).toBe('blue');
    expect(result.finalWeight).toBe(0);
    expect(await weights(a)).toBe('200/0');
    expect(await weights(b)).toBe('200/0');
    for (const c of counts) {
      expect(transportTotal(c)).toBe(0);
      expect(c.non2xx).toBe(0);
    }
    expect(counts[0]!.byCluster.green).toBeGreaterThan(0);
  });

  it('one instance refusing set weight (its TCP API at level operator): the instance already moved is reverted with it', async () => {
    const [a, b] = await startInstances('operator');
    const loads = loadThrough([a, b]);
    const lines: string[] = [];
    const result = await runPromotion(canary(), { backend: await backendFor([a, b]), gate: greenGate(clusters), log: (l) => lines.push(l) });
    const counts = await stopLoads(loads, 'two HAProxy instances, one refusing');
    expect(result.outcome, lines.join('\n')).toBe('failed');
    expect(result.reason).toMatch(new RegExp(`setting green to 10% failed: haproxy: instance ${b.tcpApi} failed at green 10% \\(already at 10%: ${a.tcpApi}\\): ${b.tcpApi} refused set weight kong/green 20; set weight kong/blue 180: "Permission denied.*set weight needs a runtime API at level admin`));
    expect(lines.join('\n')).toMatch(/Reverted to 100% blue/);
    expect(result.live).toBe('blue');
    expect(await weights(a)).toBe('200/0');
    expect(await weights(b)).toBe('200/0');
    for (const c of counts) expect(transportTotal(c)).toBe(0);
  });

  it('one instance unreachable mid-switch (its link down): the other reverted, the unreachable one named and left as it was; revert once it is back', async () => {
    const [a, b] = await startInstances();
    // Load through the first only: the second's link goes down, and its traffic with it.
    const loads = loadThrough([a]);
    const { result, lines } = await canaryWith(await backendFor([a, b], '2s'), 'Gate passed at green 25%', () => network.hosts[1]!.setLink(false));
    const counts = await stopLoads(loads, 'two HAProxy instances, one unreachable');
    expect(result.outcome, lines.join('\n')).toBe('failed');
    expect(result.reason).toContain(`before setting green to 50%: instance ${b.tcpApi}: runtime API at ${b.tcpApi}: `);
    expect(result.reason).toContain(`and the revert to blue failed: haproxy: 1 of 2 instances could not be set to 100% blue: instance ${b.tcpApi}: `);
    expect(result.reason).toContain(`(at 100% blue: ${a.tcpApi})`);
    expect(result.live).toBe('split');
    expect(result.finalWeight).toBe(-1);
    expect(await weights(a)).toBe('200/0');
    // Unreachable, so untouched: still at 25% (read here through its local unix socket).
    expect(await weights(b)).toBe('150/50');
    expect(transportTotal(counts[0]!)).toBe(0);

    network.hosts[1]!.setLink(true);
    const revert = await runPromotion({ ...canary(), command: 'revert' }, { backend: await backendFor([a, b]), gate: greenGate(clusters), log: () => {} });
    expect(revert.outcome).toBe('reverted');
    expect(await weights(b)).toBe('200/0');
  });
});
