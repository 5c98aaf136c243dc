import os from 'node:os';
import { parseRate, readSmokeOptions } from '../checks/options.js';
import { runSmokeTest } from '../checks/smoke.js';
import type { SmokeReport } from '../checks/report.js';
import { inputError } from '../lib/errors.js';
import type { PooledRequest } from '../lib/http.js';
import { parseDuration, readBoolean, readDuration, readEnum, readHttpUrl, readList, readPositiveInteger, readSecret, readString, withDefaults, type InputSource } from '../lib/inputs.js';
import type { AdminApiTarget } from '../kong/admin-api.js';
import { readAdminInputs } from '../kong/admin-inputs.js';
import type { BackendKind, TrafficBackend } from './backend.js';
import type { GateOptions } from './gates.js';
import { createFanout } from './fanout.js';
import { createHaproxyBackend, haproxyNameProblem } from './haproxy.js';
import { parseRuntimeEndpoint } from './haproxy-runtime.js';
import { localShell, type HostShell } from './host-shell.js';
import { createKongCanaryBackend } from './kong-canary.js';
import { createKongUpstreamBackend } from './kong-upstream.js';
import { createKubernetesBackend, parseSelector } from './kubernetes.js';
import { createNginxBackend } from './nginx.js';
import { createSshShells, parseSshHost } from './ssh.js';
import type { StrategyOptions } from './strategy.js';

/**
 * promote's inputs, all read and validated before anything is sent anywhere (docs/design.md "Inputs"). The
 * green cluster's Admin API is the shared `admin-url`/`admin-token`/`workspace` (it is what the
 * smoke gate tests); a Kong in front (kong-upstream) or blue's Admin API (kong-canary, plugin
 * warnings) have inputs of their own.
 */
export interface PromoteConfig {
  readonly backendKind: BackendKind;
  readonly backend: TrafficBackend;
  readonly strategy: StrategyOptions;
  readonly gate: GateOptions;
  readonly topology: 'dual-cluster' | 'shared-database';
  /** Where the plugins in use are read for the dual-cluster warning (blue, else green). */
  readonly pluginSource: AdminApiTarget | undefined;
  readonly render: boolean;
}

export const BACKENDS: readonly BackendKind[] = ['haproxy', 'nginx', 'kong-upstream', 'kong-canary', 'kubernetes'];

export async function readPromoteConfig(source: InputSource, log: (line: string) => void = () => {}): Promise<PromoteConfig> {
  const backendKind = readEnum(source, 'backend', BACKENDS, 'haproxy');
  if (readString(source, 'backend') === undefined) throw inputError('backend', `is required: one of ${BACKENDS.join(', ')}`);
  const command = readEnum(source, 'command', ['promote', 'revert', 'status'] as const, 'promote');
  const strategyKind = readEnum(source, 'strategy', ['canary', 'switch'] as const, backendKind === 'kubernetes' ? 'switch' : 'canary');
  if (backendKind === 'kubernetes' && strategyKind !== 'switch') throw inputError('strategy', 'must be switch with backend kubernetes: a Service selector sends all traffic to one side');
  const steps = parseSteps(readList(source, 'steps'), strategyKind);
  const intervalMs = readDuration(source, 'interval', '10s');
  const pauseMs = readDuration(source, 'pause', '1m');
  if (intervalMs <= 0) throw inputError('interval', 'must be more than 0');
  if (pauseMs < intervalMs) throw inputError('pause', `(${pauseMs} ms) must be at least one interval (${intervalMs} ms): each step needs a measurement`);
  const failureLimitText = readString(source, 'failure-limit') ?? '0';
  if (!/^\d+$/.test(failureLimitText)) throw inputError('failure-limit', `"${failureLimitText}" is not a whole number ≥ 0 (0: the first failed measurement reverts)`);

  const strategy: StrategyOptions = {
    command,
    strategy: strategyKind,
    steps,
    pauseMs,
    intervalMs,
    failureLimit: Number(failureLimitText),
    failureCounting: readEnum(source, 'failure-counting', ['consecutive', 'cumulative'] as const, 'consecutive'),
    stepDeadlineMs: readDuration(source, 'step-deadline', '10m'),
    onInconclusive: readEnum(source, 'on-inconclusive', ['revert', 'hold'] as const, 'revert'),
    onPartial: readEnum(source, 'on-partial', ['resume', 'revert'] as const, 'resume'),
    dryRun: readBoolean(source, 'dry-run', false),
  };

  const greenProxy = readHttpUrl(source, 'green-proxy-url');
  // One request-timeout for every request promote sends (actions/promote/manifest.yml's default).
  const timeoutText = readString(source, 'request-timeout') ?? '5s';
  const timeoutMs = parseDuration(timeoutText, 'request-timeout');
  const probePaths = readList(source, 'probe-paths');
  const requests: PooledRequest[] = (probePaths.length > 0 ? probePaths : ['/']).map((p) => {
    if (!p.startsWith('/')) throw inputError('probe-paths', `"${p}" must start with /`);
    return { method: 'GET', path: p, headers: {}, body: undefined };
  });
  const hasAdmin = readString(source, 'admin-url') !== undefined;
  let smoke: (() => Promise<SmokeReport>) | undefined;
  if (hasAdmin && readBoolean(source, 'smoke', true)) {
    // The smoke gate's requests are Admin API requests too: promote's timeout, not smoke-test's default.
    const smokeOptions = await readSmokeOptions(withDefaults(source, { 'request-timeout': timeoutText }));
    smoke = () => runSmokeTest(smokeOptions, (line) => log(`    smoke: ${line}`));
  }
  const gate: GateOptions = {
    budgets: {
      max5xxRate: parseRate(readString(source, 'max-5xx-rate') ?? '1%', 'max-5xx-rate'),
      maxTransportErrorRate: parseRate(readString(source, 'max-transport-error-rate') ?? '0', 'max-transport-error-rate'),
      minSamples: readPositiveInteger(source, 'min-samples', 100),
    },
    probes:
      greenProxy === undefined
        ? undefined
        : { origin: greenProxy, requests, count: readPositiveInteger(source, 'probe-requests', 50), concurrency: readPositiveInteger(source, 'probe-concurrency', 5), timeoutMs },
    smoke,
  };
  if (command === 'promote' && gate.probes === undefined && gate.smoke === undefined && !['haproxy', 'nginx'].includes(backendKind)) {
    throw inputError('green-proxy-url', `is required with backend ${backendKind} (or admin-url for the smoke gate): this front cannot count green's traffic, so the gate needs probes or smoke checks`);
  }

  const blueAdmin = readAdminInputs(source, { url: 'blue-admin-url', token: 'blue-admin-token', workspace: 'workspace' });
  const backend = buildBackend(source, backendKind, timeoutMs, greenProxy, blueAdmin);
  return {
    backendKind,
    backend,
    strategy,
    gate,
    topology: readEnum(source, 'topology', ['dual-cluster', 'shared-database'] as const, 'dual-cluster'),
    pluginSource: blueAdmin ?? readAdminInputs(source),
    render: readBoolean(source, 'render', false),
  };
}

function buildBackend(source: InputSource, kind: BackendKind, timeoutMs: number, greenProxy: string | undefined, blueAdmin: AdminApiTarget | undefined): TrafficBackend {
  const sides = (what: string) => {
    const blue = readList(source, 'blue-servers');
    const green = readList(source, 'green-servers');
    if (blue.length === 0) throw inputError('blue-servers', `is required with backend ${kind}: the blue cluster's ${what}`);
    if (green.length === 0) throw inputError('green-servers', `is required with backend ${kind}: the green cluster's ${what}`);
    const both = blue.filter((b) => green.includes(b));
    if (both.length > 0) throw inputError('green-servers', `${both.join(', ')} is in blue-servers too`);
    return { blue, green };
  };
  switch (kind) {
    case 'haproxy': {
      const { blue, green } = sides('server names in the HAProxy backend');
      const backend = readString(source, 'haproxy-backend') ?? 'kong';
      for (const [input, names] of [['haproxy-backend', [backend]], ['blue-servers', blue], ['green-servers', green]] as const) {
        const problem = names.map(haproxyNameProblem).find((p) => p !== undefined);
        if (problem !== undefined) throw inputError(input, problem);
      }
      const sockets = readList(source, 'haproxy-socket');
      if (sockets.length === 0) throw inputError('haproxy-socket', 'is required: the runtime API (stats socket … level admin), a unix socket path or tcp://host:port; several (one per line) are switched together');
      for (const socket of sockets) {
        const endpoint = parseRuntimeEndpoint(socket);
        if ('problem' in endpoint) throw inputError('haproxy-socket', endpoint.problem);
      }
      refuseRepeats('haproxy-socket', sockets);
      const configFile = readString(source, 'haproxy-config');
      if (configFile !== undefined && sockets.length > 1) {
        throw inputError('haproxy-config', `is one file on this machine, and haproxy-socket names ${sockets.length} instances: leave it out, and keep each instance's weights over its reloads with HAProxy's server-state-file (README)`);
      }
      return createFanout(sockets.map((socket) => ({
        name: socket,
        backend: createHaproxyBackend({ socket, backend, blueServers: blue, greenServers: green, configFile, binary: readString(source, 'haproxy-binary') ?? 'haproxy', timeoutMs }),
      })));
    }
    case 'nginx': {
      const { blue, green } = sides('server addresses (host:port) in the upstream include file');
      const hosts = readList(source, 'nginx-ssh-hosts');
      const shells = hosts.length === 0 ? [localShell] : readSshShells(source, hosts, timeoutMs);
      const options = {
        binary: readString(source, 'nginx-binary') ?? 'nginx',
        configFile: readString(source, 'nginx-conf') ?? '/etc/nginx/nginx.conf',
        prefix: readString(source, 'nginx-prefix'),
        upstreamFile: required(source, 'nginx-upstream-file', 'the file included inside the upstream block, which promote owns'),
        blueServers: blue,
        greenServers: green,
        serverParams: readString(source, 'nginx-server-params') ?? '',
        accessLog: readString(source, 'nginx-access-log'),
        pidFile: readString(source, 'nginx-pid-file'),
        reloadTimeoutMs: readDuration(source, 'nginx-reload-timeout', '30s'),
      };
      return createFanout(shells.map((shell) => ({ name: shell.name, backend: createNginxBackend({ ...options, shell }) })));
    }
    case 'kong-upstream': {
      const { blue, green } = sides('proxy targets (host:port) in the Kong upstream');
      const admin = readAdminInputs(source, { url: 'front-admin-url', token: 'front-admin-token', workspace: 'front-workspace' });
      if (admin === undefined) throw inputError('front-admin-url', 'is required with backend kong-upstream: the Admin API of the Kong in front of both clusters');
      return createKongUpstreamBackend({ admin, upstream: required(source, 'kong-upstream', 'the name of the upstream whose targets are the clusters'), blueTargets: blue, greenTargets: green, timeoutMs });
    }
    case 'kong-canary': {
      if (blueAdmin === undefined) throw inputError('blue-admin-url', 'is required with backend kong-canary: the canary plugin runs on the blue cluster');
      const services = readList(source, 'canary-services');
      if (services.length === 0) throw inputError('canary-services', 'is required with backend kong-canary: the (low-priority) services whose traffic is split');
      const upstream = readString(source, 'canary-upstream') ?? (greenProxy === undefined ? undefined : new URL(greenProxy).host);
      if (upstream === undefined) throw inputError('canary-upstream', 'is required (host:port of the green proxy as blue reaches it), or give green-proxy-url');
      const match = /^(.+):(\d+)$/.exec(upstream);
      if (match === null) throw inputError('canary-upstream', `"${upstream}" is not host:port`);
      return createKongCanaryBackend({ admin: blueAdmin, services, greenHost: match[1]!, greenPort: Number(match[2]), hash: readString(source, 'canary-hash') ?? 'none', timeoutMs });
    }
    case 'kubernetes':
      return createKubernetesBackend({
        kubectl: readString(source, 'kubectl') ?? 'kubectl',
        service: required(source, 'k8s-service', 'the Service whose selector is switched'),
        namespace: readString(source, 'k8s-namespace'),
        context: readString(source, 'k8s-context'),
        blueSelector: parseSelector(required(source, 'blue-selector', 'the blue pods\' labels, e.g. app=kong,track=blue'), 'blue-selector'),
        greenSelector: parseSelector(required(source, 'green-selector', 'the green pods\' labels, e.g. app=kong,track=green'), 'green-selector'),
        // A kubectl call is a process that may authenticate (an exec plugin) and discover the API
        // before its one request: request-timeout, but at least 30 s (as an SSH connection gets 10 s).
        timeoutMs: Math.max(timeoutMs, 30_000),
      });
  }
}

/**
 * nginx hosts reached over SSH: `nginx-ssh-hosts` ([user@]host[:port]), the private key
 * (`nginx-ssh-key`, a secret: masked here) and the hosts' public keys (`nginx-ssh-known-hosts`:
 * nothing is trusted on first use).
 */
function readSshShells(source: InputSource, specs: readonly string[], timeoutMs: number): HostShell[] {
  const hosts = specs.map((spec) => {
    const host = parseSshHost(spec);
    if ('problem' in host) throw inputError('nginx-ssh-hosts', host.problem);
    return host;
  });
  refuseRepeats('nginx-ssh-hosts', specs);
  const key = readSecret(source, 'nginx-ssh-key');
  if (key === undefined) throw inputError('nginx-ssh-key', "is required with nginx-ssh-hosts: the private key (no passphrase) whose public half is in the SSH user's authorized_keys on every host");
  if (!/^-----BEGIN [A-Z ]*PRIVATE KEY-----$/m.test(key)) throw inputError('nginx-ssh-key', 'is not a private key: expected the text of a key file, from -----BEGIN OPENSSH PRIVATE KEY----- (or RSA, EC …) to its END line');
  const knownHosts = readString(source, 'nginx-ssh-known-hosts');
  if (knownHosts === undefined) throw inputError('nginx-ssh-known-hosts', 'is required with nginx-ssh-hosts: known_hosts lines with every host\'s public key ([host]:port for a port other than 22); hosts are never trusted on first use');
  const bad = knownHosts.split('\n').map((line) => line.trim()).find((line) => line !== '' && !line.startsWith('#') && line.split(/\s+/).length < 3);
  if (bad !== undefined) throw inputError('nginx-ssh-known-hosts', `has a line that is not "host key-type key": ${JSON.stringify(bad.slice(0, 80))}`);
  return createSshShells(hosts, { privateKey: key, knownHosts, workDir: process.env.RUNNER_TEMP ?? os.tmpdir(), connectTimeoutMs: Math.max(timeoutMs, 10_000) });
}

function refuseRepeats(input: string, items: readonly string[]): void {
  const repeated = items.find((item, i) => items.indexOf(item) !== i);
  if (repeated !== undefined) throw inputError(input, `names ${repeated} twice`);
}

/** Canary steps: whole percents, strictly increasing, 100 appended when missing. */
export function parseSteps(items: readonly string[], strategy: 'canary' | 'switch'): number[] {
  if (strategy === 'switch') return [100];
  const steps = (items.length > 0 ? items : ['10', '25', '50', '100']).map((item) => {
    const n = Number(item.replace(/%$/, ''));
    if (!/^\d+%?$/.test(item) || n < 1 || n > 100) throw inputError('steps', `"${item}" is not a whole percent from 1 to 100`);
    return n;
  });
  for (let i = 1; i < steps.length; i++) {
    if (steps[i]! <= steps[i - 1]!) throw inputError('steps', `must increase: ${steps[i - 1]} then ${steps[i]}`);
  }
  if (steps.at(-1) !== 100) steps.push(100);
  return steps;
}

function required(source: InputSource, name: string, what: string): string {
  const value = readString(source, name);
  if (value === undefined) throw inputError(name, `is required: ${what}`);
  return value;
}

