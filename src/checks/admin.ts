import { errorMessage } from '../lib/errors.js';
import { httpRequest } from '../lib/http.js';
import { kongMessage, type AdminClient } from '../kong/admin-api.js';
import { ACCEPTED_VERSION_FORMS, compareKongVersions, formatKongVersion, tryParseKongVersion, type KongVersion } from '../version/kong-version.js';
import { dataPlaneVerdict } from '../version/hybrid-compat.js';
import { adminAnswerHint, availablePlugins, isFinalAnswer, rootVersion, type KongRoot } from '../kong/admin-root.js';
import { sleep } from '../lib/concurrency.js';
import { fail, inconclusive, pass, type CheckResult } from './report.js';

/**
 * Admin API checks of one Kong node: GET / (kong/admin-root.ts), /status (Kong/kong 3.4.2
 * kong/api/routes/health.lua), /status/ready on the Status API (kong/status/init.lua l.29, from
 * 3.3.0) and, for hybrid mode, /clustering/data-planes against the control plane's version rule
 * (kong/clustering/compat/init.lua l.38-60).
 */

export type Log = (line: string) => void;

export interface ReachResult {
  readonly check: CheckResult;
  readonly root: KongRoot | undefined;
}

/**
 * Polls `GET /` until it answers 200 with JSON or `waitTimeoutMs` passes, backing off from
 * 250 ms to 5 s between tries and logging each miss: a node that was just started answers
 * only once its workers are up. 401/403 (wrong RBAC token) and the proxy's 404 (admin-url is
 * proxy_listen) end the wait at once, retrying will not help; other statuses and transport
 * errors are retried.
 */
export async function waitForAdmin(client: AdminClient, waitTimeoutMs: number, log: Log): Promise<ReachResult> {
  const started = Date.now();
  const deadline = started + waitTimeoutMs;
  let delay = 250;
  let last = 'no attempt';
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await client.get('/');
      if (response.status === 200) {
        try {
          const parsed: unknown = JSON.parse(response.body);
          if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new TypeError('not an object');
          const root = parsed as KongRoot;
          const waited = ((Date.now() - started) / 1000).toFixed(1);
          return {
            root,
            check: pass({
              name: 'admin-reachable',
              group: 'admin',
              measured: `${waited}s`,
              threshold: `≤ ${waitTimeoutMs / 1000}s`,
              details: `GET ${client.target.url}/ answered 200 after ${attempt} attempt(s) in ${waited}s`,
            }),
          };
        } catch {
          last = 'answered 200 but not a JSON object';
        }
      } else if (isFinalAnswer(response.status, response.body)) {
        return {
          root: undefined,
          check: fail({
            name: 'admin-reachable',
            group: 'admin',
            measured: `HTTP ${response.status}`,
            threshold: 'HTTP 200',
            details: `GET ${client.target.url}/ answered ${response.status} (${kongMessage(response.body)})${adminAnswerHint(response.status, response.body)}`,
          }),
        };
      } else {
        last = `HTTP ${response.status} ${kongMessage(response.body)}`;
      }
    } catch (error) {
      last = errorMessage(error).replace(/^Admin API: /, '');
    }
    const elapsed = Date.now() - started;
    if (Date.now() >= deadline) {
      return {
        root: undefined,
        check: fail({
          name: 'admin-reachable',
          group: 'admin',
          measured: `no answer after ${(elapsed / 1000).toFixed(1)}s, ${attempt} attempt(s)`,
          threshold: `≤ ${waitTimeoutMs / 1000}s`,
          details: `GET ${client.target.url}/ did not answer 200 within wait-timeout: last ${last}`,
        }),
      };
    }
    const wait = Math.min(delay, deadline - Date.now());
    log(`Admin API ${client.target.url} not ready (attempt ${attempt}: ${last}); ${(elapsed / 1000).toFixed(1)}s of ${waitTimeoutMs / 1000}s, retrying in ${(wait / 1000).toFixed(2)}s`);
    await sleep(wait);
    delay = Math.min(delay * 2, 5000);
  }
}

/**
 * `version` of GET / equals `expected`. OSS reports three numbers, Enterprise four
 * (`3.4.3.5`); 3.4.2 and 3.4.2.0 are the same code line (compareKongVersions). An
 * Enterprise node reporting 3.4.3.5 does not match 3.4.3: the fourth number is a different
 * build, and a smoke test must not pass the wrong one. From 3.6 `edition` says which
 * distribution runs: an Enterprise version expected on a `community` node fails.
 */
export function checkVersion(root: KongRoot, expected: KongVersion): CheckResult {
  const reported = typeof root.version === 'string' ? root.version : undefined;
  const seen = rootVersion(root);
  const base = { name: 'admin-version', group: 'admin' as const, measured: reported ?? null, threshold: formatKongVersion(expected) };
  if (seen === undefined) {
    return fail({
      ...base,
      details: reported === undefined ? `GET / has no Kong version (version: ${JSON.stringify(root.version)})` : `GET / reports version ${JSON.stringify(reported)}, which is not a Kong version this suite reads (${ACCEPTED_VERSION_FORMS})`,
    });
  }
  if (compareKongVersions(seen, expected) !== 0) {
    const hint =
      seen.build !== undefined && expected.build === undefined && seen.major === expected.major && seen.minor === expected.minor && seen.patch === expected.patch
        ? `; the node runs Enterprise ${reported}: give expected-version in its four-number form`
        : '';
    return fail({ ...base, details: `the node runs Kong ${reported}, expected ${formatKongVersion(expected)}${hint}` });
  }
  if (expected.build !== undefined && root.edition === 'community') {
    return fail({ ...base, details: `version ${reported} matches, but GET / reports edition "community" where Enterprise ${formatKongVersion(expected)} was expected` });
  }
  const edition = typeof root.edition === 'string' ? ` (edition ${root.edition})` : '';
  return pass({ ...base, details: `the node runs Kong ${reported}${edition}` });
}

/** kong/constants.lua DECLARATIVE_EMPTY_CONFIG_HASH (Kong/kong 3.4.2 l.204): what a node without configuration reports. */
const EMPTY_CONFIG_HASH = '0'.repeat(32);

/**
 * `GET /status` and its `database.reachable`. Kong answers 200 when PostgreSQL is down and
 * says so only in the body (Kong/kong 3.4.2 kong/api/routes/health.lua l.63), so the status code alone proves nothing. From 3.4 the key
 * is absent on DB-less nodes and data planes, which then carry `configuration_hash`.
 */
export async function checkDatabase(client: AdminClient): Promise<CheckResult> {
  const base = { name: 'admin-database', group: 'admin' as const, threshold: 'database.reachable = true' };
  let body: { database?: { reachable?: unknown }; configuration_hash?: unknown };
  try {
    body = await client.getJson('/status');
  } catch (error) {
    return fail({ ...base, measured: null, details: `GET /status failed: ${errorMessage(error)}` });
  }
  if (body.database === undefined || body.database === null) {
    if (body.configuration_hash === EMPTY_CONFIG_HASH) {
      return fail({
        ...base,
        measured: `configuration_hash ${EMPTY_CONFIG_HASH}`,
        threshold: 'a configuration loaded',
        details: `GET /status: DB-less or data-plane node whose configuration_hash is ${EMPTY_CONFIG_HASH}, Kong's hash of an empty configuration (kong/constants.lua DECLARATIVE_EMPTY_CONFIG_HASH): no configuration is loaded, every request would find no route`,
      });
    }
    if (body.configuration_hash !== undefined) {
      return pass({ ...base, measured: 'no database (DB-less or data plane)', threshold: null, details: 'GET /status has no database key: DB-less or data-plane node (Kong 3.4+ drops it there), configuration_hash present' });
    }
    return inconclusive({ ...base, measured: null, details: 'GET /status has neither database nor configuration_hash: cannot tell whether the database is reachable' });
  }
  const reachable = body.database.reachable;
  if (typeof reachable !== 'boolean') {
    // Kong up to 0.10 put row counts there (kong/api/routes/kong.lua; 0.11 replaced them with
    // `reachable`, Kong/kong#2554): no answer about the connection, which is not a failure of it.
    const keys = typeof body.database === 'object' ? Object.keys(body.database).slice(0, 5).join(', ') : typeof body.database;
    return inconclusive({ ...base, measured: null, details: `GET /status has database without "reachable" (${keys || 'empty'}): Kong before 0.11 reports row counts there; whether the database is reachable is not said` });
  }
  if (reachable === true) {
    return pass({ ...base, measured: 'reachable', details: 'GET /status: database.reachable is true' });
  }
  return fail({
    ...base,
    measured: `database.reachable = ${JSON.stringify(reachable)}`,
    details: 'GET /status answered 200 but database.reachable is not true: the node cannot reach its database',
  });
}

/** Whether this version serves `/status/ready` on its Status API listener: from 3.3.0 (kong/status/ready.lua first ships in Kong/kong 3.3.0). */
export function hasReadyEndpoint(version: KongVersion): boolean {
  return version.major > 3 || (version.major === 3 && version.minor >= 3);
}

/**
 * `GET <status-url>/status/ready`: 200 `{"message":"ready"}` or 503 with the reason (router or
 * plugins iterator not built, no configuration, database unreachable). Only on the Status API
 * listener (`status_listen`), never on the Admin API (Kong/kong 3.4.2 kong/status/init.lua l.29).
 */
export async function checkReady(statusUrl: string, timeoutMs: number): Promise<CheckResult> {
  const url = `${statusUrl}/status/ready`;
  const base = { name: 'status-ready', group: 'admin' as const, threshold: 'HTTP 200' };
  try {
    const response = await httpRequest({ url, timeoutMs, headers: { accept: 'application/json' } }, 'Status API');
    if (response.status === 200) return pass({ ...base, measured: 'HTTP 200', details: `GET ${url}: ${kongMessage(response.body)}` });
    return fail({ ...base, measured: `HTTP ${response.status}`, details: `GET ${url} answered ${response.status}: ${kongMessage(response.body)}` });
  } catch (error) {
    return fail({ ...base, measured: null, details: `GET ${url} failed: ${errorMessage(error)} (is status_listen on and status-url right?)` });
  }
}

export function checkPlugins(root: KongRoot, expected: readonly string[]): CheckResult {
  const available = availablePlugins(root);
  const base = { name: 'admin-plugins', group: 'admin' as const, threshold: [...expected] };
  if (available === undefined) {
    return fail({ ...base, measured: null, details: 'GET / has no plugins.available_on_server' });
  }
  const have = new Set(available);
  const missing = expected.filter((name) => !have.has(name));
  if (missing.length > 0) {
    return fail({ ...base, measured: missing, details: `not available on the node: ${missing.join(', ')} (custom plugins must be installed and listed in KONG_PLUGINS)` });
  }
  return pass({ ...base, measured: [...expected], details: `all ${expected.length} expected plugin(s) available (${available.length} on the server)` });
}

interface DataPlane {
  readonly id?: unknown;
  readonly hostname?: unknown;
  readonly ip?: unknown;
  readonly version?: unknown;
  readonly last_seen?: unknown;
  readonly sync_status?: unknown;
}

/**
 * On a control plane, `/clustering/data-planes`: every data plane seen within `maxAgeMs`
 * (a data plane pings every 30 s; one that stopped stays listed until
 * cluster_data_plane_purge_delay), and none newer than the control plane's minor, nor of
 * another major: a data plane of another major, or of a minor above the control plane's, is
 * KONG_VERSION_INCOMPATIBLE (Kong/kong 3.4.2 kong/clustering/compat/init.lua l.38-60).
 * A `sync_status` other than normal/unknown means the CP refuses to push it config.
 */
export async function checkDataPlanes(
  client: AdminClient,
  cpVersion: KongVersion,
  options: { maxAgeMs: number; minDataPlanes: number; now?: number },
): Promise<CheckResult[]> {
  let planes: DataPlane[];
  try {
    planes = await client.listAll<DataPlane>('/clustering/data-planes');
  } catch (error) {
    return [fail({ name: 'hybrid-data-planes', group: 'hybrid', measured: null, threshold: null, details: `GET /clustering/data-planes failed: ${errorMessage(error)}` })];
  }
  const now = options.now ?? Date.now();
  const label = (dp: DataPlane) => `${String(dp.hostname ?? dp.ip ?? dp.id)} (${String(dp.version)})`;
  const stale: string[] = [];
  const newer: string[] = [];
  const unsynced: string[] = [];
  for (const dp of planes) {
    // last_seen is epoch seconds in Kong's clustering_data_planes rows.
    const lastSeen = typeof dp.last_seen === 'number' ? dp.last_seen * 1000 : Number.NaN;
    if (!(now - lastSeen <= options.maxAgeMs)) {
      stale.push(`${label(dp)} last seen ${Number.isNaN(lastSeen) ? 'never' : `${Math.round((now - lastSeen) / 1000)}s ago`}`);
    }
    const version = typeof dp.version === 'string' ? tryParseKongVersion(dp.version) : undefined;
    const verdict = version === undefined ? { accepted: false as const, reason: 'version unreadable' } : dataPlaneVerdict(cpVersion, version);
    if (!verdict.accepted) newer.push(`${label(dp)}: ${verdict.reason}`);
    if (typeof dp.sync_status === 'string' && dp.sync_status !== 'normal' && dp.sync_status !== 'unknown') {
      unsynced.push(`${label(dp)}: sync_status ${dp.sync_status}`);
    }
  }
  const count = pass({
    name: 'hybrid-data-planes',
    group: 'hybrid',
    measured: planes.length,
    threshold: `≥ ${options.minDataPlanes}`,
    details: `${planes.length} data plane(s) listed`,
  });
  const results: CheckResult[] = [
    planes.length >= options.minDataPlanes ? count : fail({ ...count, details: `${planes.length} data plane(s) listed, fewer than min-data-planes ${options.minDataPlanes}` }),
  ];
  const freshness = { name: 'hybrid-data-planes-connected', group: 'hybrid' as const, threshold: `last seen ≤ ${options.maxAgeMs / 1000}s ago` };
  results.push(
    stale.length === 0
      ? pass({ ...freshness, measured: planes.length, details: `all ${planes.length} data plane(s) seen recently` })
      : fail({ ...freshness, measured: stale, details: `${stale.length} data plane(s) not seen recently: ${stale.join('; ')}` }),
  );
  const versions = { name: 'hybrid-data-plane-versions', group: 'hybrid' as const, threshold: `data plane minor ≤ ${cpVersion.major}.${cpVersion.minor}` };
  const problems = [...newer, ...unsynced];
  results.push(
    problems.length === 0
      ? pass({ ...versions, measured: planes.map((dp) => String(dp.version)), details: 'no data plane newer than the control plane; all in sync' })
      : fail({ ...versions, measured: problems, details: `control planes must be upgraded first (CP minor ≥ DP minor): ${problems.join('; ')}` }),
  );
  return results;
}
