// migrate with runner kubernetes on the release's own pod (kubernetes-workload), end to end: the
// recording fake kubectl (test/kong/fakes/kubectl; no API server here) answers `kubectl get
// deployment/kong-kong -o json` with a Deployment in the Kong chart's shape
// (test/fixtures/helm/kong-3.4.1-postgres.yaml, pointed at this test's PostgreSQL), and runs the
// Job it is given as the simulated Kong with the Job's env, KONG_PG_PASSWORD from its secretKeyRef.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPod } from '../../src/kong/runners/pod-spec.js';
import { migrate } from '../../src/migrate/migrate.js';
import { parseKongVersion } from '../../src/version/kong-version.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { pgEnv, runKong, schemaMeta } from '../kong-sim/helpers.js';
import { baseRequest, captureLog, kongBinaries } from './fixtures.js';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const KUBECTL = path.join(REPO_ROOT, 'test/kong/fakes/kubectl');
let server: PostgresServer;
let work: string;
let bins: string;

beforeAll(async () => {
  server = await startPostgres();
  work = mkdtempSync(path.join(os.tmpdir(), 'pod-spec-run-'));
  bins = kongBinaries(['3.4.2']);
  await server.createDatabase('kong_k8s');
  const boot = await runKong(['migrations', 'bootstrap'], { ...pgEnv(server, 'kong_k8s'), KONG_SIM_VERSION: '3.4.2' });
  expect(boot.exitCode).toBe(0);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
  rmSync(bins, { recursive: true, force: true });
});

/** The chart's Deployment, its database settings pointed at this test's server, running 3.4.2. */
function liveDeployment(): Json {
  const docs = parseAllDocuments(readFileSync(path.join(REPO_ROOT, 'test/fixtures/helm/kong-3.4.1-postgres.yaml'), 'utf8')).map((d) => d.toJS());
  const deployment = structuredClone(docs.find((d: Json) => d.kind === 'Deployment'));
  const proxy = deployment.spec.template.spec.containers.find((c: Json) => c.name === 'proxy');
  proxy.image = 'kong:3.4.2';
  const set = (name: string, value: string) => {
    proxy.env = [...proxy.env.filter((e: Json) => e.name !== name), { name, value }];
  };
  set('KONG_PG_HOST', server.host);
  set('KONG_PG_PORT', String(server.port));
  set('KONG_PG_USER', server.user);
  set('KONG_PG_DATABASE', 'kong_k8s');
  set('KONG_PREFIX', path.join(work, 'prefix'));
  return deployment;
}

describe('migrate, runner kubernetes, on the release\'s own pod', () => {
  it('reads the Deployment live, runs up as a Job with its env, mounts and service account; the password only by secretKeyRef', async () => {
    const log = path.join(work, 'kubectl.log');
    const objects = path.join(work, 'objects.json');
    writeFileSync(objects, JSON.stringify({ 'deployment/kong-kong': liveDeployment() }));
    Object.assign(process.env, { FAKE_LOG: log, FAKE_K8S_STATE: path.join(work, 'state'), FAKE_K8S_OBJECTS: objects, FAKE_K8S_SECRETS: JSON.stringify({ 'kong-db/password': server.password }) });
    try {
      const pod = await loadPod({ kubectl: KUBECTL, context: undefined, namespace: 'kong', workload: 'deployment/kong-kong', manifest: undefined });
      expect(pod.source).toBe('Deployment kong/kong-kong, container proxy');
      const runner = {
        kind: 'kubernetes' as const, image: 'kong:{version}', kubectl: KUBECTL, context: undefined, namespace: 'kong', passwordSecret: undefined,
        serviceAccount: undefined, pgHost: undefined, imagePullPolicy: 'IfNotPresent' as const, startTimeoutMs: 10_000, pod,
      };
      const result = await migrate(baseRequest(server, 'kong_k8s', bins, { command: 'up', runner, version: parseKongVersion('3.5.0') }), captureLog());
      expect(result.stateAfter?.kind).toBe('up-to-date');
      expect(result.failure).toBeUndefined();
      const calls = readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { argv: string[]; stdin?: string });
      expect(calls[0]!.argv).toEqual(['get', 'deployment/kong-kong', '-n', 'kong', '-o', 'json']);
      const up = calls.filter((c) => c.stdin !== undefined).map((c) => parse(c.stdin!)).find((job: Json) => job.metadata.labels['app.kubernetes.io/component'] === 'pre-upgrade-migrations');
      const spec = up.spec.template.spec;
      expect(spec.serviceAccountName).toBe('kong-kong');
      expect(spec.initContainers).toBeUndefined();
      expect(spec.containers[0].volumeMounts.map((m: Json) => m.mountPath)).toEqual(['/kong_prefix/', '/tmp']);
      expect(spec.containers[0].env).toContainEqual({ name: 'KONG_PG_PASSWORD', valueFrom: { secretKeyRef: { key: 'password', name: 'kong-db' } } });
      expect(spec.containers[0].env).toContainEqual({ name: 'KONG_ROUTER_FLAVOR', value: 'traditional' });
      for (const call of calls) expect(`${call.argv.join(' ')} ${call.stdin ?? ''}`).not.toContain(server.password);
    } finally {
      for (const k of ['FAKE_LOG', 'FAKE_K8S_STATE', 'FAKE_K8S_OBJECTS', 'FAKE_K8S_SECRETS']) delete process.env[k];
    }
    // The Job ran 3.5.0's migrations on the database the Deployment's env names.
    expect((await schemaMeta(server, 'kong_k8s')).get('core')?.executed).toContain('021_340_to_350');
  });

  it('a workload the cluster does not have fails naming kubernetes-workload and kubectl\'s answer', async () => {
    const objects = path.join(work, 'none.json');
    writeFileSync(objects, '{}');
    process.env.FAKE_K8S_OBJECTS = objects;
    process.env.FAKE_K8S_STATE = path.join(work, 'state');
    try {
      const error = (await loadPod({ kubectl: KUBECTL, context: undefined, namespace: 'kong', workload: 'deployment/kong-green', manifest: undefined }).catch((e: unknown) => e)) as Error;
      expect(error.message).toMatch(/^input 'kubernetes-workload': kubectl get deployment\/kong-green -n kong failed: Error from server \(NotFound\)/);
    } finally {
      delete process.env.FAKE_K8S_OBJECTS;
      delete process.env.FAKE_K8S_STATE;
    }
  });
});
