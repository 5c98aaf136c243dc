import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHaproxy, type HaproxyServer } from '../helpers/haproxy.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { runAction } from '../helpers/run-action.js';
import { startClusters, type Clusters } from '../traffic/clusters.js';
import { describeLoad, startLoad, transportTotal } from '../traffic/load.js';

// The bundled dist/promote/index.js, run as the runner runs it (node24, INPUT_* variables, file commands).
let server: PostgresServer;
let clusters: Clusters;
let haproxy: HaproxyServer;

beforeAll(async () => {
  server = await startPostgres();
  clusters = await startClusters(server, 'kong_promote_action');
  haproxy = await startHaproxy({
    servers: [
      { name: 'blue', address: new URL(clusters.blue.proxyUrl).host, weight: 200 },
      { name: 'green', address: new URL(clusters.green.proxyUrl).host, weight: 0 },
    ],
  });
}, 60_000);

afterAll(async () => {
  await haproxy?.stop();
  await clusters?.stop();
  await server?.stop();
});

const base = () => ({
  backend: 'haproxy',
  'haproxy-socket': haproxy.socketPath,
  'haproxy-config': haproxy.configPath,
  'haproxy-binary': haproxy.binary,
  'blue-servers': 'blue',
  'green-servers': 'green',
  'green-proxy-url': clusters.green.proxyUrl,
  'probe-paths': '/app',
  'probe-requests': '20',
  'min-samples': '20',
  pause: '1s',
  interval: '500ms',
});

describe('promote action (dist bundle)', () => {
  it('dry-run shows the steps and changes nothing', async () => {
    const run = await runAction('promote', { ...base(), steps: '10,50', 'dry-run': 'true' });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs.live).toBe('blue');
    expect(run.outputs['final-weight']).toBe('0');
    const steps = JSON.parse(run.outputs['steps-json']!) as { outcome: string; plan: { green: number }[] };
    expect(steps.outcome).toBe('dry-run');
    expect(steps.plan.map((p) => p.green)).toEqual([0, 10, 50, 100]);
    expect(run.summary).toContain('dry run');
    expect(await haproxy.command('get weight kong/green')).toMatch(/^0 /);
  });

  it('canary with the smoke gate in-process, under load: green live, outputs and summary', async () => {
    const load = startLoad(haproxy.url, { connections: 16, path: '/app', maxRequests: 500_000, maxMs: 40_000 });
    const run = await runAction('promote', {
      ...base(),
      steps: '25,100',
      'admin-url': clusters.green.adminUrl,
      'status-url': clusters.green.statusUrl,
      'blue-admin-url': clusters.blue.adminUrl,
      'admin-token': 'not-needed-but-masked',
    }, { timeoutMs: 40_000 });
    const counts = await load.stop();
    console.log(describeLoad('promote action under load', counts));
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.outputs.live).toBe('green');
    expect(run.outputs['final-weight']).toBe('100');
    expect(run.outputs.outcome).toBe('promoted');
    const steps = JSON.parse(run.outputs['steps-json']!) as { schema: string; steps: { green: number; decision: string; measurements: { figures: { name: string }[] }[] }[] };
    expect(steps.schema).toBe('kong-upgrade/promote-steps@1');
    expect(steps.steps.map((s) => [s.green, s.decision])).toEqual([[0, 'passed'], [25, 'passed'], [100, 'passed']]);
    expect(steps.steps[0]!.measurements[0]!.figures.map((f) => f.name)).toEqual(['probes', 'smoke']);
    expect(steps.steps[1]!.measurements[0]!.figures.map((f) => f.name)).toEqual(['front', 'probes']);
    expect(run.masked).toContain('not-needed-but-masked');
    expect(run.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n')).not.toContain('not-needed-but-masked');
    expect(run.summary).toContain('## Kong promote: ✅ green is live');
    expect(run.summary).toContain('| green | apply | measurements |');
    expect(run.summary).toContain('rate-limiting counters');
    expect(run.annotations.some((a) => a.level === 'warning' && /dual-cluster/.test(a.title ?? ''))).toBe(true);
    expect(transportTotal(counts)).toBe(0);
    expect(counts.non2xx).toBe(0);
    expect(readFileSync(haproxy.configPath, 'utf8')).toMatch(/server green \S+ weight 200/);
  }, 60_000);

  it('revert command puts 100% on blue; status reads it back', async () => {
    const run = await runAction('promote', { ...base(), command: 'revert' });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs.live).toBe('blue');
    expect(run.outputs['final-weight']).toBe('0');
    const status = await runAction('promote', { ...base(), command: 'status' });
    expect(status.outputs.live).toBe('blue');
  });

  it('a gate failure fails the step with the reason, blue live', async () => {
    await clusters.setFaults('green', { errorRate: 1, errorStatus: 500 });
    try {
      const run = await runAction('promote', { ...base(), steps: '10' });
      expect(run.exitCode).toBe(1);
      expect(run.annotations.find((a) => a.level === 'error')?.message).toMatch(/^promote: gate failed at green 0%.*probes: 20 of 20 probes .* answered 5xx; live: blue/);
      expect(run.outputs.live).toBe('blue');
    } finally {
      await clusters.setFaults('green', { errorRate: 0 });
    }
  });

  it('invalid inputs fail before any change, naming the input', async () => {
    const run = await runAction('promote', { ...base(), steps: '50,25' });
    expect(run.exitCode).toBe(1);
    expect(run.annotations[0]?.message).toBe("input 'steps': must increase: 50 then 25");
    const k8s = await runAction('promote', { backend: 'kubernetes', strategy: 'canary' });
    expect(k8s.annotations[0]?.message).toMatch(/^input 'strategy': must be switch with backend kubernetes/);
  });
});
