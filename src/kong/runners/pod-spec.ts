import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { inputError, stepError } from '../../lib/errors.js';
import { execCommand } from '../../lib/exec.js';
import { SECRET_KONG_VARIABLES } from '../kong-env.js';

/**
 * The migration Job's pod taken from the release's own pod spec, so `kong migrations` runs as
 * the Kong Helm chart's own Jobs would (Kong/charts e76b8003, chart 3.4.1,
 * charts/kong/templates/migrations-pre-upgrade.yaml): the Kong container's image, pull secrets,
 * env (`kong.no_daemon_env`: the same block the proxy container gets, secretKeyRefs included)
 * and envFrom, its volumeMounts (`kong.volumeMounts`: the prefix, `plugins.configMaps` and
 * `plugins.secrets` under /opt/kong/plugins/<name>, `secretVolumes` under /etc/secrets/<name>,
 * userDefinedVolumeMounts) with the volumes they use, the container's and the pod's
 * securityContext, the serviceAccount and whether its token is mounted, and the node placement
 * (affinity, nodeSelector, tolerations). Not taken: init containers (the chart's wait-for-db runs
 * `kong start` until migrations are done, so it would wait for this very Job forever; the chart's
 * Jobs never carry it), other containers (the ingress controller, sidecars), probes, ports.
 *
 * The workload comes from `kubectl get <kind>/<name> -o json` (the live release) or from the
 * documents of `helm get manifest` / `helm template` output.
 */
export interface DerivedPod {
  /** Where it came from, for logs: `Deployment kong/kong-kong, container proxy`. */
  readonly source: string;
  readonly image: string;
  readonly imagePullPolicy: string | undefined;
  readonly env: readonly EnvVar[];
  readonly envFrom: readonly unknown[];
  readonly volumeMounts: readonly Record<string, unknown>[];
  readonly volumes: readonly Record<string, unknown>[];
  readonly containerSecurityContext: unknown;
  readonly podSecurityContext: unknown;
  readonly serviceAccountName: string | undefined;
  readonly automountServiceAccountToken: boolean | undefined;
  readonly imagePullSecrets: readonly unknown[];
  readonly affinity: unknown;
  readonly nodeSelector: unknown;
  readonly tolerations: readonly unknown[];
}

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: unknown;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'DaemonSet', 'StatefulSet']);
/** The chart's Kong container (charts/kong/templates/deployment.yaml: `- name: "proxy"`). */
const CHART_CONTAINER = 'proxy';

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);
const records = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isRecord) : []);

/**
 * The Kong workload among `documents`: the one named by `workload` (`deployment/kong-kong`), else
 * the only workload with a Kong container. A `List` (kubectl's `-o json` of several) is unfolded.
 */
export function derivePod(documents: readonly unknown[], workload: string | undefined, input: string): DerivedPod {
  const all = documents.flatMap((doc) => (isRecord(doc) && doc['kind'] === 'List' ? records(doc['items']) : isRecord(doc) ? [doc] : []));
  const candidates = all.filter((doc) => WORKLOAD_KINDS.has(String(doc['kind'])) && kongContainer(doc) !== undefined);
  let chosen: Json | undefined;
  if (workload !== undefined) {
    const [kind, name] = workload.split('/');
    chosen = all.find((doc) => String(doc['kind']).toLowerCase() === kind?.toLowerCase() && isRecord(doc['metadata']) && doc['metadata']['name'] === name);
    if (chosen === undefined) throw inputError(input, `has no ${workload} (found: ${all.filter((d) => WORKLOAD_KINDS.has(String(d['kind']))).map(describe).join(', ') || 'no Deployment, DaemonSet or StatefulSet'})`);
    if (kongContainer(chosen) === undefined) throw inputError(input, `${describe(chosen)} has no Kong container (one named "${CHART_CONTAINER}", or running a kong image)`);
  } else {
    if (candidates.length !== 1) {
      throw inputError(input, candidates.length === 0 ? 'holds no Deployment, DaemonSet or StatefulSet running Kong' : `holds ${candidates.length} workloads running Kong (${candidates.map(describe).join(', ')}): name one with kubernetes-workload`);
    }
    chosen = candidates[0]!;
  }
  return fromWorkload(chosen, input);
}

function describe(doc: Json): string {
  const meta = isRecord(doc['metadata']) ? doc['metadata'] : {};
  return `${String(doc['kind'])} ${meta['namespace'] === undefined ? '' : `${String(meta['namespace'])}/`}${String(meta['name'])}`;
}

function podSpecOf(doc: Json): Json {
  const spec = isRecord(doc['spec']) ? doc['spec'] : {};
  const template = isRecord(spec['template']) ? spec['template'] : {};
  return isRecord(template['spec']) ? template['spec'] : {};
}

/** The container named "proxy" (the chart's), else the one whose image is Kong's. */
function kongContainer(doc: Json): Json | undefined {
  const containers = records(podSpecOf(doc)['containers']);
  return containers.find((c) => c['name'] === CHART_CONTAINER) ?? containers.find((c) => /(^|\/)(kong|kong-gateway)(:|@|$)/.test(String(c['image'] ?? '')));
}

function fromWorkload(doc: Json, input: string): DerivedPod {
  const pod = podSpecOf(doc);
  const container = kongContainer(doc)!;
  const where = `${describe(doc)}, container ${String(container['name'])}`;
  const image = container['image'];
  if (typeof image !== 'string' || image === '') throw inputError(input, `${where} has no image`);
  const env = records(container['env']).map((e): EnvVar => {
    const name = String(e['name']);
    if (SECRET_KONG_VARIABLES.includes(name) && e['value'] !== undefined) {
      // The Job manifest is rendered and logged: a literal password would be in both.
      throw inputError(input, `${where} sets ${name} as a literal value; give it from a Secret (valueFrom.secretKeyRef; in the chart's values: env.pg_password.valueFrom.secretKeyRef) so no manifest holds it`);
    }
    return e['valueFrom'] !== undefined ? { name, valueFrom: e['valueFrom'] } : { name, value: e['value'] === undefined ? '' : String(e['value']) };
  });
  const database = env.find((e) => e.name === 'KONG_DATABASE');
  if (database?.value === 'off') {
    throw inputError(input, `${where} runs Kong with KONG_DATABASE=off: DB-less nodes have no database to migrate (upgrade them with the roll action)`);
  }
  const volumeMounts = records(container['volumeMounts']);
  const mounted = new Set(volumeMounts.map((m) => m['name']));
  const volumes = records(pod['volumes']).filter((v) => mounted.has(v['name']));
  const missing = [...mounted].filter((name) => !volumes.some((v) => v['name'] === name));
  if (missing.length > 0) throw inputError(input, `${where} mounts volume(s) ${missing.join(', ')} that the pod does not define`);
  return {
    source: where,
    image,
    imagePullPolicy: typeof container['imagePullPolicy'] === 'string' ? container['imagePullPolicy'] : undefined,
    env,
    envFrom: records(container['envFrom']),
    volumeMounts,
    volumes,
    containerSecurityContext: container['securityContext'],
    podSecurityContext: pod['securityContext'],
    serviceAccountName: typeof pod['serviceAccountName'] === 'string' ? pod['serviceAccountName'] : undefined,
    automountServiceAccountToken: typeof pod['automountServiceAccountToken'] === 'boolean' ? pod['automountServiceAccountToken'] : undefined,
    imagePullSecrets: records(pod['imagePullSecrets']),
    affinity: pod['affinity'],
    nodeSelector: pod['nodeSelector'],
    tolerations: records(pod['tolerations']),
  };
}

/**
 * The workload's image with `{version}` for its tag: each hop runs its own version of the same
 * repository (`registry:5000/kong/kong-gateway:3.4.3.5` → `registry:5000/kong/kong-gateway:{version}`;
 * a digest is dropped with the tag).
 */
export function imageTemplate(image: string): string {
  const bare = image.split('@')[0]!;
  const slash = bare.lastIndexOf('/');
  const colon = bare.lastIndexOf(':');
  const repository = colon > slash ? bare.slice(0, colon) : bare;
  return `${repository}:{version}`;
}

export interface PodSource {
  readonly kubectl: string;
  readonly context: string | undefined;
  readonly namespace: string;
  /** `deployment/<name>` (or daemonset/, statefulset/): read live, or picked among the manifest's. */
  readonly workload: string | undefined;
  /** Rendered manifests (`helm get manifest`, `helm template`): read instead of the cluster. */
  readonly manifest: string | undefined;
}

const WORKLOAD = /^(deployment|daemonset|statefulset)\/[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;

/** The pod from the manifest file, else the live workload through `kubectl get … -o json`. */
export async function loadPod(source: PodSource): Promise<DerivedPod> {
  if (source.workload !== undefined && !WORKLOAD.test(source.workload)) {
    throw inputError('kubernetes-workload', `"${source.workload}" is not deployment/<name>, daemonset/<name> or statefulset/<name>`);
  }
  if (source.manifest !== undefined) {
    let text: string;
    try {
      text = await readFile(source.manifest, 'utf8');
    } catch (error) {
      throw inputError('kubernetes-manifest', `cannot read ${source.manifest}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const documents = parseAllDocuments(text).map((doc) => {
      if (doc.errors.length > 0) throw inputError('kubernetes-manifest', `${source.manifest} is not YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
      return doc.toJS() as unknown;
    });
    return derivePod(documents, source.workload, 'kubernetes-manifest');
  }
  if (source.workload === undefined) throw inputError('kubernetes-workload', 'or kubernetes-manifest is required to take the Job from the release');
  const result = await execCommand({
    command: source.kubectl,
    args: [...(source.context === undefined ? [] : ['--context', source.context]), 'get', source.workload, '-n', source.namespace, '-o', 'json'],
  });
  if (result.exitCode !== 0) throw inputError('kubernetes-workload', `kubectl get ${source.workload} -n ${source.namespace} failed: ${(result.stderr || result.stdout).trim().split('\n').slice(-2).join(' / ')}`);
  let document: unknown;
  try {
    document = JSON.parse(result.stdout);
  } catch {
    throw stepError(`kubectl get ${source.workload}`, 'did not answer JSON');
  }
  return derivePod([document], source.workload, 'kubernetes-workload');
}
