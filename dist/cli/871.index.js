export const id = 871;
export const ids = [871];
export const modules = {

/***/ 871:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   createRunDir: () => (/* binding */ createRunDir),
/* harmony export */   openRunDir: () => (/* binding */ openRunDir)
/* harmony export */ });
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(1455);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6760);



const LEDGER = 'ledger';
/** A fresh private folder `kong-upgrade-XXXXXX` under `base`. */
async function createRunDir(base) {
    await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.mkdir)(base, { recursive: true });
    const folder = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.mkdtemp)(node_path__WEBPACK_IMPORTED_MODULE_2__.join(base, 'kong-upgrade-'));
    // mkdtemp makes 0700 already; said again so a umask or platform default cannot widen it.
    await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.chmod)(folder, 0o700);
    await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.mkdir)(node_path__WEBPACK_IMPORTED_MODULE_2__.join(folder, LEDGER), { mode: 0o700 });
    return openRunDir(folder);
}
/** The run folder a previous step created (its path kept in the step's state). */
function openRunDir(folder) {
    const file = (key) => {
        if (!/^[A-Za-z0-9_.-]{1,200}$/.test(key))
            throw new Error(`run ledger key ${JSON.stringify(key)} is not a plain name`);
        return node_path__WEBPACK_IMPORTED_MODULE_2__.join(folder, LEDGER, `${key}.json`);
    };
    return {
        path: folder,
        async note(key, entry) {
            const target = file(key);
            const temp = `${target}.${(0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.randomBytes)(4).toString('hex')}.tmp`;
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.writeFile)(temp, JSON.stringify(entry), { mode: 0o600, flush: true });
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.rename)(temp, target);
        },
        async forget(key) {
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.rm)(file(key), { force: true });
        },
        async entries() {
            const names = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.readdir)(node_path__WEBPACK_IMPORTED_MODULE_2__.join(folder, LEDGER)).catch(() => []);
            const out = {};
            for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
                try {
                    out[name.slice(0, -'.json'.length)] = JSON.parse(await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.readFile)(node_path__WEBPACK_IMPORTED_MODULE_2__.join(folder, LEDGER, name), 'utf8'));
                }
                catch {
                    // Half-written when the run was killed: the temp name, never a .json, is what remains.
                }
            }
            return out;
        },
    };
}


/***/ })

};
