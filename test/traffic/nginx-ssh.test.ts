// Issue 17: nginx on load balancer hosts of their own, driven over SSH. Each host is a network
// namespace (test/helpers/netns.ts) running the system's sshd and a real nginx that see the same
// /srv; promote reaches them from this machine with the system's ssh client across veth links,
// and the load runs from here through the hosts.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNetwork, netnsUnavailable, type TestNetwork } from '../helpers/netns.js';
import { promoteHttpConfig, startNginx, type NginxServer } from '../helpers/nginx.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { runAction } from '../helpers/run-action.js';
import { sshKeyPair, startSshd, type SshdServer, type SshKeyPair } from '../helpers/sshd.js';
import type { TrafficBackend } from '../../src/traffic/backend.js';
import { parseUpstreamServers } from '../../src/traffic/nginx.js';
import { readPromoteConfig } from '../../src/traffic/options.js';
import { parseSshHost } from '../../src/traffic/ssh.js';
import { shellQuote } from '../../src/traffic/host-shell.js';
import { runPromotion } from '../../src/traffic/strategy.js';
import { startClusters, type Clusters } from './clusters.js';
import { canary, greenGate } from './canary.js';
import { describeLoad, startLoad, transportTotal } from './load.js';

const skip = netnsUnavailable();

let server: PostgresServer;
let clusters: Clusters;
let network: TestNetwork;
let key: SshKeyPair;
const sshd: SshdServer[] = [];
const nginx: NginxServer[] = [];
let blue: string;
let green: string;

const portOf = (url: string) => Number(new URL(url).port);
/** The include file as this machine sees host i's (the host itself sees /srv/kong-upstream.conf). */
const includeOf = (i: number) => path.join(network.hosts[i]!.root, 'kong-upstream.conf');
/** The operator's starting point: all on blue, green down. */
const operatorFile = () => `server ${blue} max_fails=0;\nserver ${green} down max_fails=0;\n`;

function inputs(hosts: readonly number[], extra: Record<string, string> = {}): Record<string, string> {
  const n = nginx[0]!;
  return {
    backend: 'nginx',
    'nginx-ssh-hosts': hosts.map((i) => sshd[i]!.spec).join('\n'),
    'nginx-ssh-key': key.privateKey,
    'nginx-ssh-known-hosts': hosts.map((i) => sshd[i]!.knownHosts).join(''),
    // The same paths on every host, as hosts configured alike have them.
    'nginx-upstream-file': network.hosts[0]!.onHost(includeOf(0)),
    'nginx-conf': n.onHost(n.configPath),
    'nginx-prefix': n.onHost(n.dir),
    'nginx-pid-file': n.onHost(n.pidFile),
    'nginx-access-log': n.onHost(path.join(n.dir, 'logs', 'promote.log')),
    'nginx-server-params': 'max_fails=0',
    'blue-servers': blue,
    'green-servers': green,
    ...extra,
  };
}

async function backendFor(hosts: readonly number[], extra: Record<string, string> = {}): Promise<TrafficBackend> {
  const values = inputs(hosts, extra);
  const config = await readPromoteConfig({ get: (name) => values[name] ?? '', mask: () => {} });
  return config.backend;
}

const shareIn = (i: number) => {
  const servers = parseUpstreamServers(readFileSync(includeOf(i), 'utf8'));
  return `${servers.get(blue)}/${servers.get(green)}`;
};

describe('SSH destinations and remote arguments', () => {
  it('takes [user@]host[:port] and refuses what ssh would read as an option', () => {
    expect(parseSshHost('deploy@10.0.0.5')).toMatchObject({ user: 'deploy', host: '10.0.0.5', port: 22 });
    expect(parseSshHost('lb1.example.com:2222')).toMatchObject({ user: undefined, host: 'lb1.example.com', port: 2222 });
    expect(parseSshHost('root@[fd00::5]:22')).toMatchObject({ host: 'fd00::5' });
    for (const bad of ['-oProxyCommand=x', 'a@-b', 'host:0', 'host:70000', 'a b', '[zz]:22', 'x@y@z']) expect(parseSshHost(bad)).toHaveProperty('problem');
  });

  it('refuses SSH inputs that are missing or not what they say, naming the input; the key is masked first', async () => {
    const masked: string[] = [];
    const read = (values: Record<string, string>) => readPromoteConfig({
      get: (name) => ({ backend: 'nginx', 'blue-servers': '10.0.1.10:8000', 'green-servers': '10.0.2.10:8000', 'nginx-upstream-file': '/etc/nginx/kong-upstream.conf', ...values })[name] ?? '',
      mask: (secret) => masked.push(secret),
    });
    await expect(read({ 'nginx-ssh-hosts': '-oProxyCommand=sh' })).rejects.toThrow(/^input 'nginx-ssh-hosts': "-oProxyCommand=sh": expected \[user@\]host\[:port\]/);
    await expect(read({ 'nginx-ssh-hosts': 'deploy@10.0.9.5' })).rejects.toThrow(/^input 'nginx-ssh-key': is required with nginx-ssh-hosts/);
    await expect(read({ 'nginx-ssh-hosts': 'deploy@10.0.9.5', 'nginx-ssh-key': 'hunter2-not-a-key' })).rejects.toThrow(/^input 'nginx-ssh-key': is not a private key/);
    expect(masked).toContain('hunter2-not-a-key');
    const pair = '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----';
    await expect(read({ 'nginx-ssh-hosts': 'deploy@10.0.9.5', 'nginx-ssh-key': pair })).rejects.toThrow(/^input 'nginx-ssh-known-hosts': is required with nginx-ssh-hosts: .*never trusted on first use/);
    await expect(read({ 'nginx-ssh-hosts': 'deploy@10.0.9.5', 'nginx-ssh-key': pair, 'nginx-ssh-known-hosts': 'SHA256:abc' })).rejects.toThrow(/^input 'nginx-ssh-known-hosts': has a line that is not "host key-type key"/);
  });

  it('quotes every argument for the remote shell: none is read as syntax', () => {
    expect(shellQuote("it's; rm -rf / $(x) `y`")).toBe("'it'\\''s; rm -rf / $(x) `y`'");
  });
});

describe.skipIf(skip !== undefined)(`nginx hosts over SSH (network namespaces)${skip ? ` — ${skip}` : ''}`, () => {
  beforeAll(async () => {
    server = await startPostgres();
    clusters = await startClusters(server, 'kong_nginx_ssh');
    network = await createNetwork(2);
    await network.relay([portOf(clusters.blue.proxyUrl), portOf(clusters.green.proxyUrl)]);
    blue = `${network.gateway}:${portOf(clusters.blue.proxyUrl)}`;
    green = `${network.gateway}:${portOf(clusters.green.proxyUrl)}`;
    key = sshKeyPair();
    for (const [i, host] of network.hosts.entries()) {
      writeFileSync(includeOf(i), operatorFile());
      sshd.push(await startSshd(host, key));
      nginx.push(await startNginx({ netns: host, httpConfig: promoteHttpConfig(host.onHost(includeOf(i))) }));
    }
  }, 90_000);

  beforeEach(async () => {
    // Each test starts from blue on every host, whatever the previous one left.
    await (await backendFor([0, 1])).apply(0);
  });

  afterAll(async () => {
    await Promise.all([...nginx, ...sshd].map((s) => s.stop()));
    network?.remove();
    await clusters?.stop();
    await server?.stop();
  });

  it('one host: canary under load, one reload per step over SSH, green counted in the remote access log', async () => {
    const load = startLoad(nginx[0]!.url, { connections: 32, path: '/app', maxRequests: 1_000_000, maxMs: 60_000 });
    const lines: string[] = [];
    const result = await runPromotion(canary(), { backend: await backendFor([0]), gate: greenGate(clusters), log: (l) => lines.push(l) });
    const counts = await load.stop();
    const reloads = result.steps.flatMap((s) => s.actions).filter((a) => a === 'nginx -s reload').length;
    console.log(describeLoad('nginx over SSH, healthy canary', counts));
    console.log(`nginx reloads over SSH: ${reloads}; transport errors: ${transportTotal(counts)}; apply per step (ms): ${result.steps.map((s) => s.applyMs).join(', ')}`);
    expect(result.outcome, lines.join('\n')).toBe('promoted');
    expect(reloads).toBe(4);
    expect(counts.non2xx).toBe(0);
    expect(counts.byCluster.green).toBeGreaterThan(0);
    expect(result.steps[1]!.actions[0]).toBe(`wrote /srv/kong-upstream.conf on ${sshd[0]!.spec} (previous kept as kong-upstream.conf.previous)`);
    const front = result.steps.at(-1)!.measurements[0]!.figures.find((f) => f.name === 'front')!;
    expect(front.status).toBe('pass');
    expect(front.details).toContain(`nginx access log /srv/nginx/logs/promote.log on ${sshd[0]!.spec}`);
    expect(readFileSync(includeOf(0), 'utf8')).toContain(`server ${green} weight=1000 max_fails=0; # green`);
    expect(readFileSync(`${includeOf(0)}.previous`, 'utf8')).toContain('weight=500');
    // The other host was not part of this run.
    expect(shareIn(1)).toBe('1/0');
  });

  it('two hosts in turn; host 2\'s include file replaced mid-switch (config management): the next step stops, both reverted and reloaded', async () => {
    const loads = [0, 1].map((i) => startLoad(nginx[i]!.url, { connections: 16, path: '/app', maxRequests: 1_000_000, maxMs: 60_000 }));
    const lines: string[] = [];
    let replaced = false;
    const result = await runPromotion(canary(), {
      backend: await backendFor([0, 1]), gate: greenGate(clusters),
      log: (line) => {
        lines.push(line);
        if (!replaced && line.startsWith('Gate passed at green 25%')) {
          replaced = true;
          writeFileSync(includeOf(1), operatorFile());
        }
      },
    });
    const counts = await Promise.all(loads.map((l) => l.stop()));
    counts.forEach((c, i) => console.log(describeLoad(`nginx over SSH, host ${i + 1} of 2, file replaced mid-switch`, c)));
    expect(result.outcome, lines.join('\n')).toBe('failed');
    expect(result.reason).toContain(`before setting green to 50%: instance ${sshd[1]!.spec} is at 0%, not the 25% this run left on every instance`);
    expect(result.live).toBe('blue');
    // Both hosts written and reloaded at every step, in turn.
    expect(result.steps.find((s) => s.green === 25)!.actions.filter((a) => a.endsWith('nginx -s reload'))).toHaveLength(2);
    // Host 1 rewritten to blue; host 2's file already sent green nothing, yet it was reloaded:
    // its nginx was still at 25%.
    expect(shareIn(0)).toBe('1000/0');
    expect(shareIn(1)).toBe('1/0');
    expect(lines.join('\n')).toMatch(new RegExp(`Reverted to 100% blue in \\d+ ms: .*${sshd[1]!.spec}: /srv/kong-upstream.conf on ${sshd[1]!.spec} already sends green nothing; ${sshd[1]!.spec}: nginx -t; ${sshd[1]!.spec}: nginx -s reload`));
    for (const c of counts) expect(c.non2xx).toBe(0);
    // What each host serves now: blue only.
    for (const i of [0, 1]) {
      const after = startLoad(nginx[i]!.url, { connections: 2, path: '/app', maxRequests: 40, maxMs: 10_000 });
      const seen = await after.stop().then(() => after.counts);
      expect(seen.byCluster.green ?? 0).toBe(0);
    }
  }, 60_000);

  it('nginx -t rejecting the config over SSH: the previous file is back, nothing reloaded', async () => {
    const before = readFileSync(includeOf(0), 'utf8');
    const errors = readFileSync(nginx[0]!.errorLog, 'utf8');
    const backend = await backendFor([0], { 'nginx-server-params': 'bogus_param=1' });
    await expect(backend.apply(50)).rejects.toThrow(new RegExp(`nginx -t on ${sshd[0]!.spec.replace(/[.[\]]/g, '\\$&')} rejected the config with green at 50% \\(the previous kong-upstream.conf is back, nothing was reloaded\\):.*invalid parameter "bogus_param=1"`, 's'));
    expect(readFileSync(includeOf(0), 'utf8')).toBe(before);
    expect(readFileSync(nginx[0]!.errorLog, 'utf8').slice(errors.length)).not.toMatch(/reconfiguring/);
  });

  it('a host whose key is not the one in known hosts is refused before any command runs on it', async () => {
    const before = readFileSync(includeOf(0), 'utf8');
    const backend = await backendFor([0], { 'nginx-ssh-known-hosts': sshd[0]!.wrongKnownHosts });
    await expect(backend.read()).rejects.toThrow(/^ssh: root@10\.213\.\d+\.10:\d+: host key verification failed/);
    await expect(backend.apply(50)).rejects.toThrow(/host key verification failed/);
    expect(readFileSync(includeOf(0), 'utf8')).toBe(before);
  });

  it('the bundled action over SSH: status of both hosts; the key masked, never printed, gone from RUNNER_TEMP when it ends', async () => {
    const runnerTemp = mkdtempSync(path.join(os.tmpdir(), 'promote-ssh-runner-temp-'));
    try {
      const run = await runAction('promote', { ...inputs([0, 1]), command: 'status' }, { env: { RUNNER_TEMP: runnerTemp } });
      expect(run.exitCode, run.stdout).toBe(0);
      expect(run.outputs['final-weight']).toBe('0');
      expect(run.outputs.live).toBe('blue');
      const body = key.privateKey.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
      for (const line of body) expect(run.masked).toContain(line);
      const printed = run.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n');
      for (const text of [printed, run.stderr, run.summary, JSON.stringify(run.outputs)]) {
        for (const line of body) expect(text).not.toContain(line);
      }
      expect(readdirSync(runnerTemp)).toEqual([]);
    } finally {
      rmSync(runnerTemp, { recursive: true, force: true });
    }
  });
});
