import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findNginx, promoteHttpConfig, startNginx, type NginxServer } from '../helpers/nginx.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { countGreen, createNginxBackend, parseUpstreamServers } from '../../src/traffic/nginx.js';
import { runPromotion } from '../../src/traffic/strategy.js';
import { startClusters, type Clusters } from './clusters.js';
import { canary, greenGate, promoteIntoFailingGreen } from './canary.js';
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
  nginx = await startNginx({ httpConfig: promoteHttpConfig(upstreamFile) });
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

const gate = () => greenGate(clusters);

describe('nginx backend (include file + graceful reload, real nginx)', () => {
  it('reads the operator\'s file: green down = 0%', async () => {
    expect(await backend().read()).toMatchObject({ kind: 'split', green: 0 });
    expect(parseUpstreamServers('server a:1 weight=3;\nserver b:2; # x\nserver c:3 down;\n')).toEqual(new Map([['a:1', 3], ['b:2', 1], ['c:3', 0]]));
  });

  it('healthy canary under load: one reload per step, transport errors counted and printed', async () => {
    const load = startLoad(nginx.url, { connections: 32, path: '/app', maxRequests: 1_000_000, maxMs: 30_000 });
    const lines: string[] = [];
    const result = await runPromotion(canary({ pauseMs: 2000 }), { backend: backend(), gate: gate(), log: (l) => lines.push(l) });
    await new Promise((r) => setTimeout(r, 300));
    const counts = await load.stop();
    const reloads = result.steps.flatMap((s) => s.actions).filter((a) => a === 'nginx -s reload').length;
    console.log(describeLoad('nginx healthy canary', counts));
    console.log(`nginx reloads: ${reloads} (one per step); transport errors: ${transportTotal(counts)}; last gate → 100% green: ${result.lastGateToGreenMs?.toFixed(1)} ms`);
    expect(result.outcome, lines.join('\n')).toBe('promoted');
    expect(reloads).toBe(4);
    expect(counts.non2xx).toBe(0);
    expect(counts.byCluster.green).toBeGreaterThan(0);
    const file = readFileSync(upstreamFile, 'utf8');
    expect(file).toContain(`server ${blue} down max_fails=0; # blue`);
    expect(file).toContain(`server ${green} weight=1000 max_fails=0; # green`);
    expect(file).not.toMatch(/weight=0\b/);
    expect(readFileSync(`${upstreamFile}.previous`, 'utf8')).toContain('weight=500');
  }, 45_000);

  it('green answering 5xx at the 25% step: reverted within one gate interval; 5xx bounded by weight × window', async () => {
    // Transport errors are printed, not asserted: each reload may reset keep-alive connections.
    await promoteIntoFailingGreen({
      label: 'nginx', origin: nginx.url, clusters, backend: () => backend(),
      revertNote: ' incl. nginx -t + reload',
    });
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
