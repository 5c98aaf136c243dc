import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { httpError, inputError, stepError } from '../lib/errors.js';
import { httpRequest } from '../lib/http.js';
import { rootVersion, type KongRoot } from '../kong/admin-root.js';
import { kongMessage, type AdminClient } from '../kong/admin-api.js';
import { compareKongVersions, parseKongVersion, type KongVersion } from '../version/kong-version.js';
import { FREEZE_SCHEMA, type FreezeRecord } from './freeze-record.js';

/**
 * The write freeze with what Kong itself offers where the Admin API is proxied through Kong (the
 * API loopback: a service whose url is admin_listen and a route to it, Kong/developer.konghq.com
 * app/gateway/secure-the-admin-api.md "API loopback"): a second route on the Admin API's service,
 * with the same paths, hosts and headers plus `methods` POST, PUT, PATCH and DELETE, carrying a
 * request-termination plugin. Kong's router tries routes that match on more kinds of attribute
 * first (Kong/kong 2.8.5 kong/router.lua l.780-815 sort_categories, which 3.x's default
 * traditional_compatible flavor keeps), so a write meets the freeze route and gets its status,
 * a read meets the loopback route as before. request-termination answers `{"message": …}` with
 * the configured status (kong/plugins/request-termination/handler.lua 3.4.2 l.22-78). Lifting
 * the freeze is deleting that route: its plugin goes with it (kong/db/schema/entities/plugins.lua
 * 3.4.2 l.22 on_delete = "cascade"). The freeze route's own path leaves out `DELETE
 * …/routes/<its id>`, so a runner that reaches the Admin API only through the loopback can still
 * lift it.
 */

/** 423 Locked: a client error (no retry), and no other Kong answer uses it, so a refused write is recognisable in an access log. */
export const FREEZE_STATUS = 423;
export const FREEZE_MESSAGE = 'Admin API writes are frozen while Kong is upgraded (kong-upgrade write-freeze); try again when the upgrade is over';
const WRITE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'];
const TILDE_REGEX_SINCE = parseKongVersion('2.8.2');
const TAG = 'kong-upgrade-write-freeze';

interface KongRoute {
  readonly id: string;
  readonly paths?: readonly string[] | null;
  readonly hosts?: readonly string[] | null;
  readonly headers?: Readonly<Record<string, readonly string[]>> | null;
  readonly methods?: readonly string[] | null;
  readonly protocols?: readonly string[] | null;
  readonly strip_path?: boolean;
  readonly service?: { readonly id: string } | null;
}

/**
 * Creates the freeze route and its request-termination plugin on `adminRoute`'s service. On a
 * failure half-way, what was created is removed again before the error is thrown.
 */
export async function applyFreeze(admin: AdminClient, adminRoute: string, log: (line: string) => void): Promise<FreezeRecord> {
  const startedAt = new Date().toISOString();
  const route = await readAdminRoute(admin, adminRoute);
  const version = rootVersion(await admin.getJson<KongRoot>('/'));
  const methods = route.methods && route.methods.length > 0 ? WRITE_METHODS.filter((m) => route.methods!.includes(m)) : WRITE_METHODS;
  if (methods.length === 0) throw inputError('admin-route', `route ${adminRoute} only allows ${route.methods!.join(', ')}: no write reaches the Admin API through it, there is nothing to freeze`);
  const id = randomUUID();
  const paths = (route.paths && route.paths.length > 0 ? route.paths : ['/']).map((p) => freezePath(p, id, version));
  const created = await admin.send('POST', `/services/${route.service!.id}/routes`, {
    id,
    name: `${TAG}-${id.slice(0, 8)}`,
    paths,
    methods,
    ...(route.hosts && route.hosts.length > 0 && { hosts: route.hosts }),
    ...(route.headers && Object.keys(route.headers).length > 0 && { headers: route.headers }),
    ...(route.protocols && { protocols: route.protocols.filter((p) => p === 'http' || p === 'https') }),
    strip_path: route.strip_path ?? true,
    tags: [TAG],
  });
  if (created.status !== 201) throw httpError('write freeze: creating the freeze route', created.status, `POST /services/${route.service!.id}/routes answered ${created.status}: ${kongMessage(created.body)}`);
  const plugin = await admin.send('POST', `/routes/${id}/plugins`, {
    name: 'request-termination',
    config: { status_code: FREEZE_STATUS, message: FREEZE_MESSAGE },
    tags: [TAG],
  });
  if (plugin.status !== 201) {
    await admin.send('DELETE', `/routes/${id}`).catch(() => undefined);
    throw httpError('write freeze: adding request-termination', plugin.status, `POST /routes/${id}/plugins answered ${plugin.status}: ${kongMessage(plugin.body)} (is request-termination among the nodes' plugins?); the freeze route was removed again`);
  }
  const pluginId = (JSON.parse(plugin.body) as { id: string }).id;
  log(`write freeze: route ${id} (${methods.join(', ')} on ${paths.length} path(s) of route ${route.id}) with request-termination ${pluginId}, status ${FREEZE_STATUS}`);
  return {
    schema: FREEZE_SCHEMA,
    method: 'request-termination',
    adminRoute: { id: route.id, paths: route.paths ?? [] },
    rows: [{ table: 'routes', id }, { table: 'plugins', id: pluginId }],
    status: FREEZE_STATUS,
    probeId: randomUUID(),
    startedAt,
  };
}

async function readAdminRoute(admin: AdminClient, name: string): Promise<KongRoute> {
  const response = await admin.get(`/routes/${encodeURIComponent(name)}`);
  if (response.status === 404) throw inputError('admin-route', `no route ${JSON.stringify(name)} on ${admin.target.url}: give the name or id of the route that proxies the Admin API (the loopback)`);
  if (response.status !== 200) throw httpError('write freeze: reading the Admin API route', response.status, `GET /routes/${name} answered ${response.status}: ${kongMessage(response.body)}`);
  const route = JSON.parse(response.body) as KongRoute;
  if (!route.service?.id) throw inputError('admin-route', `route ${JSON.stringify(name)} has no service: it cannot be the Admin API's loopback route`);
  return route;
}

/**
 * The freeze route's path for one of the loopback route's paths: that path as a regex (prefix
 * paths escaped), except the freeze route's own deletion. A regex path is `~`-prefixed from Kong
 * 2.8.2 (Kong/kong 2.8.2 kong/router.lua l.504; 3.x: kong/router/traditional.lua 3.4.2 l.425);
 * before, a path holding a regex character is taken as a regex (2.8.1 kong/router.lua).
 */
export function freezePath(path: string, routeId: string, version: KongVersion | undefined): string {
  const body = path.startsWith('~') ? `(?:${path.slice(1)})` : path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const regex = `${body}(?!/?routes/${routeId}/?$)`;
  const tilde = version === undefined || compareKongVersions(version, TILDE_REGEX_SINCE) >= 0;
  return tilde ? `~${regex}` : regex;
}

/**
 * Waits until a write through the loopback gets the freeze's answer: a DELETE of a route that
 * does not exist (harmless while the freeze is not yet in force: Kong answers 204 and changes
 * nothing). Kong builds its router anew after a change, not at once: this is the moment the
 * freeze holds on the node(s) the loopback URL reaches. Returns how long it took.
 */
export async function proveFrozen(loopbackUrl: string, token: string | undefined, record: FreezeRecord, timeoutMs: number, signal?: AbortSignal): Promise<number> {
  const started = performance.now();
  const probe = () => probeWrite(loopbackUrl, token, record.probeId);
  for (;;) {
    const answer = await probe();
    if (answer.status === record.status && answer.message === FREEZE_MESSAGE) return performance.now() - started;
    if (performance.now() - started > timeoutMs) {
      throw stepError('write freeze', `a write through ${loopbackUrl} still got ${answer.status} (${answer.message ?? 'no message'}) after ${Math.round(timeoutMs / 1000)}s, not the freeze's ${record.status}: the freeze route does not catch the Admin API's writes (is admin-route the route of this URL? does the router use the expressions flavor?)`);
    }
    await pause(250, signal);
  }
}

/** Waits until a write through the loopback is no longer refused (the freeze lifted everywhere it reaches). */
export async function proveLifted(loopbackUrl: string, token: string | undefined, record: FreezeRecord, timeoutMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    const answer = await probeWrite(loopbackUrl, token, record.probeId);
    if (answer.status !== record.status) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw stepError('lifting the write freeze', `writes through ${loopbackUrl} are still refused ${Math.round(timeoutMs / 1000)}s after the freeze route was deleted`);
    await pause(250);
  }
}

async function probeWrite(loopbackUrl: string, token: string | undefined, probeId: string): Promise<{ status: number; message: string | undefined }> {
  const response = await httpRequest({ method: 'DELETE', url: `${loopbackUrl}/routes/${probeId}`, headers: token === undefined ? {} : { 'Kong-Admin-Token': token }, timeoutMs: 10_000 }, 'write freeze probe');
  let message: string | undefined;
  try {
    const parsed = JSON.parse(response.body) as { message?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    message = undefined;
  }
  return { status: response.status, message };
}

/** Deletes the freeze route (its plugin goes with it); true when it was there. */
export async function liftFreeze(admin: AdminClient, record: FreezeRecord): Promise<boolean> {
  const route = record.rows.find((row) => row.table === 'routes')!;
  const before = await admin.get(`/routes/${route.id}`);
  const deleted = await admin.send('DELETE', `/routes/${route.id}`);
  if (deleted.status !== 204 && deleted.status !== 404) throw httpError('lifting the write freeze', deleted.status, `DELETE /routes/${route.id} answered ${deleted.status}: ${kongMessage(deleted.body)}`);
  const after = await admin.get(`/routes/${route.id}`);
  if (after.status !== 404) throw stepError('lifting the write freeze', `route ${route.id} is still there after DELETE (GET answered ${after.status}): delete it by hand`);
  return before.status === 200;
}

/** A write the freeze refused, as the access log has it (the query string left out: it may hold a key). */
export interface RefusedWrite {
  readonly at: string;
  readonly client: string;
  readonly method: string;
  readonly path: string;
}

/**
 * The writes the freeze refused, from an access log in nginx's `combined` format (Kong's
 * proxy_access_log: Kong/kong 3.4.2 kong/templates/nginx_kong.lua l.75, no format given, so
 * nginx's default; or a load balancer's log in the same format): lines of a write method under
 * one of the loopback route's paths answered with the freeze's status, between `from` and
 * `to`, the probe's own requests left out.
 */
export async function refusedWrites(accessLog: string, record: FreezeRecord, to: Date): Promise<RefusedWrite[]> {
  let text: string;
  try {
    text = await readFile(accessLog, 'utf8');
  } catch (error) {
    throw inputError('access-log', `cannot read ${accessLog}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, error);
  }
  // Whole seconds in the log: the freeze's start rounded down.
  const from = Math.floor(Date.parse(record.startedAt) / 1000) * 1000;
  const prefixes = record.adminRoute.paths.filter((p) => !p.startsWith('~'));
  const refused: RefusedWrite[] = [];
  for (const line of text.split('\n')) {
    const match = /^(\S+) \S+ \S+ \[([^\]]+)\] "(\S+) (\S+) [^"]*" (\d{3}) /.exec(line);
    if (!match) continue;
    const [, client, time, method, target, status] = match;
    if (Number(status) !== record.status || !WRITE_METHODS.includes(method!)) continue;
    const path = target!.split('?')[0]!;
    if (path.includes(record.probeId)) continue;
    if (prefixes.length > 0 && !prefixes.some((p) => path.startsWith(p))) continue;
    const at = parseLogTime(time!);
    if (at === undefined || at < from || at > to.getTime()) continue;
    refused.push({ at: new Date(at).toISOString(), client: client!, method: method!, path });
  }
  return refused;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** nginx's $time_local, `10/Oct/2000:13:55:36 -0700`, as epoch milliseconds. */
export function parseLogTime(text: string): number | undefined {
  const match = /^(\d\d)\/([A-Z][a-z]{2})\/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$/.exec(text);
  if (!match) return undefined;
  const [, d, mon, y, h, mi, s, sign, oh, om] = match;
  const month = MONTHS.indexOf(mon!);
  if (month < 0) return undefined;
  const offset = (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
  return Date.UTC(Number(y), month, Number(d), Number(h), Number(mi), Number(s)) - offset;
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(stepError('write freeze', 'cancelled'));
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(stepError('write freeze', 'cancelled'));
    }, { once: true });
  });
}
