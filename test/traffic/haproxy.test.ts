import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHaproxy, type HaproxyServer } from '../helpers/haproxy.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { until } from '../helpers/until.js';
import { createHaproxyBackend, rewriteHaproxyConfig } from '../../src/traffic/haproxy.js';
import { runPromotion } from '../../src/traffic/strategy.js';
import { startClusters, type Clusters } from './clusters.js';
import { canary, greenGate, promoteIntoFailingGreen } from './canary.js';
import { describeLoad, startLoad, transportTotal } from './load.js';

let server: PostgresServer;
let clusters: Clusters;
let haproxy: HaproxyServer;

const hostOf = (url: string) => new URL(url).host;

beforeAll(async () => {
  server = await startPostgres();
  clusters = await startClusters(server, 'kong_haproxy');
  haproxy = await startHaproxy({
    servers: [
      { name: 'blue', address: hostOf(clusters.blue.proxyUrl), weight: 200 },
      { name: 'green', address: hostOf(clusters.green.proxyUrl), weight: 0 },
    ],
  });
}, 60_000);

afterAll(async () => {
  await haproxy?.stop();
  await clusters?.stop();
  await server?.stop();
});

function backend() {
  return createHaproxyBackend({ socket: haproxy.socketPath, backend: 'kong', blueServers: ['blue'], greenServers: ['green'], configFile: haproxy.configPath, binary: haproxy.binary, timeoutMs: 3000 });
}

const gate = () => greenGate(clusters);

describe('HAProxy backend (runtime API, real haproxy)', () => {
  // Correctness under keep-alive load, not throughput: every request of the switch answered 2xx
  // by one cluster or the other. bench/promote.mjs measures the rate and the last-gate → 100%
  // green time per front, which here are only printed.
  it('healthy canary 10→25→50→100 under load: 0 transport errors, 0 non-2xx, config file kept in step', async () => {
    const load = startLoad(haproxy.url, { connections: 32, path: '/app', maxRequests: 1_000_000, maxMs: 60_000 });
    const lines: string[] = [];
    const result = await runPromotion(canary(), { backend: backend(), gate: gate(), log: (l) => lines.push(l) });
    // Traffic on 100% green too: two more requests per connection after the switch.
    const atSwitch = load.counts.requests;
    await until(() => load.counts.requests >= atSwitch + 2 * 32);
    const counts = await load.stop();
    console.log(describeLoad('HAProxy healthy canary', counts));
    console.log(`last gate → 100% green: ${result.lastGateToGreenMs?.toFixed(1)} ms`);
    expect(result.outcome, lines.join('\n')).toBe('promoted');
    expect(result.live).toBe('green');
    expect(result.finalWeight).toBe(100);
    expect(result.steps.map((s) => s.green)).toEqual([0, 10, 25, 50, 100]);
    expect(result.steps.every((s) => s.decision === 'passed')).toBe(true);
    expect(transportTotal(counts)).toBe(0);
    expect(counts.non2xx).toBe(0);
    expect(counts.byCluster.blue).toBeGreaterThan(0);
    expect(counts.byCluster.green).toBeGreaterThan(0);
    // Read back from HAProxy itself, and the on-disk config a reload would load.
    expect(await haproxy.command('get weight kong/green')).toMatch(/^200 /);
    expect(await haproxy.command('get weight kong/blue')).toMatch(/^0 /);
    const config = readFileSync(haproxy.configPath, 'utf8');
    expect(config).toMatch(/server green \S+ weight 200/);
    expect(config).toMatch(/server blue \S+ weight 0/);
    // Idempotent: a second run reads 100% green back and changes nothing.
    const again = await runPromotion(canary(), { backend: backend(), gate: gate(), log: () => {} });
    expect(again.outcome).toBe('already-green');
  });

  it('green answering 5xx at the 25% step: reverted within one gate interval, 0 transport errors, 5xx bounded by weight × window', async () => {
    const { result, counts, step25 } = await promoteIntoFailingGreen({
      label: 'HAProxy', origin: haproxy.url, clusters, backend,
    });
    expect(result.finalWeight).toBe(0);
    expect(result.reason).toMatch(/gate failed at green 25%/);
    expect(step25.decision).toBe('failed');
    expect(transportTotal(counts)).toBe(0);
    expect(counts.status5xx).toBeGreaterThan(0);
    expect(await haproxy.command('get weight kong/green')).toMatch(/^0 /);
  }, 40_000);

  it('rewrites only the named servers of the named backend in the config file', () => {
    const text = 'frontend fe\n    bind :80\nbackend other\n    server blue 10.0.0.1:80 weight 7\nbackend kong\n    balance roundrobin\n    server blue 10.0.0.1:8000 check weight 100 # blue cluster\n    server green 10.0.0.2:8000 check\n';
    const out = rewriteHaproxyConfig(text, 'kong', new Map([['blue', 150], ['green', 50]]));
    expect(out).toContain('server blue 10.0.0.1:80 weight 7');
    expect(out).toContain('server blue 10.0.0.1:8000 check weight 150 # blue cluster');
    expect(out).toContain('server green 10.0.0.2:8000 check weight 50');
    expect(() => rewriteHaproxyConfig(text, 'kong', new Map([['canary', 1]]))).toThrow(/no "server canary" line/);
  });

  it('never leaves a config haproxy -c rejects', async () => {
    const saved = `${haproxy.configPath}.saved`;
    copyFileSync(haproxy.configPath, saved);
    writeFileSync(haproxy.configPath, `${readFileSync(saved, 'utf8')}\n    bogus-directive here\n`);
    const before = readFileSync(haproxy.configPath, 'utf8');
    await expect(backend().apply(10)).rejects.toThrow(/haproxy -c rejected/);
    expect(readFileSync(haproxy.configPath, 'utf8')).toBe(before);
    copyFileSync(saved, haproxy.configPath);
    await backend().apply(0);
  });
});
