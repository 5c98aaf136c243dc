// The migration Job derived from the release's own pod spec (src/kong/runners/pod-spec.ts),
// checked against the Kong chart's own migration Jobs rendered from the same values
// (test/fixtures/helm/kong-3.4.1-*.yaml: chart 3.4.1 at Kong/charts e76b8003). Those renders were
// WRITTEN BY HAND from the chart's templates: `helm template` could not run on this machine
// (no helm package, no access to charts.konghq.com); scripts/helm-golden.mjs regenerates them
// with helm where it can be downloaded.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { migrationJobManifest, type KubernetesSpec } from '../../src/kong/runners/kubernetes.js';
import { derivePod, imageTemplate, type DerivedPod } from '../../src/kong/runners/pod-spec.js';
import { UpgradeError } from '../../src/lib/errors.js';
import { REPO_ROOT } from '../helpers/paths.js';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const HELM = path.join(REPO_ROOT, 'test/fixtures/helm');
const documents = (file: string): Json[] => parseAllDocuments(readFileSync(path.join(HELM, file), 'utf8')).map((d) => d.toJS());
const chartJob = (docs: Json[], component: string) => docs.find((d) => d?.kind === 'Job' && d.metadata.labels['app.kubernetes.io/component'] === component);

function derivedJob(pod: DerivedPod, version: string, args: string[], purpose: string): Json {
  const spec: KubernetesSpec = {
    kubectl: 'kubectl', context: undefined, namespace: 'kong', image: imageTemplate(pod.image).replace('{version}', version),
    imagePullPolicy: 'IfNotPresent', env: { KONG_DATABASE: 'postgres' }, passwordSecret: undefined, serviceAccount: undefined,
    startTimeoutMs: 1000, ttlSecondsAfterFinished: 86_400, pod,
  };
  return migrationJobManifest(spec, args, 'kong-job', purpose);
}

/** What the chart's Job and ours must share: everything that decides how Kong runs. */
function runtime(job: Json) {
  const pod = job.spec.template.spec;
  const container = pod.containers.find((c: Json) => /migrations$/.test(c.name));
  const mounted = new Set((container.volumeMounts ?? []).map((m: Json) => m.name));
  return {
    image: container.image,
    imagePullPolicy: container.imagePullPolicy,
    env: container.env,
    envFrom: container.envFrom,
    volumeMounts: container.volumeMounts,
    // The chart's Jobs also carry the token volume, which their container never mounts.
    volumes: (pod.volumes ?? []).filter((v: Json) => mounted.has(v.name)),
    containerSecurityContext: container.securityContext,
    podSecurityContext: pod.securityContext,
    serviceAccountName: pod.serviceAccountName,
    automountServiceAccountToken: pod.automountServiceAccountToken,
    imagePullSecrets: pod.imagePullSecrets,
    nodeSelector: pod.nodeSelector,
    tolerations: pod.tolerations,
    affinity: pod.affinity,
  };
}

describe('the migration Job from the release\'s pod spec, against the chart\'s own Jobs', () => {
  it('custom plugins: plugin ConfigMaps (with their migrations subdirectory) and Secret, secret and user volumes, env with secretKeyRefs and envFrom, security contexts, service account, pull secrets, placement: all as the chart\'s pre-upgrade, post-upgrade and init Jobs have them', () => {
    const docs = documents('kong-3.4.1-custom-plugins.yaml');
    const pod = derivePod(docs, undefined, 'kubernetes-manifest');
    expect(pod.source).toBe('Deployment kong/kong-kong, container proxy');
    for (const [component, args, purpose] of [['pre-upgrade-migrations', ['migrations', 'up'], 'up'], ['post-upgrade-migrations', ['migrations', 'finish'], 'finish'], ['init-migrations', ['migrations', 'bootstrap'], 'bootstrap']] as const) {
      const ours = derivedJob(pod, '3.4.3.5', [...args], purpose);
      expect(runtime(ours), component).toEqual(runtime(chartJob(docs, component)));
      expect(ours.metadata.labels['app.kubernetes.io/component']).toBe(component);
    }
    const ours = derivedJob(pod, '3.4.3.5', ['migrations', 'up'], 'up').spec.template.spec;
    // The things that make custom plugins' migrations run: the plugins in KONG_PLUGINS, their code mounted.
    expect(ours.containers[0].env).toContainEqual({ name: 'KONG_PLUGINS', value: 'bundled,rewriter,vault-auth' });
    expect(ours.containers[0].volumeMounts).toContainEqual({ name: 'kong-plugin-rewriter-migrations', mountPath: '/opt/kong/plugins/rewriter/migrations', readOnly: true });
    expect(ours.containers[0].env).toContainEqual({ name: 'KONG_PG_PASSWORD', valueFrom: { secretKeyRef: { key: 'password', name: 'kong-db' } } });
    // Where ours differs from the chart's, on purpose.
    expect(ours.restartPolicy).toBe('Never');
    expect(ours.initContainers).toBeUndefined();
    expect(chartJob(docs, 'pre-upgrade-migrations').spec.template.spec.restartPolicy).toBe('OnFailure');
  });

  it('default values with a database: the Kong container, not the ingress controller; no init container (wait-for-db would wait for this very Job)', () => {
    const docs = documents('kong-3.4.1-postgres.yaml');
    const deployment = docs.find((d) => d.kind === 'Deployment');
    expect(deployment.spec.template.spec.containers.map((c: Json) => c.name)).toEqual(['ingress-controller', 'proxy']);
    expect(deployment.spec.template.spec.initContainers.map((c: Json) => c.name)).toEqual(['clear-stale-pid', 'wait-for-db']);
    const pod = derivePod(docs, 'deployment/kong-kong', 'kubernetes-manifest');
    expect(runtime(derivedJob(pod, '3.9', ['migrations', 'up'], 'up'))).toEqual(runtime(chartJob(docs, 'pre-upgrade-migrations')));
    expect(pod.volumes.map((v) => v.name)).toEqual(['kong-kong-prefix-dir', 'kong-kong-tmp']);
    expect(pod.serviceAccountName).toBe('kong-kong');
  });

  it('each hop runs its own version of the release\'s image repository', () => {
    expect(imageTemplate('registry.example.com:5000/kong/kong-gateway:3.4.3.5')).toBe('registry.example.com:5000/kong/kong-gateway:{version}');
    expect(imageTemplate('kong@sha256:0123')).toBe('kong:{version}');
    expect(imageTemplate('kong')).toBe('kong:{version}');
    const pod = derivePod(documents('kong-3.4.1-custom-plugins.yaml'), undefined, 'kubernetes-manifest');
    expect(derivedJob(pod, '3.10.0.2', ['migrations', 'up'], 'up').spec.template.spec.containers[0].image).toBe('registry.example.com/kong/kong-gateway:3.10.0.2');
  });

  it('refuses what cannot be a migration Job, naming the input: a DB-less release, a literal password, an unknown or ambiguous workload', () => {
    const refused = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(UpgradeError);
        return (error as Error).message;
      }
      throw new Error('not refused');
    };
    expect(refused(() => derivePod(documents('kong-3.4.1-default.yaml'), undefined, 'kubernetes-manifest'))).toBe(
      "input 'kubernetes-manifest': Deployment kong/kong-kong, container proxy runs Kong with KONG_DATABASE=off: DB-less nodes have no database to migrate (upgrade them with the roll action)",
    );
    const docs = documents('kong-3.4.1-postgres.yaml');
    const literal = structuredClone(docs);
    const proxy = literal.find((d: Json) => d.kind === 'Deployment').spec.template.spec.containers[1];
    proxy.env = proxy.env.map((e: Json) => (e.name === 'KONG_PG_PASSWORD' ? { name: e.name, value: 'PLANTED-literal' } : e));
    const message = refused(() => derivePod(literal, undefined, 'kubernetes-workload'));
    expect(message).toMatch(/sets KONG_PG_PASSWORD as a literal value; give it from a Secret/);
    expect(message).not.toContain('PLANTED');
    expect(refused(() => derivePod(docs, 'deployment/other', 'kubernetes-manifest'))).toMatch(/has no deployment\/other \(found: Deployment kong\/kong-kong\)/);
    const twice = [...docs, { ...docs.find((d) => d.kind === 'Deployment'), metadata: { name: 'kong-green', namespace: 'kong' } }];
    expect(refused(() => derivePod(twice, undefined, 'kubernetes-manifest'))).toMatch(/holds 2 workloads running Kong \(Deployment kong\/kong-kong, Deployment kong\/kong-green\): name one with kubernetes-workload/);
  });
});
