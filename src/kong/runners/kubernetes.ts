import { stringify } from 'yaml';
import { sleep } from '../../lib/concurrency.js';
import { stepError } from '../../lib/errors.js';
import { execCommand, type ExecResult } from '../../lib/exec.js';
import { SECRET_KONG_VARIABLES } from '../kong-env.js';
import type { DerivedPod } from './pod-spec.js';
import type { KongRunner, RunOptions } from './types.js';

/**
 * A Kubernetes Job that mirrors the Kong Helm chart's migration Jobs (Kong/charts
 * charts/kong/templates/migrations-pre-upgrade.yaml, migrations-post-upgrade.yaml,
 * migrations.yaml): same image, `args: [ "kong", "migrations", … ]`, KONG_* settings by env,
 * `KONG_NGINX_DAEMON=off` (kong.no_daemon_env), no service-account token, the chart's
 * `app.kubernetes.io/component` labels. Two deliberate differences: `restartPolicy: Never` and
 * `backoffLimit: 0` (the chart uses OnFailure and the Kubernetes default of 6 retries) because a
 * migration that failed half-way must not be re-run blindly (Kong/kong#12978: "migration ran
 * twice"); and `--db-timeout`/`--lock-timeout`, which the chart's Jobs do not pass (their args are
 * `kong migrations <command>` alone).
 */
export interface KubernetesSpec {
  readonly kubectl: string;
  /** `--context`, when not the current one. */
  readonly context: string | undefined;
  readonly namespace: string;
  readonly image: string;
  readonly imagePullPolicy: 'IfNotPresent' | 'Always' | 'Never';
  /** KONG_* settings (kong-env.ts); KONG_PG_PASSWORD is never written into the manifest. */
  readonly env: Readonly<Record<string, string>>;
  /** The Secret holding the database password: KONG_PG_PASSWORD comes from it by secretKeyRef. */
  readonly passwordSecret: { readonly name: string; readonly key: string } | undefined;
  readonly serviceAccount: string | undefined;
  /** How long a pod may take to start (image pull, scheduling) before the run fails. */
  readonly startTimeoutMs: number;
  /** How long the Job is kept for inspection after it ends. */
  readonly ttlSecondsAfterFinished: number;
  /**
   * The release's own pod (pod-spec.ts): its env, mounts, security context, service account,
   * pull secrets and placement replace `env`, `passwordSecret` and `serviceAccount`.
   */
  readonly pod?: DerivedPod | undefined;
}

const CONTAINER = 'kong-upgrade-migrations';

/** The Helm chart's component names for `up`, `finish` and `bootstrap`; ours for the rest. */
function componentFor(purpose: string): string {
  if (purpose === 'up') return 'pre-upgrade-migrations';
  if (purpose === 'finish') return 'post-upgrade-migrations';
  if (purpose === 'bootstrap') return 'init-migrations';
  return `migrations-${purpose.replace(/[^a-z0-9-]/g, '-')}`;
}

export type JobManifest = Record<string, unknown>;

/** The one function that assembles the Job. */
export function migrationJobManifest(spec: KubernetesSpec, args: readonly string[], jobName: string, purpose: string): JobManifest {
  if (spec.pod !== undefined) return derivedJobManifest(spec, spec.pod, args, jobName, purpose);
  const labels = jobLabels(purpose);
  const env: Record<string, unknown>[] = [{ name: 'KONG_NGINX_DAEMON', value: 'off' }];
  for (const [name, value] of Object.entries(spec.env)) {
    if (SECRET_KONG_VARIABLES.includes(name)) continue;
    env.push({ name, value });
  }
  if (spec.passwordSecret !== undefined) {
    env.push({ name: 'KONG_PG_PASSWORD', valueFrom: { secretKeyRef: { name: spec.passwordSecret.name, key: spec.passwordSecret.key } } });
  }
  const podSpec: Record<string, unknown> = {
    automountServiceAccountToken: false,
    ...(spec.serviceAccount !== undefined && { serviceAccountName: spec.serviceAccount }),
    restartPolicy: 'Never',
    containers: [
      {
        name: CONTAINER,
        image: spec.image,
        imagePullPolicy: spec.imagePullPolicy,
        env,
        args: ['kong', ...args],
      },
    ],
  };
  return job(spec, jobName, labels, podSpec);
}

/** The Job around a pod: backoffLimit 0 (a half-run migration is never retried blindly), kept ttlSecondsAfterFinished. */
function job(spec: KubernetesSpec, jobName: string, labels: Record<string, string>, podSpec: Record<string, unknown>): JobManifest {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: jobName, namespace: spec.namespace, labels },
    spec: {
      backoffLimit: 0,
      ttlSecondsAfterFinished: spec.ttlSecondsAfterFinished,
      template: {
        metadata: { labels, annotations: { 'sidecar.istio.io/inject': 'false' } },
        spec: podSpec,
      },
    },
  };
}

/** The chart's labels for a component of a migration Job. */
function jobLabels(purpose: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'kong', 'app.kubernetes.io/component': componentFor(purpose), 'app.kubernetes.io/managed-by': 'kong-upgrade-actions' };
}

/**
 * The Job on the release's own pod: what the chart's migrations-pre-upgrade.yaml renders from
 * the same values (env through kong.no_daemon_env, kong.volumeMounts and kong.volumes, the
 * security contexts, serviceAccountName, imagePullSecrets, affinity, nodeSelector, tolerations),
 * with this suite's differences: the hop's image, restartPolicy Never and backoffLimit 0, no init
 * container, the timeouts in the args.
 */
function derivedJobManifest(spec: KubernetesSpec, pod: DerivedPod, args: readonly string[], jobName: string, purpose: string): JobManifest {
  const labels = jobLabels(purpose);
  // kong.no_daemon_env ends with KONG_NGINX_DAEMON "off": kept where the pod has it, added where not.
  const env = pod.env.some((e) => e.name === 'KONG_NGINX_DAEMON')
    ? pod.env.map((e) => (e.name === 'KONG_NGINX_DAEMON' ? { name: e.name, value: 'off' } : e))
    : [...pod.env, { name: 'KONG_NGINX_DAEMON', value: 'off' }];
  const optional = (key: string, value: unknown) => (value === undefined || value === null || (Array.isArray(value) && value.length === 0) ? {} : { [key]: value });
  const podSpec: Record<string, unknown> = {
    ...optional('serviceAccountName', pod.serviceAccountName),
    automountServiceAccountToken: pod.automountServiceAccountToken ?? false,
    ...optional('imagePullSecrets', pod.imagePullSecrets),
    restartPolicy: 'Never',
    containers: [
      {
        name: CONTAINER,
        image: spec.image,
        imagePullPolicy: pod.imagePullPolicy ?? spec.imagePullPolicy,
        ...optional('securityContext', pod.containerSecurityContext),
        env,
        ...optional('envFrom', pod.envFrom),
        args: ['kong', ...args],
        ...optional('volumeMounts', pod.volumeMounts),
      },
    ],
    ...optional('securityContext', pod.podSecurityContext),
    ...optional('affinity', pod.affinity),
    ...optional('nodeSelector', pod.nodeSelector),
    ...optional('tolerations', pod.tolerations),
    ...optional('volumes', pod.volumes),
  };
  return job(spec, jobName, labels, podSpec);
}

/**
 * YAML for kubectl. Every string value is double-quoted: Kubernetes reads manifests as YAML 1.1
 * (sigs.k8s.io/yaml), where a bare `on`/`off` (KONG_PG_SSL) is a boolean and an env value must
 * be a string. No anchors: each object is written out in full.
 */
export function renderJobManifest(job: JobManifest): string {
  return stringify(job, { lineWidth: 0, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', aliasDuplicateObjects: false });
}

export function kubernetesRunner(spec: KubernetesSpec, nameFor: (purpose: string) => string): KongRunner {
  const kubectl = (args: readonly string[], stdin?: string, onLine?: RunOptions['onLine']) =>
    execCommand({
      command: spec.kubectl,
      args: [...(spec.context === undefined ? [] : ['--context', spec.context]), ...args],
      ...(stdin !== undefined && { stdin }),
      ...(onLine && { onLine }),
    });
  return {
    kind: 'kubernetes',
    confPath: undefined,
    describe: () => `Kubernetes Job in namespace ${spec.namespace} with image ${spec.image}${spec.pod === undefined ? '' : ` on the pod of ${spec.pod.source}`}`,
    render: (args, purpose) => renderJobManifest(migrationJobManifest(spec, args, nameFor(purpose), purpose)),
    run: async (args, options): Promise<ExecResult> => {
      const name = nameFor(options.purpose);
      const manifest = renderJobManifest(migrationJobManifest(spec, args, name, options.purpose));
      // The manifest goes in on stdin: no temp file, nothing in argv.
      const created = await kubectl(['create', '-f', '-', '-o', 'name'], manifest);
      if (created.exitCode !== 0) throw stepError(`creating Job ${spec.namespace}/${name}`, (created.stderr || created.stdout).trim());
      const pod = await waitForPod(kubectl, spec, name);
      // Streams the container's output (stdout and stderr merged) until it exits.
      const logs = await kubectl(['logs', '-f', '-n', spec.namespace, `pod/${pod}`, '-c', CONTAINER], undefined, options.onLine);
      if (logs.exitCode !== 0) throw stepError(`reading the logs of ${spec.namespace}/${pod}`, logs.stderr.trim());
      const exitCode = await waitForExitCode(kubectl, spec, pod);
      return { exitCode, stdout: logs.stdout, stderr: '' };
    },
  };
}

type Kubectl = (args: readonly string[]) => Promise<ExecResult>;

async function waitForPod(kubectl: Kubectl, spec: KubernetesSpec, job: string): Promise<string> {
  const deadline = Date.now() + spec.startTimeoutMs;
  let last = '';
  for (;;) {
    const result = await kubectl(['get', 'pods', '-n', spec.namespace, '-l', `job-name=${job}`, '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.phase}{"\\n"}{end}']);
    if (result.exitCode !== 0) throw stepError(`finding the pod of Job ${spec.namespace}/${job}`, result.stderr.trim());
    last = result.stdout.trim();
    const started = last.split('\n').map((line) => line.split(' ')).find(([, phase]) => phase === 'Running' || phase === 'Succeeded' || phase === 'Failed');
    if (started?.[0]) return started[0];
    if (Date.now() > deadline) {
      throw stepError(`starting Job ${spec.namespace}/${job}`, `no pod started within ${Math.round(spec.startTimeoutMs / 1000)} s (${last || 'no pod yet'}); check the image, pull secrets and scheduling with kubectl describe job ${job} -n ${spec.namespace}`);
    }
    await sleep(2000);
  }
}

async function waitForExitCode(kubectl: Kubectl, spec: KubernetesSpec, pod: string): Promise<number> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const result = await kubectl(['get', 'pod', pod, '-n', spec.namespace, '-o', `jsonpath={.status.containerStatuses[?(@.name=="${CONTAINER}")].state.terminated.exitCode}`]);
    const text = result.stdout.trim();
    if (result.exitCode === 0 && /^\d+$/.test(text)) return Number(text);
    if (Date.now() > deadline) throw stepError(`reading how ${spec.namespace}/${pod} ended`, result.stderr.trim() || 'the container has not terminated');
    await sleep(1000);
  }
}
