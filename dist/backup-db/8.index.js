export const id = 8;
export const ids = [8];
export const modules = {

/***/ 800:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   d: () => (/* binding */ listArchive),
/* harmony export */   p: () => (/* binding */ openArchive)
/* harmony export */ });
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1455);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(8161);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6760);
/* harmony import */ var _lib_errors_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(1469);
/* harmony import */ var _lib_exec_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(797);
/* harmony import */ var _checksums_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(4976);
/* harmony import */ var _encryption_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(4371);
/* harmony import */ var _manifest_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(3387);








/**
 * Reads the manifest, refuses an archive whose files differ from it (size, SHA-256, missing),
 * then decrypts if needed. Nothing is restored from an archive that fails this: checked before
 * it returns, or with `deferChecksums` through `checksums`, which the caller awaits.
 */
async function openArchive(options) {
    const manifestPath = node_path__WEBPACK_IMPORTED_MODULE_2__.resolve(options.manifestPath);
    const manifest = await (0,_manifest_js__WEBPACK_IMPORTED_MODULE_7__/* .readManifest */ .WI)(manifestPath, options.manifestInput);
    const folder = node_path__WEBPACK_IMPORTED_MODULE_2__.dirname(manifestPath);
    const checksums = checkArchive(folder, manifest, options.log);
    // Handled here so that a failure the caller has not awaited yet (deferChecksums) is not an
    // unhandled rejection that ends the process; the caller still sees it through `checksums`.
    checksums.catch(() => { });
    if (!options.deferChecksums)
        await checksums;
    const settled = () => checksums.then(() => { }, () => { });
    const dumpPath = node_path__WEBPACK_IMPORTED_MODULE_2__.join(folder, manifest.archive.path);
    if (manifest.encryption.method === 'none') {
        return { manifest, manifestPath, folder, dumpPath, checksums, close: settled };
    }
    if (!options.encryption) {
        await settled();
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .inputError */ .Xu)(manifest.encryption.method === 'gpg-symmetric' ? 'encryption-passphrase' : 'encryption-private-key', `the archive is encrypted (${manifest.encryption.method}); give the secret to decrypt it`);
    }
    // A failed checksum stops a decryption running beside it: its output would never be used.
    const stop = new AbortController();
    checksums.catch(() => stop.abort());
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    const work = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.mkdtemp)(node_path__WEBPACK_IMPORTED_MODULE_2__.join(options.workDir ?? node_os__WEBPACK_IMPORTED_MODULE_1__.tmpdir(), 'kong-restore-'));
    try {
        await (0,_encryption_js__WEBPACK_IMPORTED_MODULE_6__/* .decryptFiles */ .DN)(folder, manifest.files.map((f) => f.path), work, options.encryption, signal);
    }
    catch (error) {
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.rm)(work, { recursive: true, force: true });
        // A damaged archive explains a failed (or stopped) decryption better than gpg's message.
        await checksums;
        throw error;
    }
    options.log?.('Archive decrypted into a temporary folder');
    const plain = manifest.archive.path.endsWith('.gpg') ? manifest.archive.path.slice(0, -4) : manifest.archive.path;
    return {
        manifest, manifestPath, folder, dumpPath: node_path__WEBPACK_IMPORTED_MODULE_2__.join(work, plain), checksums,
        close: async () => {
            await settled();
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.rm)(work, { recursive: true, force: true });
        },
    };
}
async function checkArchive(folder, manifest, log) {
    const problems = await (0,_checksums_js__WEBPACK_IMPORTED_MODULE_5__/* .checkFiles */ .gw)(folder, manifest.files);
    if (problems.length > 0) {
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .stepError */ .hH)('checking the archive against its manifest', `${problems.length} file(s) differ, the archive is damaged or altered: ${problems.join('; ')}`);
    }
    log?.(`Checksums match: ${manifest.files.length} file(s), ${manifest.archive.sizeBytes} bytes`);
}
/** `pg_restore --list`: the archive's table of contents is readable and holds table data. */
async function listArchive(pgRestore, dumpPath) {
    const result = await (0,_lib_exec_js__WEBPACK_IMPORTED_MODULE_4__/* .execCommand */ .N)({ command: pgRestore, args: ['--list', dumpPath] });
    if (result.exitCode !== 0)
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .stepError */ .hH)('pg_restore --list', `cannot read the archive: ${result.stderr.trim().split('\n').slice(-2).join(' / ')}`);
    const lines = result.stdout.split('\n').filter((line) => /^\d+;/.test(line));
    return { entries: lines.length, tableData: lines.filter((line) => / TABLE DATA /.test(line)).length };
}


/***/ }),

/***/ 8:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  L1: () => (/* binding */ restoreAndReadFacts),
  restorePostgres: () => (/* binding */ restorePostgres),
  U2: () => (/* binding */ scratchName)
});

// UNUSED EXPORTS: readFacts, sameDatabase

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./build/lib/errors.js
var errors = __webpack_require__(1469);
// EXTERNAL MODULE: ./build/lib/exec.js + 1 modules
var exec = __webpack_require__(797);
// EXTERNAL MODULE: ./build/lib/shared-inputs.js
var shared_inputs = __webpack_require__(4469);
// EXTERNAL MODULE: ./build/kong/schema-meta.js
var schema_meta = __webpack_require__(5959);
// EXTERNAL MODULE: ./build/database/manifest.js
var database_manifest = __webpack_require__(3387);
// EXTERNAL MODULE: ./build/database/postgres/archive.js
var postgres_archive = __webpack_require__(800);
// EXTERNAL MODULE: ./build/database/postgres/connect.js + 1 modules
var connect = __webpack_require__(7516);
// EXTERNAL MODULE: ./build/database/postgres/dump.js + 1 modules
var dump = __webpack_require__(512);
// EXTERNAL MODULE: ./build/database/postgres/fingerprint.js + 1 modules
var fingerprint = __webpack_require__(157);
;// CONCATENATED MODULE: ./build/database/postgres/restore-lines.js
/**
 * What `pg_restore --verbose` says on stderr, read as it runs: which tables it has finished
 * loading, so their fingerprint can be read while it goes on with the rest.
 *
 * The messages are pg_restore's own (PostgreSQL 15, src/bin/pg_dump/pg_backup_archiver.c):
 * `processing data for table "<schema>.<table>"` when a table's data starts (restore_toc_entry),
 * and with parallel jobs the leader's `finished item <dumpId> TABLE DATA <table>` once a worker
 * has loaded and committed it (mark_restore_job_done). One job restores one item at a time and
 * prints nothing when a table ends: the next item's first line (another table's data, or a
 * post-data `creating INDEX/CONSTRAINT …`, `executing …`) says the previous table is done, its
 * COPY ended and committed (pg_restore without --single-transaction autocommits).
 */
function loadedTablesReader(jobs, onLoaded) {
    if (jobs > 1) {
        return (line) => {
            const finished = /^pg_restore: finished item \d+ TABLE DATA (.+)$/.exec(line.trimEnd());
            if (finished)
                onLoaded(finished[1]);
        };
    }
    let loading;
    return (line) => {
        const text = line.trimEnd();
        if (!ITEM_START.test(text))
            return;
        if (loading !== undefined)
            onLoaded(loading);
        const data = /^pg_restore: processing data for table "[^.]*\.(.+)"$/.exec(text);
        loading = data ? data[1] : undefined;
    };
}
/** Lines that begin an item in a one-job restore (a warning or notice in the middle of one does not). */
const ITEM_START = /^pg_restore: (processing data for table |creating |executing |processing item )/;
/** pg_restore's --verbose progress lines, left out of error messages so the error shows. */
const PROGRESS_LINE = /^pg_restore: (connecting to database|creating |processing (item|data for table)|launching item|finished (item|main parallel loop)|executing |setting owner|skipping item|entering |transferring dependency)/;

// EXTERNAL MODULE: ./build/database/postgres/tools.js
var postgres_tools = __webpack_require__(7469);
;// CONCATENATED MODULE: ./build/database/postgres/restore.js













async function restorePostgres(options) {
    const log = options.log ?? (() => { });
    const startedAt = new Date();
    const target = options.target;
    const name = target.db.database;
    // swap checks the checksums while pg_restore fills the scratch database (swapRestore awaits
    // them before the target changes); clean writes the target itself, so it checks them first.
    const archive = await (0,postgres_archive/* openArchive */.p)({
        manifestPath: options.manifestPath, manifestInput: 'manifest', encryption: options.encryption, workDir: options.workDir, signal: options.signal, log,
        deferChecksums: options.method === 'swap' && !options.dryRun,
    });
    try {
        const source = archive.manifest;
        const maintenance = (0,connect/* withDatabase */.kR)(target, options.maintenanceDatabase ?? 'postgres');
        const admin = await (0,connect/* connect */.Ng)(maintenance, 'connecting to the target server');
        let tools;
        let targetIdentity;
        let checked;
        const actions = [];
        try {
            const identity = await (0,dump/* readIdentity */.xN)(admin, target);
            targetIdentity = identity.database;
            tools = await (0,postgres_tools/* findPgTools */.az)(options.binDir, (0,postgres_tools/* serverMajor */.jk)(identity.versionNum));
            (0,fingerprint/* assertFingerprintComputable */.vm)(source.fingerprint.algorithm, identity.versionNum, identity.database.serverVersion);
            const archiveMajor = Number(source.dump.toolVersion.split('.')[0]);
            if (tools.major < archiveMajor) {
                throw (0,errors/* stepError */.hH)('checking the PostgreSQL client version', `the archive was written by pg_dump ${source.dump.toolVersion}; pg_restore ${tools.version} cannot read it: install a client of major ${archiveMajor} or newer and set pg-bin-dir`);
            }
            if (sameDatabase(source.database, targetIdentity) && !options.allowRestoreOverSource) {
                throw (0,errors/* inputError */.Xu)('allow-restore-over-source', `the target ${(0,shared_inputs/* describeDatabase */.DZ)(target.db)} is the database this backup was taken from (system identifier ${source.database.systemIdentifier ?? 'unknown'}, database "${source.database.database}"); restoring would replace it with the backup's state. Set allow-restore-over-source: true for a rollback`);
            }
            const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rows.length > 0;
            if (!exists && options.method === 'clean') {
                throw (0,errors/* inputError */.Xu)(target.inputs.database, `database "${name}" does not exist on ${target.db.host}:${target.db.port}; restore-method clean restores into an existing database (use swap to create it)`);
            }
            const live = exists ? await liveConnections(admin, name) : [];
            if (live.length > 0 && !options.allowLiveConnections) {
                throw (0,errors/* inputError */.Xu)('allow-live-connections', `the target database "${name}" has ${live.length} live connection(s) (${live.slice(0, 5).join(', ')}); stop the Kong nodes using it, or set allow-live-connections: true to disconnect them`);
            }
            if (options.method === 'swap') {
                actions.push(`restore into a scratch database on ${target.db.host}:${target.db.port} with pg_restore${options.jobs > 1 ? ` -j ${options.jobs}` : ''}, check its fingerprint`);
                if (exists)
                    actions.push(`${live.length > 0 ? `disconnect ${live.length} session(s), ` : ''}drop "${name}"`);
                actions.push(`rename the scratch database to "${name}"`);
            }
            else {
                actions.push(`pg_restore --clean --if-exists into "${name}"${options.jobs > 1 ? ` -j ${options.jobs}` : ' in one transaction'}`);
            }
            actions.push('compare the fingerprint with the manifest and write the target manifest');
            if (options.dryRun) {
                return { source, manifest: undefined, manifestPath: undefined, dryRun: true, actions };
            }
            if (options.method === 'swap') {
                // The renamed copy is the database whose fingerprint was just checked: no second scan.
                checked = await swapRestore(options, archive, tools, admin, exists, live.length > 0, log);
            }
        }
        finally {
            await admin.end().catch(() => { });
        }
        if (options.method === 'clean') {
            await runPgRestore(tools, archive.dumpPath, target, ['--clean', '--if-exists', ...(options.jobs > 1 ? [`--jobs=${options.jobs}`] : ['--single-transaction'])], options.signal, log);
        }
        const after = checked ?? (await readFacts(target, source.fingerprint.algorithm));
        const differences = (0,database_manifest/* compareFingerprints */.tS)(source.fingerprint, after.entities.fingerprint);
        if (differences.length > 0) {
            throw (0,errors/* stepError */.hH)('checking the restored database', `its fingerprint differs from the manifest: ${differences.join('; ')}`);
        }
        if (JSON.stringify(after.schemaMeta ?? null) !== JSON.stringify(source.schemaMeta)) {
            throw (0,errors/* stepError */.hH)('checking the restored database', 'its schema_meta rows differ from the manifest');
        }
        log(`Fingerprint of ${(0,shared_inputs/* describeDatabase */.DZ)(target.db)} equals the backup's (${after.entities.fingerprint.digest.slice(0, 16)}…)`);
        const manifest = {
            ...source,
            database: targetIdentity,
            lineage: {
                restoredFrom: {
                    manifest: archive.manifestPath,
                    database: source.database,
                    fingerprint: source.fingerprint.digest,
                    finishedAt: source.finishedAt,
                },
            },
            schemaMeta: after.schemaMeta ?? null,
            counts: after.entities.counts,
            fingerprint: after.entities.fingerprint,
            startedAt: startedAt.toISOString(),
            finishedAt: new Date().toISOString(),
        };
        const manifestPath = external_node_path_.join(archive.folder, `restored-${safe(target.db.host)}-${target.db.port}-${safe(name)}.manifest.json`);
        await (0,database_manifest/* writeManifestAtomically */.uN)(manifestPath, manifest);
        return { source, manifest, manifestPath, dryRun: false, actions };
    }
    finally {
        await archive.close();
    }
}
async function swapRestore(options, archive, tools, admin, exists, disconnect, log) {
    const name = options.target.db.database;
    const scratch = scratchName(name, 'restore');
    try {
        await admin.query(`CREATE DATABASE ${(0,connect/* quoteIdent */.v4)(scratch)} TEMPLATE template0`);
    }
    catch (error) {
        throw (0,errors/* stepError */.hH)('creating the scratch database', `${error.message}; the role needs CREATEDB for restore-method swap, or use restore-method clean`, error);
    }
    const scratchTarget = (0,connect/* withDatabase */.kR)(options.target, scratch);
    try {
        // The archive's SHA-256 runs beside pg_restore instead of before it, so it adds nothing to
        // the restore's time: only the scratch database sees an unchecked archive, a failed checksum
        // stops pg_restore, and the target changes only after both checks pass.
        const stop = new AbortController();
        const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
        const checksums = archive.checksums.catch((error) => {
            stop.abort();
            throw error;
        });
        const copy = restoreAndReadFacts(tools, archive.dumpPath, scratchTarget, options.jobs, archive.manifest.fingerprint.algorithm, signal, log);
        const [checked, restored] = await Promise.allSettled([checksums, copy]);
        // A damaged archive is the cause of whatever pg_restore then said (or of its being stopped).
        if (checked.status === 'rejected')
            throw checked.reason;
        if (restored.status === 'rejected')
            throw restored.reason;
        const facts = restored.value;
        const differences = (0,database_manifest/* compareFingerprints */.tS)(archive.manifest.fingerprint, facts.entities.fingerprint);
        if (differences.length > 0) {
            throw (0,errors/* stepError */.hH)('checking the restored copy', `its fingerprint differs from the manifest, the target was left as it was: ${differences.join('; ')}`);
        }
        if (exists) {
            if (disconnect)
                await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
            await admin.query(`DROP DATABASE ${(0,connect/* quoteIdent */.v4)(name)}`);
        }
        await admin.query(`ALTER DATABASE ${(0,connect/* quoteIdent */.v4)(scratch)} RENAME TO ${(0,connect/* quoteIdent */.v4)(name)}`);
        log(`Restored into "${name}" (scratch copy checked, then swapped in)`);
        return facts;
    }
    catch (error) {
        // A stopped pg_restore's sessions may still be ending, and DROP DATABASE refuses while they are.
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [scratch]).catch(() => { });
        await admin.query(`DROP DATABASE IF EXISTS ${(0,connect/* quoteIdent */.v4)(scratch)}`).catch(() => { });
        throw error;
    }
}
async function runPgRestore(tools, dumpPath, target, extra, signal, log, onLine) {
    const started = Date.now();
    // --no-owner / --no-acl: the copy belongs to the restoring role (preprod's Kong user), not to
    // roles of the source cluster that may not exist here. --exit-on-error: a partial restore fails.
    const result = await (0,exec/* execCommand */.N)({
        command: tools.pgRestore,
        args: ['--no-password', '--no-owner', '--no-acl', '--exit-on-error', ...(onLine ? ['--verbose'] : []), `--dbname=${target.db.database}`, ...extra, dumpPath],
        env: { ...(0,shared_inputs/* libpqEnvironment */.SQ)(target.db), PGAPPNAME: 'kong-upgrade-restore', PGCONNECT_TIMEOUT: '10' },
        ...(signal && { signal }),
        ...(onLine && { onLine: (line, stream) => stream === 'stderr' && onLine(line) }),
    });
    if (result.exitCode !== 0 || result.signal !== undefined) {
        const stderr = result.stderr.split('\n').filter((line) => !PROGRESS_LINE.test(line)).join('\n');
        const connection = (0,connect/* libpqFailure */.Vz)(target, stderr);
        if (connection)
            throw connection;
        throw (0,errors/* stepError */.hH)('pg_restore', `${result.signal ? `killed by ${result.signal}` : `exited with code ${result.exitCode}`}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`);
    }
    log(`pg_restore into ${(0,shared_inputs/* describeDatabase */.DZ)(target.db)} took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
/**
 * pg_restore into a database nobody else writes to (a swap's or trial restore's scratch copy),
 * and that copy's schema_meta and fingerprint. Each entity table is scanned on a second
 * connection as soon as pg_restore has loaded it (restore-lines.ts), while pg_restore goes on
 * with the next tables and then builds indexes and constraints, which with one job leaves the
 * other core idle: the fingerprint then adds little to the restore's time. Tables not seen to
 * finish are scanned after pg_restore exits, so reading its lines makes the check sooner, never
 * different. Not for `clean`: its one transaction hides every table until the end.
 */
async function restoreAndReadFacts(tools, dumpPath, target, jobs, algorithm, signal, log) {
    const loaded = [];
    // An object, not a variable: its field changes under the scanner's awaits.
    const restore = { state: 'restoring' };
    let wake = () => { };
    const changed = () => new Promise((resolve) => (wake = resolve));
    const onLine = loadedTablesReader(jobs, (table) => {
        loaded.push(table);
        wake();
    });
    const scanner = (async () => {
        while (loaded.length === 0 && restore.state === 'restoring')
            await changed();
        if (restore.state === 'failed')
            return undefined;
        return (0,connect/* withClient */.SV)(target, 'reading the fingerprint of the restored copy', async (client) => {
            await client.query(fingerprint/* SCAN_SETTINGS */.u2.join('; '));
            // Pre-data (every CREATE TABLE) is restored before any table's data, in either mode.
            const tables = await (0,fingerprint/* entityTablesPresent */.uH)(client);
            const byName = new Map(tables.map((table) => [table.table, table]));
            const scans = new Map();
            let afterRestore = 0;
            const started = Date.now();
            for (;;) {
                const name = loaded.shift();
                if (name !== undefined) {
                    const table = byName.get(name);
                    if (table && !scans.has(name))
                        scans.set(name, await (0,fingerprint/* scanEntityTable */.lU)(client, table, algorithm));
                    continue;
                }
                if (restore.state === 'failed')
                    return undefined;
                if (restore.state === 'restored')
                    break;
                await changed();
            }
            for (const table of tables) {
                if (scans.has(table.table))
                    continue;
                scans.set(table.table, await (0,fingerprint/* scanEntityTable */.lU)(client, table, algorithm));
                afterRestore++;
            }
            const schemaMeta = await (0,schema_meta/* readSchemaMeta */.f)(client);
            const entities = (0,fingerprint/* assembleFacts */.gd)(tables.map((table) => scans.get(table.table)), algorithm, await (0,fingerprint/* readWorkspaceNames */.uB)(client, tables));
            log(`Fingerprint of the restored copy: ${tables.length} entity tables, ${tables.length - afterRestore} of them read while pg_restore ran, ${((Date.now() - started) / 1000).toFixed(2)} s`);
            return { schemaMeta, entities };
        });
    })();
    // Handled here so a failing scanner is not an unhandled rejection while pg_restore still runs;
    // its error is rethrown where it is awaited below.
    scanner.catch(() => undefined);
    try {
        await runPgRestore(tools, dumpPath, target, jobs > 1 ? [`--jobs=${jobs}`] : [], signal, log, onLine);
    }
    catch (error) {
        restore.state = 'failed';
        wake();
        // Wait for the scanner's connection to close, so the scratch database can be dropped.
        await scanner.catch(() => undefined);
        throw error;
    }
    restore.state = 'restored';
    wake();
    return (await scanner);
}
async function readFacts(target, algorithm) {
    return (0,connect/* withClient */.SV)(target, 'reading the fingerprint', async (client) => {
        await client.query(fingerprint/* SCAN_SETTINGS */.u2.join('; '));
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const schemaMeta = await (0,schema_meta/* readSchemaMeta */.f)(client);
        const entities = await (0,fingerprint/* readEntityFacts */.VQ)(client, algorithm);
        await client.query('COMMIT');
        return { schemaMeta, entities };
    });
}
async function liveConnections(admin, database) {
    const result = await admin.query(`SELECT coalesce(nullif(application_name, ''), 'unnamed') || '@' || coalesce(host(client_addr), 'local') AS who
       FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [database]);
    return result.rows.map((row) => row.who);
}
/** Same database: same cluster (system identifier) and name; host and port when the identifier is unknown. */
function sameDatabase(a, b) {
    if (a.database !== b.database)
        return false;
    if (a.systemIdentifier !== null && b.systemIdentifier !== null)
        return a.systemIdentifier === b.systemIdentifier;
    return a.host === b.host && a.port === b.port;
}
/** A database name ≤ 63 bytes (NAMEDATALEN), unique per run. */
function scratchName(base, purpose) {
    const suffix = `__${purpose}_${(0,external_node_crypto_.randomBytes)(4).toString('hex')}`;
    return `${base.slice(0, 63 - suffix.length)}${suffix}`;
}
function safe(text) {
    return text.replace(/[^A-Za-z0-9_.-]/g, '_');
}


/***/ })

};
