import { checkReady, checkVersion, hasReadyEndpoint } from '../checks/admin.js';
import { runProxyChecks, type ProxyRequestSpec } from '../checks/proxy.js';
import { fail, pass, type CheckResult } from '../checks/report.js';
import { createAdminClient } from '../kong/admin-api.js';
import type { KongRoot } from '../kong/admin-root.js';
import { errorMessage } from '../lib/errors.js';
import { httpRequest } from '../lib/http.js';
import { quoteRemote } from '../lib/log-text.js';
import type { KongVersion } from '../version/kong-version.js';
import type { RollingNode } from './nodes.js';

/**
 * The checks run through one new node after its batch: readiness on its Status API (from 3.3:
 * no configuration is "not ready", Kong/kong 3.4.2 kong/status/ready.lua is_dbless_ready) and
 * the smoke requests through its proxy; a DB-less node also has its version and its
 * configuration checked through its Admin API.
 */
export async function checkThroughNode(
  node: RollingNode,
  target: KongVersion,
  options: { readonly requests: readonly ProxyRequestSpec[]; readonly timeoutMs: number },
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  if (node.statusUrl !== undefined && hasReadyEndpoint(target)) results.push(await checkReady(node.statusUrl, options.timeoutMs));
  results.push(...(await runProxyChecks(node.proxyUrl, options.requests, options.timeoutMs)));
  return results;
}

export interface DeclarativeCheck {
  readonly text: string;
  /** Entities of the file by type (declarative.ts countEntities). */
  readonly counts: Readonly<Record<string, number>>;
}

/**
 * A DB-less node runs the target version and holds the converted configuration: `POST
 * /config?check_hash=1` with it (Kong/kong 3.4.2 kong/api/routes/config.lua): 304 when the node
 * already runs exactly this file, 201 when it had another and loaded this one (its answer lists
 * what it loaded, counted against the file), 400 when the target refuses the file.
 */
export async function checkDblessNode(node: RollingNode, target: KongVersion, config: DeclarativeCheck, token: string | undefined, timeoutMs: number): Promise<CheckResult[]> {
  const adminUrl = node.adminUrl!;
  const results: CheckResult[] = [];
  const client = createAdminClient({ url: adminUrl, token, workspace: undefined }, timeoutMs, `Admin API of ${node.name}`);
  try {
    results.push(checkVersion(await client.getJson<KongRoot>('/'), target));
  } catch (error) {
    results.push(fail({ name: 'admin-version', group: 'admin', measured: null, threshold: null, details: `GET ${adminUrl}/ failed: ${errorMessage(error)}` }));
    return results;
  }
  const base = { name: 'declarative-config', group: 'admin' as const, threshold: 'POST /config?check_hash=1: 304 or 201' };
  let answer;
  try {
    answer = await httpRequest(
      {
        method: 'POST',
        url: `${adminUrl}/config?check_hash=1&flatten_errors=1`,
        headers: { 'content-type': 'application/json', accept: 'application/json', ...(token === undefined ? {} : { 'Kong-Admin-Token': token }) },
        body: JSON.stringify({ config: config.text }),
        timeoutMs,
      },
      `Admin API of ${node.name}`,
    );
  } catch (error) {
    results.push(fail({ ...base, measured: null, details: errorMessage(error) }));
    return results;
  }
  if (answer.status === 304) {
    results.push(pass({ ...base, measured: 'HTTP 304', details: 'the node runs exactly the converted configuration (same hash)' }));
  } else if (answer.status === 201) {
    const loaded = loadedCounts(answer.body);
    const missing = Object.entries(config.counts).filter(([type, n]) => (loaded[type] ?? 0) < n).map(([type, n]) => `${type} ${loaded[type] ?? 0} of ${n}`);
    results.push(
      missing.length === 0
        ? pass({ ...base, measured: 'HTTP 201', details: `the node had another configuration and loaded the converted one: ${describeCounts(loaded)}` })
        : fail({ ...base, measured: 'HTTP 201', details: `the node loaded fewer entities than the file holds: ${missing.join(', ')}` }),
    );
  } else {
    results.push(fail({ ...base, measured: `HTTP ${answer.status}`, details: `Kong ${target.major}.${target.minor} refuses the converted configuration: ${quoteRemote(answer.body, 600)}` }));
  }
  return results;
}

/** POST /config's 201 body: entities keyed by type, then by id. */
function loadedCounts(body: string): Record<string, number> {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== null && typeof v === 'object').map(([type, v]) => [type, Object.keys(v as object).length]));
  } catch {
    return {};
  }
}

export function describeCounts(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? 'no entities' : entries.map(([type, n]) => `${n} ${type}`).join(', ');
}
