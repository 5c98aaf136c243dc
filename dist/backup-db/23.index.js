export const id = 23;
export const ids = [23,480];
export const modules = {

/***/ 23:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  ADMIN_EXPORT: () => (/* binding */ ADMIN_EXPORT),
  EXPORT_SCHEMA: () => (/* binding */ EXPORT_SCHEMA),
  exportAdminApi: () => (/* binding */ exportAdminApi)
});

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./build/lib/concurrency.js
var concurrency = __webpack_require__(8867);
// EXTERNAL MODULE: ./build/kong/admin-api.js + 1 modules
var admin_api = __webpack_require__(2480);
// EXTERNAL MODULE: ./build/lib/errors.js
var errors = __webpack_require__(1469);
// EXTERNAL MODULE: ./build/version/kong-version.js
var kong_version = __webpack_require__(7143);
;// CONCATENATED MODULE: ./build/kong/admin-root.js




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
 * The names in `plugins.available_on_server`: an object of `true` in 2.8, an object of
 * `{version, priority}` from 3.0 (#8810); 2.8's docs show an array, so accept that too
 * (Kong/kong 3.4.2 kong/api/routes/kong.lua l.116).
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
/** Kong's proxy answers every unmatched request so (Kong/kong 3.4.2 kong/runloop/handler.lua l.1151). */
const PROXY_NOT_FOUND = 'no Route matched with those values';
/**
 * What a non-200 answer of the Admin API says about the URL or the token, for the user: 401/403
 * is RBAC refusing the token (Enterprise: "Invalid credentials. Token or User credentials
 * required"); 404 with the proxy's message is admin-url pointing at proxy_listen. Empty otherwise.
 */
function adminAnswerHint(status, body) {
    if (status === 401 || status === 403)
        return ': check admin-token (sent as Kong-Admin-Token) and its RBAC role';
    if (status === 404 && kongMessage(body) === quoteRemote(PROXY_NOT_FOUND)) {
        return ": that is Kong's proxy (proxy_listen) answering, not its Admin API: give admin_listen's address (8001 or 8444 by default)";
    }
    return '';
}
/** Whether an answer can never become the Admin API's by waiting: a refused token, the proxy. */
function isFinalAnswer(status, body) {
    return adminAnswerHint(status, body) !== '';
}
/**
 * The version a running node reports in GET /, as written there (`3.4.2`, Enterprise
 * `3.4.3.5`, `2.8.1.1-enterprise-edition`). Anything that is not a Kong Admin API answering a
 * version this suite reads is an error naming admin-url and what came back.
 */
async function runningVersion(client) {
    const url = `${client.target.url}/`;
    const response = await client.get('/');
    if (response.status !== 200) {
        throw inputError('admin-url', `GET ${url} answered ${response.status}: ${kongMessage(response.body)}${adminAnswerHint(response.status, response.body)}`);
    }
    let root;
    try {
        root = JSON.parse(response.body);
    }
    catch {
        throw inputError('admin-url', `GET ${url} did not answer JSON (${quoteRemote(response.body, 80)}); is it a Kong Admin API?`);
    }
    const version = root !== null && typeof root === 'object' ? root.version : undefined;
    if (typeof version !== 'string')
        throw inputError('admin-url', `GET ${url} did not report a version; is it a Kong Admin API?`);
    if (tryParseKongVersion(version) === undefined) {
        throw inputError('admin-url', `GET ${url} reports version ${quoteRemote(version)}, which is not a Kong version this suite reads (${ACCEPTED_VERSION_FORMS})`);
    }
    return version;
}

// EXTERNAL MODULE: ./build/kong/entities.js
var kong_entities = __webpack_require__(8113);
// EXTERNAL MODULE: ./build/lib/json-shape.js
var json_shape = __webpack_require__(3664);
// EXTERNAL MODULE: ./build/lib/exec.js
var exec = __webpack_require__(8511);
// EXTERNAL MODULE: ./build/database/checksums.js
var checksums = __webpack_require__(4976);
// EXTERNAL MODULE: ./build/database/encryption.js
var encryption = __webpack_require__(4371);
// EXTERNAL MODULE: ./build/database/manifest.js
var manifest = __webpack_require__(3387);
// EXTERNAL MODULE: ./build/lib/time-stamp.js
var time_stamp = __webpack_require__(7121);
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
const EXPORT_SCHEMA = 'kong-upgrade/admin-export@1';
const EXPORT_INDEX = 'export.json';
/** The index as its readers use it (a smoke-test baseline): counts, workspaces, files. */
const ADMIN_EXPORT = {
    schema: EXPORT_SCHEMA,
    name: 'declarative export index',
    shape: (0,json_shape/* object */.Ik)({
        format: (0,json_shape/* oneOf */.yL)(['admin-api-json']),
        workspaces: (0,json_shape/* listOf */.c3)((0,json_shape/* matching */.wC)(/^[\w.~-]+$/, 'a workspace name')),
        counts: kong_entities/* ENTITY_COUNTS_SHAPE */.VG,
        files: (0,json_shape/* listOf */.c3)(manifest/* FILE_SHAPE */.b3),
        finishedAt: (0,json_shape/* text */.Qq)(),
    }),
};
async function exportAdminApi(options) {
    const log = options.log ?? (() => { });
    const startedAt = new Date();
    const { client } = options;
    const root = await client.getJson('/');
    const kongVersion = typeof root.version === 'string' ? root.version : null;
    const edition = rootEdition(root) ?? null;
    const workspaces = await workspacesToExport(client, options.workspace);
    const name = options.name ?? `kong-export-${(0,time_stamp/* timeStamp */.l)(startedAt)}`;
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
                ...kong_entities/* WORKSPACED_TYPES */.eI.filter((t) => t !== 'targets').map((t) => ({ path: t, entity: t, optional: false })),
                ...(edition === 'enterprise' ? kong_entities/* ENTERPRISE_TYPES */.En.map((t) => ({ path: t, entity: t, optional: true })) : []),
                ...kong_entities/* OPTIONAL_COLLECTIONS */.vo.map((c) => ({ ...c, optional: true })),
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
            // Targets live under their upstream only: top-level /targets is disabled (404: Kong/kong 3.4.2
            // kong/api/routes/targets.lua l.6).
            const perUpstream = await (0,concurrency/* mapLimit */.s)(entities.upstreams ?? [], options.concurrency, (upstream) => client.listAll(`/upstreams/${encodeURIComponent(String(upstream.id))}/targets`, prefix));
            entities.targets = perUpstream.flat();
            const sorted = sortEntities(entities);
            const wsCounts = Object.fromEntries(Object.entries(sorted).map(([entity, items]) => [entity, items.length]));
            counts[ws] = wsCounts;
            if (missing.length > 0)
                skipped[ws] = missing.sort();
            await writeJson(external_node_path_.join(folder, 'workspaces', `${ws}.json`), {
                schema: EXPORT_SCHEMA,
                workspace: ws,
                counts: wsCounts,
                skipped: missing.sort(),
                entities: sorted,
            });
            log(`  ${ws}: ${Object.entries(wsCounts).filter(([, n]) => n > 0).map(([e, n]) => `${n} ${e}`).join(', ') || 'empty'}`);
        }
        const global = {};
        for (const type of kong_entities/* GLOBAL_TYPES */.q8)
            global[type] = await client.listAll(`/${type}`);
        counts[kong_entities/* GLOBAL_WORKSPACE */.__] = {
            ...Object.fromEntries(Object.entries(global).map(([entity, items]) => [entity, items.length])),
            workspaces: workspaces.length,
        };
        await writeJson(external_node_path_.join(folder, 'global.json'), { schema: EXPORT_SCHEMA, workspace: kong_entities/* GLOBAL_WORKSPACE */.__, entities: sortEntities(global) });
        const deckFiles = options.deck ? await deckDump(options, options.deck, folder, workspaces, edition === 'enterprise', log) : [];
        let files = (await (0,checksums/* listFiles */.CS)(folder, folder)).map((f) => external_node_path_.join(folder, f));
        if (options.encryption) {
            log(`Encrypting ${files.length} file(s) with ${options.encryption.method}: an export holds credentials and private keys`);
            files = await (0,encryption/* encryptFiles */.$$)(files, options.encryption, options.signal);
        }
        const described = await (0,checksums/* describeFiles */.LG)(folder, folder);
        const index = {
            schema: EXPORT_SCHEMA,
            format: 'admin-api-json',
            admin: { url: client.target.url, kongVersion, edition },
            workspaces,
            counts: (0,kong_entities/* sortCounts */.XR)(counts),
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
/**
 * The workspace asked for, or every workspace (just `default` where the node has none). Each
 * names a file: Kong's own rule for workspace names (workspaces.lua: ^[%w%.%-%_~]+$) keeps it
 * inside the folder, and a name outside it is refused, never skipped: "every workspace" is the
 * point of the export.
 */
async function workspacesToExport(client, workspace) {
    const fileName = (name) => /^[\w.~-]+$/.test(name) && name !== '.' && name !== '..';
    if (workspace !== undefined && workspace !== 'all') {
        if (!fileName(workspace))
            throw (0,errors/* inputError */.Xu)('workspace', `"${workspace}" is not a Kong workspace name`);
        return [workspace];
    }
    const { names } = await (0,admin_api.listWorkspaces)(client);
    const odd = names?.find((name) => !fileName(name));
    if (odd !== undefined)
        throw (0,errors/* stepError */.hH)('export', `workspace ${JSON.stringify(odd)} is not a name Kong allows, and cannot name a file`);
    return names === undefined || names.length === 0 ? ['default'] : names;
}
async function listOrSkip(client, collection, prefix, optional) {
    try {
        return await client.listAll(collection, prefix);
    }
    catch (error) {
        if (optional && (0,admin_api.isNotFound)(error))
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
async function writeJson(file, data) {
    await (0,promises_.writeFile)(file, `${JSON.stringify(data, null, 2)}\n`).catch((error) => {
        const code = error.code;
        if (code === 'ENOSPC' || code === 'EFBIG' || code === 'EDQUOT')
            throw (0,errors/* inputError */.Xu)('backup-dir', `no room to write ${file} (${code})`, error);
        throw error;
    });
}


/***/ }),

/***/ 2480:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  MAX_PAGES: () => (/* binding */ MAX_PAGES),
  createAdminClient: () => (/* binding */ createAdminClient),
  isNotFound: () => (/* binding */ isNotFound),
  kongMessage: () => (/* binding */ kongMessage),
  listWorkspaces: () => (/* binding */ listWorkspaces)
});

// EXTERNAL MODULE: ./build/lib/errors.js
var errors = __webpack_require__(1469);
;// CONCATENATED MODULE: ./build/lib/http.js

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
        if (error instanceof errors/* UpgradeError */.fy)
            throw error;
        const reason = error.name === 'TimeoutError' ? 'timed out' : transportReason(error);
        throw (0,errors/* stepError */.hH)(step, `${request.method ?? 'GET'} ${request.url} failed: ${reason}`, error);
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
        if (error instanceof errors/* UpgradeError */.fy)
            throw error;
        const kind = transportErrorKind(error);
        const reason = kind === 'timeout' ? 'timed out' : transportReason(error);
        throw (0,errors/* stepError */.hH)(step, `${request.method ?? 'GET'} ${request.url} failed: ${reason}`, error);
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
            throw (0,errors/* stepError */.hH)(step, `${request.method ?? 'GET'} ${request.url}: the answer is larger than ${limit} bytes, more than any answer this step reads; not read further`);
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

// EXTERNAL MODULE: ./build/lib/log-text.js
var log_text = __webpack_require__(2180);
;// CONCATENATED MODULE: ./build/kong/admin-api.js



/**
 * A small client for Kong's Admin API, shared by the plan (impact analysis), smoke-test,
 * backup-db's export and promote. Collections answer `{data, next}` with `next` a relative path
 * and `null` on the last page, and `size` is at most 1000 (Kong/kong 3.4.2
 * kong/api/endpoints.lua l.143 and l.307-316); Enterprise's RBAC header is `Kong-Admin-Token`
 * (its default rbac_auth_header).
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
    const notKong = (detail) => target.input === undefined ? (0,errors/* stepError */.hH)(step, detail) : (0,errors/* inputError */.Xu)(target.input, `${detail}; is ${target.url} a Kong Admin API?`);
    async function getJson(path) {
        const url = `${target.url}${path}`;
        const response = await httpRequest({ url, headers, timeoutMs }, step);
        if (response.status !== 200) {
            throw (0,errors/* httpError */.p2)(step, response.status, `GET ${url} answered ${response.status}: ${kongMessage(response.body)}`);
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
                throw (0,errors/* stepError */.hH)(step, `GET ${target.url}${prefix}${path}: still paging after ${MAX_PAGES} pages; stopped`);
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
            // Before 3.1 `next` drops `size` (Kong/kong 3.1.0 kong/api/endpoints.lua l.315 first adds it). Whether Enterprise prefixes `next` with the
            // workspace is not documented, so accept both forms.
            if (!link.startsWith('/') || link.startsWith('//'))
                throw (0,errors/* stepError */.hH)(step, `GET ${url} answered a "next" that is not a path on this Admin API: ${(0,log_text/* quoteRemote */.Pj)(link)}`);
            if (data.length === 0)
                throw (0,errors/* stepError */.hH)(step, `GET ${url} answered an empty page with a "next" page: it would never end`);
            next = withSize(withPrefix(link, prefix));
            if (seen.has(next))
                throw (0,errors/* stepError */.hH)(step, `GET ${url} answered a "next" page already read (${(0,log_text/* quoteRemote */.Pj)(link)}): it would never end`);
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
        return httpRequest({ url: `${target.url}${path}`, headers, timeoutMs }, step);
    }
    async function send(method, path, body) {
        const request = body === undefined
            ? { method, url: `${target.url}${path}`, headers, timeoutMs }
            : { method, url: `${target.url}${path}`, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body), timeoutMs };
        return httpRequest(request, step);
    }
    return { target, getJson, listAll, forEachPage, get, send };
}
/** An Admin API answer of 404: a collection or entity this node does not have (a plugin not installed, OSS without /workspaces). */
function isNotFound(error) {
    return error instanceof errors/* UpgradeError */.fy && error.httpStatus === 404;
}
/**
 * Every workspace's name, sorted, with the requests it took; `names` undefined where the node
 * has no /workspaces (OSS 3.7+ answers 404: only the default workspace exists).
 */
async function listWorkspaces(client) {
    const names = [];
    try {
        const requests = await client.forEachPage('/workspaces', undefined, (items) => {
            for (const item of items)
                if (typeof item.name === 'string')
                    names.push(item.name);
        });
        return { names: names.sort(), requests };
    }
    catch (error) {
        if (isNotFound(error))
            return { names: undefined, requests: 1 };
        throw error;
    }
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
            return (0,log_text/* quoteRemote */.Pj)(parsed.message);
    }
    catch {
        // not JSON: fall through to the raw text
    }
    return (0,log_text/* quoteRemote */.Pj)(body);
}


/***/ })

};
