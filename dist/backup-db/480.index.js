export const id = 480;
export const ids = [480];
export const modules = {

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
