export const id = 338;
export const ids = [338];
export const modules = {

/***/ 8338:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   installTool: () => (/* binding */ installTool)
/* harmony export */ });
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3024);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(1455);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(8161);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(6760);
/* harmony import */ var _actions_tool_cache__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(9805);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(1469);
/* harmony import */ var _platform_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(3985);








async function installTool(release) {
    const log = release.log ?? (() => { });
    const arch = (0,_platform_js__WEBPACK_IMPORTED_MODULE_7__/* .releaseArch */ .U)();
    ensureRunnerDirs();
    const cached = _actions_tool_cache__WEBPACK_IMPORTED_MODULE_5__/* .find */ .I6(release.tool, release.version, arch);
    if (cached !== '') {
        const found = locateBinary(cached, release.binary);
        if (found) {
            log(`${release.tool} ${release.version} from the tool cache: ${found}`);
            return { path: found, version: release.version, fromCache: true };
        }
    }
    log(`Downloading ${release.tool} ${release.version} from ${release.url}`);
    const archive = await _actions_tool_cache__WEBPACK_IMPORTED_MODULE_5__/* .downloadTool */ .bq(release.url).catch((error) => {
        throw downloadError(release, release.url, error);
    });
    try {
        if (release.checksumsUrl !== undefined)
            await checkArchive(release, archive);
        const extracted = await _actions_tool_cache__WEBPACK_IMPORTED_MODULE_5__/* .extractTar */ .nN(archive);
        const inside = locateBinary(extracted, release.binary);
        if (!inside)
            throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_6__/* .stepError */ .hH)(`installing ${release.tool}`, `${release.url} holds no ${release.binary}`);
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.chmod)(inside, 0o755);
        const cacheRoot = await _actions_tool_cache__WEBPACK_IMPORTED_MODULE_5__/* .cacheDir */ .e8(node_path__WEBPACK_IMPORTED_MODULE_4__.dirname(inside), release.tool, release.version, arch);
        const installed = node_path__WEBPACK_IMPORTED_MODULE_4__.join(cacheRoot, release.binary);
        log(`${release.tool} ${release.version} installed in the tool cache: ${installed}`);
        return { path: installed, version: release.version, fromCache: false };
    }
    finally {
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.rm)(archive, { force: true });
    }
}
async function checkArchive(release, archive) {
    const listingFile = await _actions_tool_cache__WEBPACK_IMPORTED_MODULE_5__/* .downloadTool */ .bq(release.checksumsUrl).catch((error) => {
        throw downloadError(release, release.checksumsUrl, error);
    });
    const listing = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.readFile)(listingFile, 'utf8').finally(() => (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.rm)(listingFile, { force: true }));
    const name = decodeURIComponent(new URL(release.url).pathname.split('/').pop() ?? '');
    const line = listing.split('\n').map((l) => l.trim().split(/\s+\*?/)).find((parts) => parts[1] === name);
    if (!line?.[0])
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_6__/* .stepError */ .hH)(`installing ${release.tool}`, `${release.checksumsUrl} lists no ${name}`);
    const actual = await sha256(archive);
    if (actual !== line[0].toLowerCase()) {
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_6__/* .stepError */ .hH)(`installing ${release.tool}`, `${name} has SHA-256 ${actual}, but ${release.checksumsUrl} says ${line[0]}: not running it`);
    }
}
function sha256(file) {
    return new Promise((resolve, reject) => {
        const hash = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256');
        (0,node_fs__WEBPACK_IMPORTED_MODULE_1__.createReadStream)(file).on('data', (chunk) => hash.update(chunk)).on('error', reject).on('end', () => resolve(hash.digest('hex')));
    });
}
/** GoReleaser archives put the binary at the root; some projects nest it one folder down. */
function locateBinary(root, binary) {
    const direct = node_path__WEBPACK_IMPORTED_MODULE_4__.join(root, binary);
    if ((0,node_fs__WEBPACK_IMPORTED_MODULE_1__.existsSync)(direct))
        return direct;
    try {
        for (const entry of (0,node_fs__WEBPACK_IMPORTED_MODULE_1__.readdirSync)(root)) {
            const nested = node_path__WEBPACK_IMPORTED_MODULE_4__.join(root, entry, binary);
            if ((0,node_fs__WEBPACK_IMPORTED_MODULE_1__.existsSync)(nested))
                return nested;
        }
    }
    catch {
        return undefined;
    }
    return undefined;
}
/** tool-cache needs both; outside a runner (the CLI, tests) fall back to temp folders. */
function ensureRunnerDirs() {
    if (!process.env.RUNNER_TEMP)
        process.env.RUNNER_TEMP = node_os__WEBPACK_IMPORTED_MODULE_3__.tmpdir();
    if (!process.env.RUNNER_TOOL_CACHE)
        process.env.RUNNER_TOOL_CACHE = node_path__WEBPACK_IMPORTED_MODULE_4__.join(node_os__WEBPACK_IMPORTED_MODULE_3__.tmpdir(), 'kong-upgrade-tool-cache');
}
function downloadError(release, url, error) {
    const status = error.httpStatusCode;
    if (status === 404)
        return (0,_errors_js__WEBPACK_IMPORTED_MODULE_6__/* .inputError */ .Xu)(release.input, `${release.tool} ${release.version} not found: GET ${url} answered 404 (is ${release.version} a released version?)`, error);
    return (0,_errors_js__WEBPACK_IMPORTED_MODULE_6__/* .stepError */ .hH)(`downloading ${release.tool} ${release.version}`, `GET ${url} failed: ${status === undefined ? error.message : `HTTP ${status}`}`, error);
}


/***/ })

};
