export const id = 358;
export const ids = [358];
export const modules = {

/***/ 8358:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   MAX_PAGE_SIZE: () => (/* binding */ MAX_PAGE_SIZE),
/* harmony export */   createAdminClient: () => (/* binding */ createAdminClient)
/* harmony export */ });
/* harmony import */ var _lib_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1469);
/* harmony import */ var _lib_http_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9874);


/**
 * A small client for Kong's Admin API, shared by the plan (impact analysis), smoke-test and
 * promote. Shapes from ../shared/kong-facts/changelog-and-admin-api.md Part B:
 * collections answer `{data, next}` with `next` a relative path and `null` on the last page
 * (kong/api/endpoints.lua); `size` is at most 1000; the RBAC header is `Kong-Admin-Token`.
 */
const MAX_PAGE_SIZE = 1000;
function createAdminClient(target, timeoutMs = 10_000) {
    const headers = { accept: 'application/json' };
    if (target.token !== undefined)
        headers['Kong-Admin-Token'] = target.token;
    async function getJson(path) {
        const url = `${target.url}${path}`;
        const response = await (0,_lib_http_js__WEBPACK_IMPORTED_MODULE_1__/* .httpRequest */ .aj)({ url, headers, timeoutMs }, 'Admin API');
        if (response.status !== 200) {
            throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .stepError */ .hH)('Admin API', `GET ${url} answered ${response.status}: ${kongMessage(response.body)}`);
        }
        try {
            return JSON.parse(response.body);
        }
        catch (error) {
            throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .stepError */ .hH)('Admin API', `GET ${url} did not answer JSON`, error);
        }
    }
    async function forEachPage(path, workspace, onPage) {
        const prefix = workspace === undefined ? '' : `/${encodeURIComponent(workspace)}`;
        const separator = path.includes('?') ? '&' : '?';
        let next = `${prefix}${path}${separator}size=${MAX_PAGE_SIZE}`;
        let requests = 0;
        while (next !== null) {
            const page = await getJson(next);
            requests++;
            onPage(page.data);
            // Before 3.1 `next` drops `size` (facts B.4). Whether Enterprise prefixes `next` with the
            // workspace is not documented, so accept both forms.
            next = page.next === null || page.next === undefined ? null : withSize(withPrefix(page.next, prefix));
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
        return (0,_lib_http_js__WEBPACK_IMPORTED_MODULE_1__/* .httpRequest */ .aj)({ url: `${target.url}${path}`, headers, timeoutMs }, 'Admin API');
    }
    return { target, getJson, listAll, forEachPage, get };
}
function withPrefix(path, prefix) {
    return prefix === '' || path.startsWith(`${prefix}/`) ? path : `${prefix}${path}`;
}
function withSize(path) {
    return /[?&]size=/.test(path) ? path : `${path}${path.includes('?') ? '&' : '?'}size=${MAX_PAGE_SIZE}`;
}
/** Kong's error bodies are `{"message": …}`; show that rather than raw JSON. */
function kongMessage(body) {
    try {
        const parsed = JSON.parse(body);
        if (typeof parsed.message === 'string')
            return parsed.message;
    }
    catch {
        // not JSON: fall through to the raw text
    }
    return body.slice(0, 200);
}


/***/ }),

/***/ 9874:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   aj: () => (/* binding */ httpRequest)
/* harmony export */ });
/* unused harmony exports transportErrorKind, createHttpPool, httpJson */
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1469);

// undici is loaded on first use: most runs (a plan, a backup) never need it, and it is a large
// part of a bundle whose start-up time every step pays.
const loadUndici = () => __webpack_require__.e(/* import() */ 752).then(__webpack_require__.t.bind(__webpack_require__, 6752, 19));
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
        const body = await response.text();
        return { status: response.status, headers: response.headers, body, elapsedMs: performance.now() - started };
    }
    catch (error) {
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
        const body = await response.body.text();
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
        const kind = transportErrorKind(error);
        const reason = kind === 'timeout' ? 'timed out' : transportReason(error);
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .stepError */ .hH)(step, `${request.method ?? 'GET'} ${request.url} failed: ${reason}`, error);
    }
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
        throw stepError(step, `${request.method ?? 'GET'} ${request.url} answered ${response.status}: ${response.body.slice(0, 200)}`);
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
