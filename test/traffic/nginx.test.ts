import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findNginx, startNginx, type NginxServer } from '../helpers/nginx.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { countGreen, createNginxBackend, parseUpstreamServers } from '../../src/traffic/nginx.js';
import { createGate } from '../../src/traffic/gates.js';
import { runPromotion, type StrategyOptions } from '../../src/traffic/strategy.js';
import { startClusters, type Clusters } from './clusters.js';
import { describeLoad, startLoad, transportTotal } from './load.js';

let server: PostgresServer;
let clusters: Clusters;
let nginx: NginxServer;
let includeDir: string;
let upstreamFile: string;
let blue: string;
let green: string;

beforeAll(async () => {
  server = await startPostgres();
  clusters = await startClusters(server, 'kong_nginx');
  blue = new URL(clusters.blue.proxyUrl).host;
  green = new URL(clusters.green.proxyUrl).host;
  includeDir = mkdtempSync(path.join(os.tmpdir(), 'promote-nginx-'));
  chmodSync(includeDir, 0o755);
  upstreamFile = path.join(includeDir, 'kong-upstream.conf');
  // The operator's starting point: all on blue, green down.
  writeFileSync(upstreamFile, `server ${blue} max_fails=0;\nserver ${green} down max_fails=0;\n`);
  nginx = await startNginx({
    httpConfig: `
  log_format promote '$remote_addr "$request" $status upstream_addr="$upstream_addr" upstream_status="$upstream_status"';
  upstream kong {
    include ${upstreamFile};
    keepalive 32;
  }
  server {
    listen 127.0.0.1:{{PORT}};
    access_log {{DIR}}/logs/promote.log promote;
    location / {
      proxy_pass http://kong;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }`,
  });
}, 60_000);

afterAll(async () => {
  await nginx?.stop();
  await clusters?.stop();
  await server?.stop();
  if (includeDir) rmSync(includeDir, { recursive: true, force: true });
});

function backend(serverParams = 'max_fails=0') {
  return createNginxBackend({
    binary: findNginx(), configFile: nginx.configPath, prefix: nginx.dir, upstreamFile, blueServers: [blue], greenServers: [green],
    serverParams, accessLog: path.join(nginx.dir, 'logs', 'promote.log'), pidFile: path.join(nginx.dir, 'nginx.pid'), reloadTimeoutMs: 10_000,
  });
}

function gate() {
  return createGate({
    budgets: { max5xxRate: 0.01, maxTransportErrorRate: 0, minSamples: 50 },
    probes: { origin: clusters.green.proxyUrl, requests: [{ method: 'GET', path: '/app', headers: {}, body: undefined }], count: 20, concurrency: 4, timeoutMs: 2000 },
    smoke: undefined,
  });
}

const canary = (overrides: Partial<StrategyOptions> = {}): StrategyOptions => ({
  command: 'promote', strategy: 'canary', steps: [10, 25, 50, 100], pauseMs: 2000, intervalMs: 500,
  failureLimit: 0, failureCounting: 'consecutive', stepDeadlineMs: 10_000, onInconclusive: 'revert', onPartial: 'resume', dryRun: false,
  ...overrides,
});

describe('nginx backend (include file + graceful reload, real nginx)', () => {
  it('reads the operator\'s file: green down = 0%', async () => {
    expect(await backend().read()).toMatchObject({ kind: 'split', green: 0 });
    expect(parseUpstreamServers('server a:1 weight=3;\nserver b:2; # x\nserver c:3 down;\n')).toEqual(new Map([['a:1', 3], ['b:2', 1], ['c:3', 0]]));
  });

  it('healthy canary under load: one reload per step, transport errors counted and printed', async () => {
    const load = startLoad(nginx.url, { connections: 32, path: '/app', maxRequests: 1_000_000, maxMs: 30_000 });
    const lines: string[] = [];
    const result = await runPromotion(canary(), { backend: backend(), gate: gate(), log: (l) => lines.push(l) });
    await new Promise((r) => setTimeout(r, 300));
    const counts = await load.stop();
    const reloads = result.steps.flatMap((s) => s.actions).filter((a) => a === 'nginx -s reload').length;
    console.log(describeLoad('nginx healthy canary', counts));
    console.log(`nginx reloads: ${reloads} (one per step); transport errors: ${transportTotal(counts)}; last gate → 100% green: ${result.lastGateToGreenMs?.toFixed(1)} ms`);
    expect(result.outcome, lines.join('\n')).toBe('promoted');
    expect(reloads).toBe(4);
    expect(counts.non2xx).toBe(0);
    expect(counts.byCluster.green).toBeGreaterThan(0);
    expect(result.lastGateToGreenMs).toBeLessThan(2000);
    const file = readFileSync(upstreamFile, 'utf8');
    expect(file).toContain(`server ${blue} down max_fails=0; # blue`);
    expect(file).toContain(`server ${green} weight=1000 max_fails=0; # green`);
    expect(file).not.toMatch(/weight=0\b/);
    expect(readFileSync(`${upstreamFile}.previous`, 'utf8')).toContain('weight=500');
  }, 45_000);

  it('green answering 5xx at the 25% step: reverted within one gate interval; 5xx bounded by weight × window', async () => {
    await backend().apply(0);
    const intervalMs = 500;
    const load = startLoad(nginx.url, { connections: 32, path: '/app', maxRequests: 1_000_000, maxMs: 30_000 });
    let faultAt = 0;
    let requestsAtFault = 0;
    const lines: string[] = [];
    const result = await runPromotion(canary({ pauseMs: 1000, intervalMs }), {
      backend: backend(),
      gate: gate(),
      log: (line) => {
        lines.push(line);
        if (line.startsWith('Green at 25%') && faultAt === 0) {
          faultAt = performance.now();
          requestsAtFault = load.counts.requests;
          void clusters.setFaults('green', { errorRate: 1, errorStatus: 500 });
        }
      },
    });
    const windowMs = performance.now() - faultAt;
    const inWindow = load.counts.requests - requestsAtFault;
    await new Promise((r) => setTimeout(r, 300));
    const counts = await load.stop();
    await clusters.setFaults('green', { errorRate: 0 });
    const bound = Math.ceil(inWindow * 0.25 * 1.3) + 32;
    console.log(describeLoad('nginx failing green at 25%', counts));
    console.log(`fault → reverted to blue: ${windowMs.toFixed(0)} ms (gate interval ${intervalMs} ms; revert ${result.revertMs?.toFixed(1)} ms incl. nginx -t + reload); requests in the window ${inWindow}; 5xx seen ${counts.status5xx}, bound 25% × window = ${Math.round(inWindow * 0.25)} (with slack ${bound}); transport errors ${transportTotal(counts)}`);
    expect(result.outcome, lines.join('\n')).toBe('failed');
    expect(result.live).toBe('blue');
    const step25 = result.steps.find((s) => s.green === 25)!;
    expect(step25.measurements).toHaveLength(1);
    expect(windowMs).toBeLessThan(intervalMs + 1500);
    expect(counts.status5xx).toBeLessThanOrEqual(bound);
    expect(counts.fiveXxByCluster.blue ?? 0).toBe(0);
    expect(await backend().read()).toMatchObject({ kind: 'split', green: 0 });
  }, 30_000);

  it('an invalid config is never loaded: nginx -t fails, the previous file is put back, no reload', async () => {
    const before = readFileSync(upstreamFile, 'utf8');
    const errorLogBefore = readFileSync(nginx.errorLog, 'utf8');
    await expect(backend('bogus_param=1').apply(50)).rejects.toThrow(/nginx -t rejected the config with green at 50%.*invalid parameter "bogus_param=1"/s);
    expect(readFileSync(upstreamFile, 'utf8')).toBe(before);
    // No reload was signalled: the error log gained no "reconfiguring" line, and traffic is still all blue.
    expect(readFileSync(nginx.errorLog, 'utf8').slice(errorLogBefore.length)).not.toMatch(/reconfiguring/);
    const load = startLoad(nginx.url, { connections: 4, path: '/app', maxRequests: 200, maxMs: 5000 });
    const counts = await load.stop().then(async () => load.counts);
    expect(counts.byCluster.green ?? 0).toBe(0);
  });

  it('counts green attempts in $upstream_addr/$upstream_status, retries included', () => {
    const lines = [
      `1 "GET /" 200 upstream_addr="${green}" upstream_status="200"`,
      `1 "GET /" 200 upstream_addr="${green}, ${blue}" upstream_status="502, 200"`,
      `1 "GET /" 500 upstream_addr="${green}" upstream_status="500"`,
      `1 "GET /" 200 upstream_addr="${blue}" upstream_status="200"`,
    ];
    expect(countGreen(lines, [green])).toEqual({ requests: 3, status5xx: 2, transportErrors: 0 });
  });
});
