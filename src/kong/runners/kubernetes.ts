import { stringify } from 'yaml';
import { sleep } from '../../lib/concurrency.js';
import { stepError } from '../../lib/errors.js';
import { execCommand, type ExecResult } from '../../lib/exec.js';
import { SECRET_KONG_VARIABLES } from '../kong-env.js';
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
  const component = componentFor(purpose);
  const labels = {
    'app.kubernetes.io/name': 'kong',
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/managed-by': 'kong-upgrade-actions',
  };
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
    describe: () => `Kubernetes Job in namespace ${spec.namespace} with image ${spec.image}`,
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
