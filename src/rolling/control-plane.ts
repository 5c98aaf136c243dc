import { createAdminClient, type AdminApiTarget } from '../kong/admin-api.js';
import { rootVersion, type KongRoot } from '../kong/admin-root.js';
import { httpError, stepError } from '../lib/errors.js';
import { httpRequest } from '../lib/http.js';
import type { KongVersion } from '../version/kong-version.js';

/**
 * What a rolling upgrade of data planes needs from their control plane: its version (the skew
 * rule before each batch) and the data planes it sees (the wait after each batch). Two sources:
 * a Kong control plane's Admin API, or Konnect's control-planes API.
 */
export interface DataPlaneRow {
  readonly id: string;
  readonly hostname: string;
  readonly version: string | undefined;
  /** Epoch milliseconds of its last ping. */
  readonly lastSeenMs: number | undefined;
  readonly configHash: string | undefined;
  /** Why the control plane will not configure it (sync status, compatibility); undefined when fine. */
  readonly syncProblem: string | undefined;
}

export interface ControlPlaneView {
  readonly describe: string;
  /** Undefined for Konnect: it runs the newest release and judges each node itself. */
  version(): Promise<KongVersion | undefined>;
  dataPlanes(): Promise<DataPlaneRow[]>;
  /** The hash a synced data plane reports, when the control plane says it (Konnect). */
  expectedHash(): Promise<string | undefined>;
}

/** Kong's empty configuration hash (Kong/kong 3.4.2 kong/constants.lua l.204): no configuration yet. */
export const EMPTY_CONFIG_HASH = '0'.repeat(32);

interface KongDataPlane {
  readonly id?: unknown;
  readonly hostname?: unknown;
  readonly version?: unknown;
  readonly last_seen?: unknown;
  readonly config_hash?: unknown;
  readonly sync_status?: unknown;
}

/**
 * A Kong control plane: `GET /` for its version, `/clustering/data-planes` for the data planes it
 * keeps rows for (Kong/kong 3.4.2 kong/api/routes/clustering.lua; last_seen in epoch seconds;
 * sync_status normal or unknown unless it refuses the node, kong/constants.lua
 * CLUSTERING_SYNC_STATUS).
 */
export function kongControlPlane(target: AdminApiTarget, timeoutMs: number): ControlPlaneView {
  const client = createAdminClient(target, timeoutMs, 'control plane Admin API');
  return {
    describe: `control plane ${target.url}`,
    async version() {
      const root = await client.getJson<KongRoot>('/');
      const version = rootVersion(root);
      if (version === undefined) throw stepError('control plane Admin API', `GET ${target.url}/ reported no Kong version`);
      return version;
    },
    async dataPlanes() {
      const rows = await client.listAll<KongDataPlane>('/clustering/data-planes');
      return rows.map((row) => ({
        id: String(row.id),
        hostname: String(row.hostname),
        version: typeof row.version === 'string' ? row.version : undefined,
        lastSeenMs: typeof row.last_seen === 'number' ? row.last_seen * 1000 : undefined,
        configHash: typeof row.config_hash === 'string' ? row.config_hash : undefined,
        syncProblem: typeof row.sync_status === 'string' && row.sync_status !== 'normal' && row.sync_status !== 'unknown' ? `sync_status ${row.sync_status}` : undefined,
      }));
    },
    expectedHash: () => Promise.resolve(undefined),
  };
}

export interface KonnectTarget {
  /** The regional API, e.g. https://us.api.konghq.com/v2. */
  readonly apiUrl: string;
  readonly token: string;
  readonly controlPlaneId: string;
}

interface KonnectNode {
  readonly id?: unknown;
  readonly hostname?: unknown;
  readonly version?: unknown;
  readonly last_ping?: unknown;
  readonly config_hash?: unknown;
  readonly compatibility_status?: { readonly state?: unknown };
}

/**
 * Konnect's control-planes API, v2 (Kong/developer.konghq.com
 * api-specs/konnect/control-planes-config/v2/openapi.yaml): `GET
 * /control-planes/{id}/nodes` (items with version, hostname, last_ping, config_hash,
 * compatibility_status.state; page.next) and `GET /control-planes/{id}/expected-config-hash`
 * (expected_hash: "the config hash will be the same if they are in sync"). Konnect exposes no
 * control plane version; its compatibility status per node stands in for the skew rule. Written
 * from that specification only: never run against Konnect here.
 */
export function konnectControlPlane(target: KonnectTarget, timeoutMs: number): ControlPlaneView {
  const base = `${target.apiUrl}/control-planes/${encodeURIComponent(target.controlPlaneId)}`;
  const get = async <T>(url: string): Promise<T> => {
    const response = await httpRequest({ url, headers: { accept: 'application/json', authorization: `Bearer ${target.token}` }, timeoutMs }, 'Konnect API');
    if (response.status !== 200) throw httpError('Konnect API', response.status, `GET ${url} answered ${response.status}`);
    return JSON.parse(response.body) as T;
  };
  return {
    describe: `Konnect control plane ${target.controlPlaneId}`,
    version: () => Promise.resolve(undefined),
    async dataPlanes() {
      const rows: DataPlaneRow[] = [];
      let url: string | undefined = `${base}/nodes?page[size]=100`;
      for (let page = 0; url !== undefined && page < 1000; page++) {
        const body: { items?: KonnectNode[]; page?: { next?: unknown } } = await get(url);
        for (const node of body.items ?? []) {
          const state = typeof node.compatibility_status?.state === 'string' ? node.compatibility_status.state : undefined;
          rows.push({
            id: String(node.id),
            hostname: String(node.hostname),
            version: typeof node.version === 'string' ? node.version : undefined,
            lastSeenMs: typeof node.last_ping === 'number' ? node.last_ping * 1000 : undefined,
            configHash: typeof node.config_hash === 'string' ? node.config_hash : undefined,
            // "Incompatible" prevents the node from receiving the full configuration (Konnect's
            // compatibility statuses); "Compatible with limitations" still syncs.
            syncProblem: state !== undefined && /incompatible/i.test(state) && !/limitation/i.test(state) ? `compatibility ${state}` : undefined,
          });
        }
        const next = body.page?.next;
        url = typeof next === 'string' && next !== '' ? new URL(next, `${target.apiUrl}/`).toString() : undefined;
      }
      return rows;
    },
    async expectedHash() {
      const body = await get<{ expected_hash?: unknown }>(`${base}/expected-config-hash`);
      return typeof body.expected_hash === 'string' ? body.expected_hash : undefined;
    },
  };
}
