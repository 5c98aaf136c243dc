export const id = 195;
export const ids = [195,358];
export const modules = {

/***/ 6195:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  EXPORT_INDEX: () => (/* binding */ EXPORT_INDEX),
  EXPORT_SCHEMA: () => (/* binding */ export_EXPORT_SCHEMA),
  exportAdminApi: () => (/* binding */ exportAdminApi)
});

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./build/database/manifest.js
var manifest = __webpack_require__(3387);
// EXTERNAL MODULE: ./build/lib/errors.js
var errors = __webpack_require__(1469);
;// CONCATENATED MODULE: ./build/checks/inventory.js







/**
 * Entity inventory through the Admin API: counts per workspace and entity type, with the
 * backup manifest's keys (src/database/manifest.ts: workspace name → entity name → rows;
 * entities without `ws_id` under `*`), so a count taken before the upgrade (manifest or an
 * earlier smoke report) compares with one taken after, key by key.
 */
/** Workspaced entity types, by Admin API collection (= DAO name = manifest entity name). */
const WORKSPACED_TYPES = ['services', 'routes', 'consumers', 'plugins', 'upstreams', 'targets', 'certificates', 'snis'];
/** consumer_groups exist on Enterprise only; OSS answers 404 (facts B.4). */
const ENTERPRISE_TYPES = ['consumer_groups'];
/** ca_certificates have no ws_id (core/009_200_to_210.lua leaves them global): counted once under `*`. */
const GLOBAL_TYPES = ['ca_certificates'];
/** The manifest's key for entities that belong to no workspace. */
const GLOBAL_WORKSPACE = '*';
/** Counts every entity type in the workspaces in scope, at most `concurrency` requests at once. */
async function takeInventory(client, options) {
    let requests = 0;
    const workspaces = await listWorkspaces(client, options.workspace, () => requests++);
    const counts = {};
    for (const ws of workspaces.list)
        counts[ws.name] = {};
    if (workspaces.listed)
        counts[GLOBAL_WORKSPACE] = { workspaces: workspaces.list.length };
    const types = [...WORKSPACED_TYPES, ...(options.enterprise ? ENTERPRISE_TYPES : [])];
    // Enterprise keeps per-workspace counters: GET /workspaces/{ws}/meta → {counts: {services: 2, …}}
    // (facts B.4). Types it lists need no paging; anything it lacks is paged.
    const fromMeta = [];
    const meta = new Map();
    if (options.enterprise) {
        await mapLimit(workspaces.list, options.concurrency, async (ws) => {
            requests++;
            try {
                const body = await client.getJson(`/workspaces/${encodeURIComponent(ws.name)}/meta`);
                if (body.counts !== null && typeof body.counts === 'object') {
                    meta.set(ws.name, body.counts);
                    fromMeta.push(ws.name);
                }
            }
            catch (error) {
                options.log?.(`no meta counts for workspace ${ws.name} (${error.message}); paging instead`);
            }
        });
    }
    // Targets live under their upstream only: top-level /targets is disabled (404, facts B.4).
    const upstreamIds = new Map();
    const pagedTasks = [];
    for (const ws of workspaces.list) {
        const wsMeta = meta.get(ws.name);
        for (const type of types) {
            const value = wsMeta?.[type];
            if (type !== 'upstreams' && typeof value === 'number')
                counts[ws.name][type] = value;
            else if (type === 'upstreams' && typeof value === 'number' && typeof wsMeta?.targets === 'number')
                counts[ws.name][type] = value;
            else if (type !== 'targets')
                pagedTasks.push({ ws, type });
        }
    }
    const globalTasks = GLOBAL_TYPES.map((type) => ({ ws: { name: GLOBAL_WORKSPACE, prefix: undefined }, type }));
    await mapLimit([...pagedTasks, ...globalTasks], options.concurrency, async ({ ws, type }) => {
        let count = 0;
        const ids = [];
        // Read first, then add: `requests += await …` would add to the value read before the await.
        const made = await client.forEachPage(`/${type}`, ws.prefix, (items) => {
            count += items.length;
            if (type === 'upstreams')
                for (const item of items)
                    if (typeof item.id === 'string')
                        ids.push(item.id);
        });
        requests += made;
        (counts[ws.name] ??= {})[type] = count;
        if (type === 'upstreams')
            upstreamIds.set(ws.name, ids);
    });
    const targetTasks = [];
    for (const ws of workspaces.list) {
        if (counts[ws.name].targets !== undefined)
            continue;
        counts[ws.name].targets = 0;
        for (const upstream of upstreamIds.get(ws.name) ?? [])
            targetTasks.push({ ws, upstream });
    }
    await mapLimit(targetTasks, options.concurrency, async ({ ws, upstream }) => {
        let count = 0;
        const made = await client.forEachPage(`/upstreams/${encodeURIComponent(upstream)}/targets`, ws.prefix, (items) => {
            count += items.length;
        });
        requests += made;
        counts[ws.name].targets += count;
    });
    return { counts: sortCounts(counts), fromMeta: fromMeta.sort(), requests };
}
async function listWorkspaces(client, workspace, countRequest) {
    if (workspace === undefined)
        return { list: [{ name: 'default', prefix: undefined }], listed: false };
    if (workspace !== 'all')
        return { list: [{ name: workspace, prefix: workspace === 'default' ? undefined : workspace }], listed: false };
    try {
        const names = [];
        countRequest();
        await client.forEachPage('/workspaces', undefined, (items) => {
            for (const item of items)
                if (typeof item.name === 'string')
                    names.push(item.name);
        });
        // Unprefixed requests target `default` (facts B.5): the same collection, one less path form.
        return { list: names.sort().map((name) => ({ name, prefix: name === 'default' ? undefined : name })), listed: true };
    }
    catch (error) {
        // OSS 3.7+ has no /workspaces (404, facts B.4): only the default workspace exists.
        if (error instanceof UpgradeError && / answered 404/.test(error.message)) {
            return { list: [{ name: 'default', prefix: undefined }], listed: false };
        }
        throw error;
    }
}
function sortCounts(counts) {
    const sorted = {};
    for (const ws of Object.keys(counts).sort()) {
        sorted[ws] = Object.fromEntries(Object.entries(counts[ws]).sort(([a], [b]) => a.localeCompare(b)));
    }
    return sorted;
}
/**
 * What changed between `baseline` and `current`. Only entity types both sides counted are
 * compared (a manifest also counts credentials and keys, which the Admin API inventory does
 * not), across the workspaces in scope and `*`. Within a workspace a side has, a missing type
 * counts as 0; a workspace one side lacks shows as absent.
 */
function compareCounts(baseline, current, scope) {
    const typesOf = (counts) => new Set(Object.values(counts).flatMap((byType) => Object.keys(byType)));
    const currentTypes = typesOf(current);
    const types = [...typesOf(baseline)].filter((type) => currentTypes.has(type)).sort();
    const inScope = (ws) => scope === 'all' || ws === GLOBAL_WORKSPACE || scope.includes(ws);
    const workspaces = [...new Set([...Object.keys(baseline), ...Object.keys(current)])].filter(inScope).sort();
    const globalOnly = new Set([...GLOBAL_TYPES, 'workspaces']);
    const differences = [];
    for (const ws of workspaces) {
        const before = baseline[ws];
        const after = current[ws];
        for (const entity of types) {
            if (ws === GLOBAL_WORKSPACE) {
                // Compared only when both sides counted it (workspaces are listed only with `all`).
                const b = before?.[entity];
                const c = after?.[entity];
                if (b !== undefined && c !== undefined && b !== c)
                    differences.push({ workspace: ws, entity, baseline: b, current: c });
                continue;
            }
            if (globalOnly.has(entity))
                continue;
            const b = before === undefined ? undefined : (before[entity] ?? 0);
            const c = after === undefined ? undefined : (after[entity] ?? 0);
            // A workspace one side lacks: show what the other side had in it.
            if ((b === undefined && c === 0) || (c === undefined && b === 0))
                continue;
            if (b !== c)
                differences.push({ workspace: ws, entity, baseline: b, current: c });
        }
    }
    return differences;
}
function inventoryCheck(inventory, baseline, differences) {
    const total = Object.entries(inventory.counts)
        .filter(([ws]) => ws !== GLOBAL_WORKSPACE)
        .reduce((sum, [, byType]) => sum + Object.values(byType).reduce((a, b) => a + b, 0), 0);
    const workspaces = Object.keys(inventory.counts).filter((ws) => ws !== GLOBAL_WORKSPACE).length;
    const base = { name: 'inventory-counts', group: 'inventory', measured: `${total} entities in ${workspaces} workspace(s)` };
    if (baseline === undefined) {
        return pass({ ...base, threshold: null, details: `counted ${total} entities in ${workspaces} workspace(s); no baseline given, nothing compared` });
    }
    if (differences.length === 0) {
        return pass({ ...base, threshold: `equal to ${baseline.source}`, details: `every count equals the baseline (${baseline.source})` });
    }
    const show = (n) => (n === undefined ? 'absent' : String(n));
    const delta = (d) => (d.baseline !== undefined && d.current !== undefined ? `${d.current - d.baseline > 0 ? '+' : ''}${d.current - d.baseline}` : '');
    return fail({
        ...base,
        measured: `${differences.length} difference(s)`,
        threshold: `equal to ${baseline.source}`,
        details: `entity counts differ from the baseline: ${differences.map((d) => `${d.workspace}/${d.entity} ${show(d.baseline)} → ${show(d.current)}`).join(', ')}`,
        evidence: table(['workspace', 'entity', 'baseline', 'now', 'change'], differences.map((d) => [d.workspace, d.entity, show(d.baseline), show(d.current), delta(d)])),
    });
}
/**
 * A baseline's counts: from a backup manifest (`kong-upgrade/backup-manifest@1`, validated by
 * its own reader), a declarative export's index (`kong-upgrade/admin-export@1`, export.json:
 * counted through the Admin API, so it needs no database) or an earlier smoke report
 * (`kong-upgrade/smoke-report@1`).
 */
async function readBaseline(file, input) {
    let data;
    try {
        data = JSON.parse(await readFile(file, 'utf8'));
    }
    catch (error) {
        throw inputError(input, `cannot read ${file} as JSON: ${error.code ?? error.message}`, error);
    }
    if (data.schema === MANIFEST_SCHEMA) {
        const manifest = await readManifest(file, input);
        return { source: `backup manifest ${file}`, counts: checkCountsShape(manifest.counts, file, input) };
    }
    if (data.schema === EXPORT_SCHEMA) {
        return { source: `declarative export ${file}`, counts: checkCountsShape(data.counts, file, input) };
    }
    if (data.schema === SMOKE_REPORT_SCHEMA) {
        if (data.counts === undefined || data.counts === null)
            throw inputError(input, `${file} is a smoke report without counts (its inventory was not taken)`);
        return { source: `smoke report ${file}`, counts: checkCountsShape(data.counts, file, input) };
    }
    throw inputError(input, `${file} has schema ${JSON.stringify(data.schema)}; expected "${MANIFEST_SCHEMA}", "${EXPORT_SCHEMA}" or "${SMOKE_REPORT_SCHEMA}"`);
}
function checkCountsShape(counts, file, input) {
    const bad = () => inputError(input, `${file}: counts must be {workspace: {entity: number}}`);
    if (counts === null || typeof counts !== 'object' || Array.isArray(counts))
        throw bad();
    for (const byType of Object.values(counts)) {
        if (byType === null || typeof byType !== 'object' || Array.isArray(byType))
            throw bad();
        for (const n of Object.values(byType))
            if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
                throw bad();
    }
    return counts;
}

// EXTERNAL MODULE: ./build/lib/http.js
var http = __webpack_require__(9874);
// EXTERNAL MODULE: ./build/kong/admin-api.js
var admin_api = __webpack_require__(8358);
// EXTERNAL MODULE: ./build/version/kong-version.js
var kong_version = __webpack_require__(7143);
;// CONCATENATED MODULE: ./build/checks/admin.js






/**
 * Polls `GET /` until it answers 200 with JSON or `waitTimeoutMs` passes, backing off from
 * 250 ms to 5 s between tries and logging each miss: a node that was just started answers
 * only once its workers are up. 401/403 end the wait at once (wrong RBAC token: retrying
 * will not help); other statuses and transport errors are retried.
 */
async function waitForAdmin(client, waitTimeoutMs, log) {
    const started = Date.now();
    const deadline = started + waitTimeoutMs;
    let delay = 250;
    let last = 'no attempt';
    for (let attempt = 1;; attempt++) {
        try {
            const response = await client.get('/');
            if (response.status === 200) {
                try {
                    const root = JSON.parse(response.body);
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
                }
                catch {
                    last = 'answered 200 but not JSON';
                }
            }
            else if (response.status === 401 || response.status === 403) {
                return {
                    root: undefined,
                    check: fail({
                        name: 'admin-reachable',
                        group: 'admin',
                        measured: `HTTP ${response.status}`,
                        threshold: 'HTTP 200',
                        details: `GET ${client.target.url}/ answered ${response.status} (${kongMessage(response.body)}): check admin-token (sent as Kong-Admin-Token) and its RBAC role`,
                    }),
                };
            }
            else {
                last = `HTTP ${response.status} ${kongMessage(response.body)}`;
            }
        }
        catch (error) {
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
/** The node's version as reported, parsed; undefined when absent or not a Kong version. */
function rootVersion(root) {
    return typeof root.version === 'string' ? (0,kong_version/* tryParseKongVersion */.SC)(root.version) : undefined;
}
/** `edition` of GET / (3.6+: "enterprise" or "community"); before 3.6, inferred from the form. */
function rootEdition(root) {
    if (typeof root.edition === 'string')
        return root.edition;
    const version = rootVersion(root);
    if (version === undefined)
        return undefined;
    return version.build === undefined ? undefined : 'enterprise';
}
/** The PostgreSQL database a node serves, as its `configuration` says; undefined when another store or unsaid. */
function rootDatabase(root) {
    const conf = root.configuration;
    if (conf?.database !== 'postgres' || typeof conf.pg_host !== 'string')
        return undefined;
    const port = Number(conf.pg_port ?? 5432);
    if (!Number.isInteger(port))
        return undefined;
    return { host: conf.pg_host, port, database: typeof conf.pg_database === 'string' ? conf.pg_database : undefined };
}
function rootRole(root) {
    const role = root.configuration?.role;
    return typeof role === 'string' ? role : undefined;
}
/**
 * `version` of GET / equals `expected`. OSS reports three numbers, Enterprise four
 * (`3.4.3.5`, B.1); 3.4.2 and 3.4.2.0 are the same code line (compareKongVersions). An
 * Enterprise node reporting 3.4.3.5 does not match 3.4.3: the fourth number is a different
 * build, and a smoke test must not pass the wrong one. From 3.6 `edition` says which
 * distribution runs: an Enterprise version expected on a `community` node fails.
 */
function checkVersion(root, expected) {
    const reported = typeof root.version === 'string' ? root.version : undefined;
    const seen = rootVersion(root);
    const base = { name: 'admin-version', group: 'admin', measured: reported ?? null, threshold: formatKongVersion(expected) };
    if (seen === undefined) {
        return fail({ ...base, details: `GET / has no Kong version (version: ${JSON.stringify(root.version)})` });
    }
    if (compareKongVersions(seen, expected) !== 0) {
        const hint = seen.build !== undefined && expected.build === undefined && seen.major === expected.major && seen.minor === expected.minor && seen.patch === expected.patch
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
/**
 * `GET /status` and its `database.reachable`. Kong answers 200 when PostgreSQL is down and
 * says so only in the body (B.2), so the status code alone proves nothing. From 3.4 the key
 * is absent on DB-less nodes and data planes, which then carry `configuration_hash`.
 */
async function checkDatabase(client) {
    const base = { name: 'admin-database', group: 'admin', threshold: 'database.reachable = true' };
    let body;
    try {
        body = await client.getJson('/status');
    }
    catch (error) {
        return fail({ ...base, measured: null, details: `GET /status failed: ${errorMessage(error)}` });
    }
    if (body.database === undefined || body.database === null) {
        if (body.configuration_hash !== undefined) {
            return pass({ ...base, measured: 'no database (DB-less or data plane)', threshold: null, details: 'GET /status has no database key: DB-less or data-plane node (Kong 3.4+ drops it there), configuration_hash present' });
        }
        return inconclusive({ ...base, measured: null, details: 'GET /status has neither database nor configuration_hash: cannot tell whether the database is reachable' });
    }
    const reachable = body.database.reachable;
    if (reachable === true) {
        return pass({ ...base, measured: 'reachable', details: 'GET /status: database.reachable is true' });
    }
    return fail({
        ...base,
        measured: `database.reachable = ${JSON.stringify(reachable)}`,
        details: 'GET /status answered 200 but database.reachable is not true: the node cannot reach its database',
    });
}
/** Whether this version serves `/status/ready` on its Status API listener: from 3.3.0 (B.3). */
function hasReadyEndpoint(version) {
    return version.major > 3 || (version.major === 3 && version.minor >= 3);
}
/**
 * `GET <status-url>/status/ready`: 200 `{"message":"ready"}` or 503 with the reason (router or
 * plugins iterator not built, no configuration, database unreachable). Only on the Status API
 * listener (`status_listen`), never on the Admin API (B.3).
 */
async function checkReady(statusUrl, timeoutMs) {
    const url = `${statusUrl}/status/ready`;
    const base = { name: 'status-ready', group: 'admin', threshold: 'HTTP 200' };
    try {
        const response = await httpRequest({ url, timeoutMs, headers: { accept: 'application/json' } }, 'Status API');
        if (response.status === 200)
            return pass({ ...base, measured: 'HTTP 200', details: `GET ${url}: ${kongMessage(response.body)}` });
        return fail({ ...base, measured: `HTTP ${response.status}`, details: `GET ${url} answered ${response.status}: ${kongMessage(response.body)}` });
    }
    catch (error) {
        return fail({ ...base, measured: null, details: `GET ${url} failed: ${errorMessage(error)} (is status_listen on and status-url right?)` });
    }
}
/**
 * The names in `plugins.available_on_server`: an object of `true` in 2.8, an object of
 * `{version, priority}` from 3.0 (#8810); 2.8's docs show an array, so accept that too (B.1).
 */
function availablePlugins(root) {
    const available = root.plugins?.available_on_server;
    if (Array.isArray(available))
        return available.filter((name) => typeof name === 'string');
    if (available !== null && typeof available === 'object') {
        return Object.entries(available)
            .filter(([, value]) => value !== false && value !== null && value !== undefined)
            .map(([name]) => name);
    }
    return undefined;
}
function checkPlugins(root, expected) {
    const available = availablePlugins(root);
    const base = { name: 'admin-plugins', group: 'admin', threshold: [...expected] };
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
/**
 * On a control plane, `/clustering/data-planes`: every data plane seen within `maxAgeMs`
 * (a data plane pings every 30 s; one that stopped stays listed until
 * cluster_data_plane_purge_delay), and none newer than the control plane's minor, nor of
 * another major: "the minor version of the CP [must be] no less than that of the DP" (§1.5).
 * A `sync_status` other than normal/unknown means the CP refuses to push it config.
 */
async function checkDataPlanes(client, cpVersion, options) {
    let planes;
    try {
        planes = await client.listAll('/clustering/data-planes');
    }
    catch (error) {
        return [fail({ name: 'hybrid-data-planes', group: 'hybrid', measured: null, threshold: null, details: `GET /clustering/data-planes failed: ${errorMessage(error)}` })];
    }
    const now = options.now ?? Date.now();
    const label = (dp) => `${String(dp.hostname ?? dp.ip ?? dp.id)} (${String(dp.version)})`;
    const stale = [];
    const newer = [];
    const unsynced = [];
    for (const dp of planes) {
        // last_seen is epoch seconds in Kong's clustering_data_planes rows.
        const lastSeen = typeof dp.last_seen === 'number' ? dp.last_seen * 1000 : Number.NaN;
        if (!(now - lastSeen <= options.maxAgeMs)) {
            stale.push(`${label(dp)} last seen ${Number.isNaN(lastSeen) ? 'never' : `${Math.round((now - lastSeen) / 1000)}s ago`}`);
        }
        const version = typeof dp.version === 'string' ? tryParseKongVersion(dp.version) : undefined;
        if (version === undefined)
            newer.push(`${label(dp)}: version unreadable`);
        else if (version.major !== cpVersion.major)
            newer.push(`${label(dp)}: major version differs from the control plane's ${formatKongVersion(cpVersion)}`);
        else if (version.minor > cpVersion.minor)
            newer.push(`${label(dp)}: minor ${version.major}.${version.minor} is newer than the control plane's ${cpVersion.major}.${cpVersion.minor}`);
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
    const results = [
        planes.length >= options.minDataPlanes ? count : fail({ ...count, details: `${planes.length} data plane(s) listed, fewer than min-data-planes ${options.minDataPlanes}` }),
    ];
    const freshness = { name: 'hybrid-data-planes-connected', group: 'hybrid', threshold: `last seen ≤ ${options.maxAgeMs / 1000}s ago` };
    results.push(stale.length === 0
        ? pass({ ...freshness, measured: planes.length, details: `all ${planes.length} data plane(s) seen recently` })
        : fail({ ...freshness, measured: stale, details: `${stale.length} data plane(s) not seen recently: ${stale.join('; ')}` }));
    const versions = { name: 'hybrid-data-plane-versions', group: 'hybrid', threshold: `data plane minor ≤ ${cpVersion.major}.${cpVersion.minor}` };
    const problems = [...newer, ...unsynced];
    results.push(problems.length === 0
        ? pass({ ...versions, measured: planes.map((dp) => String(dp.version)), details: 'no data plane newer than the control plane; all in sync' })
        : fail({ ...versions, measured: problems, details: `control planes must be upgraded first (CP minor ≥ DP minor): ${problems.join('; ')}` }));
    return results;
}

// EXTERNAL MODULE: ./build/lib/concurrency.js
var concurrency = __webpack_require__(8867);
// EXTERNAL MODULE: ./build/lib/exec.js + 1 modules
var exec = __webpack_require__(797);
// EXTERNAL MODULE: ./build/database/checksums.js
var checksums = __webpack_require__(4976);
// EXTERNAL MODULE: ./build/database/encryption.js
var encryption = __webpack_require__(4371);
;// CONCATENATED MODULE: ./build/database/export.js










/**
 * Declarative export (backup-db `mode: export`): every entity the Admin API serves, per
 * workspace, as JSON, with the counts it saw. A record of what the gateway served before the
 * upgrade that needs no database and no matching PostgreSQL client to read; and, on request,
 * `deck gateway dump` per workspace beside it, the form Kong's own runbook restores from.
 *
 * Layout of the export's folder:
 *   workspaces/<name>.json   {schema, workspace, counts, entities: {services: [...], ...}, skipped}
 *   global.json              entities that belong to no workspace (ca_certificates)
 *   deck/<name>.yaml         decK's dump of each workspace (deck-version given)
 *   export.json              the index, written last and atomically: no index, no export
 */
const export_EXPORT_SCHEMA = 'kong-upgrade/admin-export@1';
const EXPORT_INDEX = 'export.json';
/**
 * Collections beyond the inventory's types, by Admin API path, with the DAO name the backup
 * manifest counts them under (kong/plugins/<plugin>/daos.lua, kong/db/schema/entities/*.lua),
 * so an export's counts compare with a manifest's key by key. A node without the plugin or the
 * entity (vaults before 2.8, keys before 3.1) answers 404: recorded as skipped, not a failure.
 */
const OPTIONAL_COLLECTIONS = [
    { path: 'key-auths', entity: 'keyauth_credentials' },
    { path: 'basic-auths', entity: 'basicauth_credentials' },
    { path: 'hmac-auths', entity: 'hmacauth_credentials' },
    { path: 'jwts', entity: 'jwt_secrets' },
    { path: 'acls', entity: 'acls' },
    { path: 'oauth2', entity: 'oauth2_credentials' },
    { path: 'vaults', entity: 'vaults' },
    { path: 'key-sets', entity: 'key_sets' },
    { path: 'keys', entity: 'keys' },
];
async function exportAdminApi(options) {
    const log = options.log ?? (() => { });
    const startedAt = new Date();
    const { client } = options;
    const root = await client.getJson('/');
    const kongVersion = typeof root.version === 'string' ? root.version : null;
    const edition = rootEdition(root) ?? null;
    const workspaces = await export_listWorkspaces(client, options.workspace);
    const name = options.name ?? `kong-export-${stamp(startedAt)}`;
    const folder = external_node_path_.resolve(options.backupDir, name);
    await (0,promises_.mkdir)(external_node_path_.join(folder, 'workspaces'), { recursive: true }).catch((error) => {
        throw (0,errors/* inputError */.Xu)('backup-dir', `cannot create ${folder}: ${error.message}`, error);
    });
    log(`Exporting ${workspaces.length} workspace(s) from ${client.target.url} (Kong ${kongVersion ?? 'unknown'}${edition ? `, ${edition}` : ''})`);
    try {
        const counts = {};
        const skipped = {};
        for (const ws of workspaces) {
            if (options.signal?.aborted)
                throw (0,errors/* stepError */.hH)('export', 'cancelled');
            const prefix = ws === 'default' ? undefined : ws;
            const collections = [
                ...WORKSPACED_TYPES.filter((t) => t !== 'targets').map((t) => ({ path: t, entity: t, optional: false })),
                ...(edition === 'enterprise' ? ENTERPRISE_TYPES.map((t) => ({ path: t, entity: t, optional: true })) : []),
                ...OPTIONAL_COLLECTIONS.map((c) => ({ ...c, optional: true })),
            ];
            const entities = {};
            const missing = [];
            await (0,concurrency/* mapLimit */.s)(collections, options.concurrency, async (c) => {
                const items = await listOrSkip(client, `/${c.path}`, prefix, c.optional);
                if (items === undefined)
                    missing.push(c.path);
                else
                    entities[c.entity] = items;
            });
            // Targets live under their upstream only: top-level /targets is disabled (404, facts B.4).
            const perUpstream = await (0,concurrency/* mapLimit */.s)(entities.upstreams ?? [], options.concurrency, (upstream) => client.listAll(`/upstreams/${encodeURIComponent(String(upstream.id))}/targets`, prefix));
            entities.targets = perUpstream.flat();
            const sorted = sortEntities(entities);
            const wsCounts = Object.fromEntries(Object.entries(sorted).map(([entity, items]) => [entity, items.length]));
            counts[ws] = wsCounts;
            if (missing.length > 0)
                skipped[ws] = missing.sort();
            await writeJson(external_node_path_.join(folder, 'workspaces', `${ws}.json`), {
                schema: export_EXPORT_SCHEMA,
                workspace: ws,
                counts: wsCounts,
                skipped: missing.sort(),
                entities: sorted,
            });
            log(`  ${ws}: ${Object.entries(wsCounts).filter(([, n]) => n > 0).map(([e, n]) => `${n} ${e}`).join(', ') || 'empty'}`);
        }
        const global = {};
        for (const type of GLOBAL_TYPES)
            global[type] = await client.listAll(`/${type}`);
        counts[GLOBAL_WORKSPACE] = {
            ...Object.fromEntries(Object.entries(global).map(([entity, items]) => [entity, items.length])),
            workspaces: workspaces.length,
        };
        await writeJson(external_node_path_.join(folder, 'global.json'), { schema: export_EXPORT_SCHEMA, workspace: GLOBAL_WORKSPACE, entities: sortEntities(global) });
        const deckFiles = options.deck ? await deckDump(options, options.deck, folder, workspaces, edition === 'enterprise', log) : [];
        let files = (await (0,checksums/* listFiles */.CS)(folder, folder)).map((f) => external_node_path_.join(folder, f));
        if (options.encryption) {
            log(`Encrypting ${files.length} file(s) with ${options.encryption.method}: an export holds credentials and private keys`);
            files = await (0,encryption/* encryptFiles */.$$)(files, options.encryption, options.signal);
        }
        const described = await (0,checksums/* describeFiles */.LG)(folder, folder);
        const index = {
            schema: export_EXPORT_SCHEMA,
            format: 'admin-api-json',
            admin: { url: client.target.url, kongVersion, edition },
            workspaces,
            counts: export_sortCounts(counts),
            skipped,
            deck: options.deck ? { version: options.deck.version, files: deckFiles.map((f) => (options.encryption ? `${f}${encryption/* ENCRYPTED_SUFFIX */.TB}` : f)) } : null,
            encryption: { method: options.encryption?.method ?? 'none' },
            checksum: (0,checksums/* archiveChecksum */.OT)(described),
            sizeBytes: described.reduce((sum, f) => sum + f.sizeBytes, 0),
            files: described,
            startedAt: startedAt.toISOString(),
            finishedAt: new Date().toISOString(),
        };
        const indexPath = external_node_path_.join(folder, EXPORT_INDEX);
        await (0,manifest/* writeJsonAtomically */.ti)(indexPath, index);
        return { index, indexPath, folder };
    }
    catch (error) {
        await (0,promises_.rm)(folder, { recursive: true, force: true });
        throw error instanceof errors/* UpgradeError */.fy ? error : (0,errors/* stepError */.hH)('export', error.message, error);
    }
}
/** Every workspace name (sorted), or just `default` where there are none (OSS 3.7+: 404). */
async function export_listWorkspaces(client, workspace) {
    if (workspace !== undefined && workspace !== 'all') {
        // It names a file: Kong's own rule for workspace names (workspaces.lua: ^[%w%.%-%_~]+$) keeps it inside the folder.
        if (!/^[\w.~-]+$/.test(workspace) || workspace === '.' || workspace === '..')
            throw (0,errors/* inputError */.Xu)('workspace', `"${workspace}" is not a Kong workspace name`);
        return [workspace];
    }
    try {
        const items = await client.listAll('/workspaces');
        const names = items.map((w) => w.name).filter((n) => typeof n === 'string');
        // Never skip one silently: "every workspace" is the point of the export.
        const odd = names.find((n) => !/^[\w.~-]+$/.test(n) || n === '.' || n === '..');
        if (odd !== undefined)
            throw (0,errors/* stepError */.hH)('export', `workspace ${JSON.stringify(odd)} is not a name Kong allows, and cannot name a file`);
        return names.length === 0 ? ['default'] : names.sort();
    }
    catch (error) {
        if (error instanceof errors/* UpgradeError */.fy && / answered 404/.test(error.message))
            return ['default'];
        throw error;
    }
}
async function listOrSkip(client, collection, prefix, optional) {
    try {
        return await client.listAll(collection, prefix);
    }
    catch (error) {
        if (optional && error instanceof errors/* UpgradeError */.fy && / answered 404/.test(error.message))
            return undefined;
        throw error;
    }
}
/**
 * `deck gateway dump` per workspace: current decK refuses `--all-workspaces` together with `-o`
 * (cmd/gateway_dump.go MarkFlagsMutuallyExclusive, decK ≥ 1.29.2), so one run per workspace.
 * The RBAC token goes by environment (DECK_HEADERS, read by decK's viper binding of --headers),
 * never on the command line. `--workspace` only on Enterprise: OSS has no workspaces to name.
 */
async function deckDump(options, deck, folder, workspaces, enterprise, log) {
    const dir = external_node_path_.join(folder, 'deck');
    await (0,promises_.mkdir)(dir, { recursive: true });
    const env = { DECK_KONG_ADDR: options.client.target.url };
    if (options.client.target.token !== undefined)
        env.DECK_HEADERS = `Kong-Admin-Token:${options.client.target.token}`;
    const written = [];
    for (const ws of workspaces) {
        const file = external_node_path_.join(dir, `${ws}.yaml`);
        const args = ['gateway', 'dump', '--output-file', file, '--yes', ...(enterprise ? ['--workspace', ws] : [])];
        const result = await (0,exec/* execCommand */.N)({ command: deck.path, args, env, ...(options.signal && { signal: options.signal }) });
        if (result.exitCode !== 0 || result.signal !== undefined) {
            throw (0,errors/* stepError */.hH)(`deck gateway dump (workspace ${ws})`, `exited with ${result.signal ?? `code ${result.exitCode}`}: ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' / ')}`);
        }
        written.push(external_node_path_.relative(folder, file).split(external_node_path_.sep).join('/'));
        log(`  deck gateway dump: ${ws} → ${file}`);
    }
    return written;
}
/** Items by id within each entity, entities by name: the same gateway exports the same bytes. */
function sortEntities(entities) {
    const out = {};
    for (const key of Object.keys(entities).sort()) {
        out[key] = [...entities[key]].sort((a, b) => String(a.id ?? '').localeCompare(String(b.id ?? '')));
    }
    return out;
}
function export_sortCounts(counts) {
    const out = {};
    for (const ws of Object.keys(counts).sort())
        out[ws] = Object.fromEntries(Object.entries(counts[ws]).sort(([a], [b]) => a.localeCompare(b)));
    return out;
}
async function writeJson(file, data) {
    await (0,promises_.writeFile)(file, `${JSON.stringify(data, null, 2)}\n`).catch((error) => {
        const code = error.code;
        if (code === 'ENOSPC' || code === 'EFBIG' || code === 'EDQUOT')
            throw (0,errors/* inputError */.Xu)('backup-dir', `no room to write ${file} (${code})`, error);
        throw error;
    });
}
function stamp(date) {
    return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}


/***/ }),

/***/ 8358:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   MAX_PAGES: () => (/* binding */ MAX_PAGES),
/* harmony export */   MAX_PAGE_SIZE: () => (/* binding */ MAX_PAGE_SIZE),
/* harmony export */   createAdminClient: () => (/* binding */ createAdminClient),
/* harmony export */   kongMessage: () => (/* binding */ kongMessage)
/* harmony export */ });
/* harmony import */ var _lib_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1469);
/* harmony import */ var _lib_http_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9874);
/* harmony import */ var _lib_log_text_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(2180);



/**
 * A small client for Kong's Admin API, shared by the plan (impact analysis), smoke-test,
 * backup-db's export and promote. Shapes from ../shared/kong-facts/changelog-and-admin-api.md
 * Part B: collections answer `{data, next}` with `next` a relative path and `null` on the last
 * page (kong/api/endpoints.lua); `size` is at most 1000; the RBAC header is `Kong-Admin-Token`.
 */
const MAX_PAGE_SIZE = 1000;
/**
 * Pages one collection may take: 10,000 pages of 1,000 is ten million entities of one type in
 * one workspace, far past any deployment; a server whose `next` never ends stops here.
 */
const MAX_PAGES = 10_000;
/**
 * `step` names the failures (`Admin API`, `Kong upstream` …); the target's `input` is blamed
 * when the server does not answer like a Kong Admin API at all.
 */
function createAdminClient(target, timeoutMs = 10_000, step = 'Admin API') {
    const headers = { accept: 'application/json' };
    if (target.token !== undefined)
        headers['Kong-Admin-Token'] = target.token;
    const notKong = (detail) => target.input === undefined ? (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .stepError */ .hH)(step, detail) : (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(target.input, `${detail}; is ${target.url} a Kong Admin API?`);
    async function getJson(path) {
        const url = `${target.url}${path}`;
        const response = await (0,_lib_http_js__WEBPACK_IMPORTED_MODULE_1__/* .httpRequest */ .aj)({ url, headers, timeoutMs }, step);
        if (response.status !== 200) {
            throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .stepError */ .hH)(step, `GET ${url} answered ${response.status}: ${kongMessage(response.body)}`);
        }
        try {
            return JSON.parse(response.body);
        }
        catch {
            throw notKong(`GET ${url} did not answer JSON`);
        }
    }
    /**
     * The one paging loop. Guards: every page must be `{data: [...], next}`, `next` a path on this
     * Admin API (a full URL would carry the token elsewhere), never one seen before, never after an
     * empty page, and at most MAX_PAGES of them.
     */
    async function forEachPage(path, workspace, onPage) {
        const prefix = workspace === undefined ? '' : `/${encodeURIComponent(workspace)}`;
        const separator = path.includes('?') ? '&' : '?';
        let next = `${prefix}${path}${separator}size=${MAX_PAGE_SIZE}`;
        const seen = new Set();
        let requests = 0;
        while (next !== null) {
            if (requests >= MAX_PAGES)
                throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .stepError */ .hH)(step, `GET ${target.url}${prefix}${path}: still paging after ${MAX_PAGES} pages; stopped`);
            seen.add(next);
            const url = `${target.url}${next}`;
            const page = await getJson(next);
            requests++;
            const data = page?.data;
            const link = page?.next;
            if (!Array.isArray(data))
                throw notKong(`GET ${url} did not answer a collection ({"data": [...], "next": ...})`);
            if (link !== null && link !== undefined && typeof link !== 'string')
                throw notKong(`GET ${url} answered a "next" that is not a path`);
            onPage(data);
            if (typeof link !== 'string')
                break;
            // Before 3.1 `next` drops `size` (facts B.4). Whether Enterprise prefixes `next` with the
            // workspace is not documented, so accept both forms.
            if (!link.startsWith('/') || link.startsWith('//'))
                throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .stepError */ .hH)(step, `GET ${url} answered a "next" that is not a path on this Admin API: ${(0,_lib_log_text_js__WEBPACK_IMPORTED_MODULE_2__/* .quoteRemote */ .Pj)(link)}`);
            if (data.length === 0)
                throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .stepError */ .hH)(step, `GET ${url} answered an empty page with a "next" page: it would never end`);
            next = withSize(withPrefix(link, prefix));
            if (seen.has(next))
                throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .stepError */ .hH)(step, `GET ${url} answered a "next" page already read (${(0,_lib_log_text_js__WEBPACK_IMPORTED_MODULE_2__/* .quoteRemote */ .Pj)(link)}): it would never end`);
        }
        return requests;
    }
    async function listAll(path, workspace) {
        const items = [];
        await forEachPage(path, workspace, (page) => {
            for (const item of page)
                items.push(item);
        });
        return items;
    }
    async function get(path) {
        return (0,_lib_http_js__WEBPACK_IMPORTED_MODULE_1__/* .httpRequest */ .aj)({ url: `${target.url}${path}`, headers, timeoutMs }, step);
    }
    async function send(method, path, body) {
        const request = body === undefined
            ? { method, url: `${target.url}${path}`, headers, timeoutMs }
            : { method, url: `${target.url}${path}`, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body), timeoutMs };
        return (0,_lib_http_js__WEBPACK_IMPORTED_MODULE_1__/* .httpRequest */ .aj)(request, step);
    }
    return { target, getJson, listAll, forEachPage, get, send };
}
function withPrefix(path, prefix) {
    return prefix === '' || path.startsWith(`${prefix}/`) ? path : `${prefix}${path}`;
}
function withSize(path) {
    return /[?&]size=/.test(path) ? path : `${path}${path.includes('?') ? '&' : '?'}size=${MAX_PAGE_SIZE}`;
}
/** Kong's error bodies are `{"message": …}`: that message, else the start of the body; quoted and escaped. */
function kongMessage(body) {
    try {
        const parsed = JSON.parse(body);
        if (typeof parsed.message === 'string')
            return (0,_lib_log_text_js__WEBPACK_IMPORTED_MODULE_2__/* .quoteRemote */ .Pj)(parsed.message);
    }
    catch {
        // not JSON: fall through to the raw text
    }
    return (0,_lib_log_text_js__WEBPACK_IMPORTED_MODULE_2__/* .quoteRemote */ .Pj)(body);
}


/***/ }),

/***/ 9874:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   aj: () => (/* binding */ httpRequest)
/* harmony export */ });
/* unused harmony exports DEFAULT_MAX_BODY_BYTES, transportErrorKind, createHttpPool, httpJson */
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1469);


// undici is loaded on first use: most runs (a plan, a backup) never need it, and it is a large
// part of a bundle whose start-up time every step pays.
const loadUndici = () => __webpack_require__.e(/* import() */ 752).then(__webpack_require__.t.bind(__webpack_require__, 6752, 19));
/**
 * No answer this suite reads comes near it (an Admin API page of 1,000 entities, Kong's
 * CHANGELOG.md); without a cap, one endless or huge body held memory without bound (1 GiB took
 * 3.2 GiB). The body is counted as it arrives and the request dropped past the cap.
 */
const DEFAULT_MAX_BODY_BYTES = 64 << 20;
async function httpRequest(request, step = 'HTTP request') {
    const started = performance.now();
    // fetch drops a Host header (a forbidden header name in the Fetch standard), but a proxy check
    // must choose the route by host, as clients of Kong's proxy do: undici's request sends it as given.
    if (request.headers !== undefined && Object.keys(request.headers).some((name) => name.toLowerCase() === 'host')) {
        return requestWithHost(request, step, started);
    }
    try {
        const response = await fetch(request.url, {
            method: request.method ?? 'GET',
            headers: request.headers,
            body: request.body,
            signal: AbortSignal.timeout(request.timeoutMs ?? 10_000),
            redirect: 'manual',
        });
        const body = response.body === null ? '' : await readCapped(response.body, request, step);
        return { status: response.status, headers: response.headers, body, elapsedMs: performance.now() - started };
    }
    catch (error) {
        if (error instanceof _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .UpgradeError */ .fy)
            throw error;
        const reason = error.name === 'TimeoutError' ? 'timed out' : transportReason(error);
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .stepError */ .hH)(step, `${request.method ?? 'GET'} ${request.url} failed: ${reason}`, error);
    }
}
async function requestWithHost(request, step, started) {
    const timeoutMs = request.timeoutMs ?? 10_000;
    try {
        const { request: undiciRequest } = await loadUndici();
        const response = await undiciRequest(request.url, {
            method: (request.method ?? 'GET'),
            headers: request.headers,
            body: request.body,
            headersTimeout: timeoutMs,
            bodyTimeout: timeoutMs,
            signal: AbortSignal.timeout(timeoutMs),
        });
        const body = await readCapped(response.body, request, step);
        const headers = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
            if (value === undefined)
                continue;
            for (const item of Array.isArray(value) ? value : [value])
                headers.append(name, item);
        }
        return { status: response.statusCode, headers, body, elapsedMs: performance.now() - started };
    }
    catch (error) {
        if (error instanceof _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .UpgradeError */ .fy)
            throw error;
        const kind = transportErrorKind(error);
        const reason = kind === 'timeout' ? 'timed out' : transportReason(error);
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .stepError */ .hH)(step, `${request.method ?? 'GET'} ${request.url} failed: ${reason}`, error);
    }
}
/**
 * Reads a body to the end as UTF-8, failing once it passes the cap: leaving the loop by the throw
 * cancels the stream (fetch) or destroys it (undici), so the rest is never read.
 */
async function readCapped(body, request, step) {
    const limit = request.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    const chunks = [];
    let size = 0;
    for await (const chunk of body) {
        size += chunk.byteLength;
        if (size > limit) {
            throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .stepError */ .hH)(step, `${request.method ?? 'GET'} ${request.url}: the answer is larger than ${limit} bytes, more than any answer this step reads; not read further`);
        }
        chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
}
function transportErrorKind(error) {
    const codes = [];
    const names = [];
    for (let current = error, depth = 0; current && depth < 4; depth++) {
        if (typeof current.code === 'string')
            codes.push(current.code);
        if (typeof current.name === 'string')
            names.push(current.name);
        current = current.cause;
    }
    if (codes.includes('ECONNREFUSED'))
        return 'refused';
    if (names.includes('TimeoutError') || codes.some((code) => /TIMEOUT|ETIMEDOUT/.test(code)))
        return 'timeout';
    // UND_ERR_SOCKET is undici's "other side closed": the peer closed the connection mid-request.
    if (codes.some((code) => ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED'].includes(code)))
        return 'reset';
    return 'other';
}
/**
 * A keep-alive connection pool to one origin (undici's Pool) for load measurement: at most
 * `connections` sockets, one request in flight on each, every request bounded by `timeoutMs`.
 * The body is read to the end, so latency covers the whole answer as a client sees it.
 */
async function createHttpPool(origin, options) {
    const { Pool } = await loadUndici();
    const pool = new Pool(origin, {
        connections: options.connections,
        pipelining: 1,
        connectTimeout: options.timeoutMs,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
    });
    return {
        async send(request) {
            const started = performance.now();
            try {
                const response = await pool.request({
                    method: request.method,
                    path: request.path,
                    headers: request.headers,
                    body: request.body,
                    signal: AbortSignal.timeout(options.timeoutMs),
                });
                await response.body.dump({ limit: Number.MAX_SAFE_INTEGER });
                return { kind: 'response', status: response.statusCode, elapsedMs: performance.now() - started };
            }
            catch (error) {
                const code = error.code ?? error.name ?? 'error';
                return { kind: 'transport-error', error: transportErrorKind(error), code, elapsedMs: performance.now() - started };
            }
        },
        async close() {
            await pool.destroy();
        },
    };
}
function transportReason(error) {
    const cause = error.cause;
    return cause?.code ?? cause?.message ?? error.message;
}
async function httpJson(request, step = 'HTTP request') {
    const response = await httpRequest(request, step);
    if (response.status < 200 || response.status >= 300) {
        throw stepError(step, `${request.method ?? 'GET'} ${request.url} answered ${response.status}: ${quoteRemote(response.body)}`);
    }
    try {
        return JSON.parse(response.body);
    }
    catch (error) {
        throw stepError(step, `${request.url} did not answer JSON`, error);
    }
}


/***/ })

};
