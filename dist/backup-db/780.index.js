export const id = 780;
export const ids = [780];
export const modules = {

/***/ 9016:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  d: () => (/* binding */ listArchive),
  p: () => (/* binding */ openArchive)
});

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./build/lib/errors.js
var errors = __webpack_require__(1469);
// EXTERNAL MODULE: ./build/lib/exec.js
var exec = __webpack_require__(8511);
// EXTERNAL MODULE: ./build/database/checksums.js
var checksums = __webpack_require__(4976);
// EXTERNAL MODULE: ./build/database/encryption.js
var database_encryption = __webpack_require__(4371);
// EXTERNAL MODULE: ./build/database/manifest.js
var database_manifest = __webpack_require__(3387);
;// CONCATENATED MODULE: ./build/database/backup-files.js






/**
 * What verify, restore and migrate's backup gate read before any byte of the archive: the
 * manifest's fields (readManifest), then that it vouches for the archive it names: at least one
 * file, the archive is exactly the file (custom) or the folder of the files (directory) it lists
 * with their checksums, every path stays inside the backup folder (no `..`, no absolute path, no
 * symlink leading out), and a directory archive holds no file it does not list (pg_restore reads
 * `3.dat` before the listed `3.dat.gz`). The sizes and SHA-256s are checked by checkBackupChecksums.
 */
async function inspectBackup(manifestPath, input) {
    const file = external_node_path_.resolve(manifestPath);
    const manifest = await (0,database_manifest/* readManifest */.WI)(file, input);
    const refuse = (detail) => (0,errors/* inputError */.Xu)(input, `${file}: ${detail}`);
    const problems = archiveProblems(manifest);
    if (problems.length > 0)
        throw refuse(`the manifest does not vouch for its archive: ${problems.join('; ')}`);
    const folder = await (0,promises_.realpath)(external_node_path_.dirname(file));
    for (const listed of manifest.files) {
        const real = await (0,promises_.realpath)(external_node_path_.join(folder, listed.path)).catch(() => undefined);
        // A missing file is the checksums' to report, with the others.
        if (real !== undefined && !inside(folder, real))
            throw refuse(`${listed.path} leads outside the backup folder (to ${real})`);
    }
    if (manifest.dump.format === 'directory') {
        const unlisted = await unlistedFiles(folder, manifest);
        if (unlisted.length > 0) {
            throw refuse(`${manifest.archive.path} holds ${unlisted.length} file${unlisted.length === 1 ? '' : 's'} the manifest does not list (${unlisted.slice(0, 5).join(', ')}): pg_restore would read them unchecked`);
        }
    }
    return { manifest, manifestPath: file, folder, archivePath: external_node_path_.join(folder, manifest.archive.path) };
}
/** Sizes and SHA-256 of every file, streamed; the error names `input`, the manifest's. */
async function checkBackupChecksums(backup, input, log) {
    const problems = await (0,checksums/* checkFiles */.gw)(backup.folder, backup.manifest.files);
    if (problems.length > 0) {
        throw (0,errors/* inputError */.Xu)(input, `checking the archive against its manifest: ${problems.length} file(s) differ, the archive is damaged or altered: ${problems.join('; ')}`);
    }
    log?.(`Checksums match: ${backup.manifest.files.length} file(s), ${backup.manifest.archive.sizeBytes} bytes`);
}
/**
 * The archive a manifest names is there and is what was backed up: inspectBackup, then every
 * checksum. For migrate's backup gate (no rollback point without an archive) and verify.
 */
async function verifyBackupFiles(manifestPath, input, options = {}) {
    const backup = await inspectBackup(manifestPath, input);
    await checkBackupChecksums(backup, input, options.log);
    return backup;
}
function archiveProblems(manifest) {
    const { archive, files, dump, encryption } = manifest;
    if (files.length === 0)
        return ['files lists no file, so nothing of the archive would be checked'];
    const problems = [];
    const paths = files.map((f) => f.path);
    if (new Set(paths).size !== paths.length)
        problems.push('files lists a path twice');
    if (dump.format === 'custom' && (files.length !== 1 || paths[0] !== archive.path)) {
        problems.push(`archive.path ${JSON.stringify(archive.path)} is not the file files[] lists (${paths.slice(0, 3).join(', ')})`);
    }
    if (dump.format === 'directory') {
        const outside = paths.filter((p) => !p.startsWith(`${archive.path}/`));
        if (outside.length > 0)
            problems.push(`files[] lists ${outside.slice(0, 3).join(', ')} outside the archive folder ${JSON.stringify(archive.path)}`);
    }
    if (archive.checksum !== (0,checksums/* archiveChecksum */.OT)(files))
        problems.push("archive.checksum is not the checksum of the files[] listed");
    if (archive.sizeBytes !== files.reduce((sum, f) => sum + f.sizeBytes, 0))
        problems.push('archive.sizeBytes is not the sum of the files[] listed');
    if (encryption.method !== 'none' && !paths.every((p) => p.endsWith(database_encryption/* ENCRYPTED_SUFFIX */.TB)))
        problems.push(`encryption.method is ${encryption.method} but files[] lists files without ${database_encryption/* ENCRYPTED_SUFFIX */.TB}`);
    if (!/^\d+(\.\d+)*$/.test(dump.toolVersion))
        problems.push(`dump.toolVersion ${JSON.stringify(dump.toolVersion)} is not a pg_dump version`);
    return problems;
}
function inside(folder, real) {
    return real.startsWith(`${folder}${external_node_path_.sep}`);
}
/** Everything but folders under a directory archive that files[] does not list, relative to `folder`. */
async function unlistedFiles(folder, manifest) {
    const listed = new Set(manifest.files.map((f) => f.path));
    const entries = await (0,promises_.readdir)(external_node_path_.join(folder, manifest.archive.path), { recursive: true, withFileTypes: true }).catch(() => []);
    return entries
        .filter((entry) => !entry.isDirectory())
        .map((entry) => external_node_path_.relative(folder, external_node_path_.join(entry.parentPath, entry.name)).split(external_node_path_.sep).join('/'))
        .filter((p) => !listed.has(p))
        .sort();
}

;// CONCATENATED MODULE: ./build/database/postgres/archive.js







/**
 * Reads and inspects the manifest (backup-files.ts: fields, paths, the archive it vouches for),
 * refuses an archive whose files differ from it (size, SHA-256, missing), then decrypts if
 * needed. Nothing is restored from an archive that fails this: checked before it returns, or
 * with `deferChecksums` through `checksums`, which the caller awaits.
 */
async function openArchive(options) {
    const backup = await inspectBackup(options.manifestPath, options.manifestInput);
    const { manifest, manifestPath, folder } = backup;
    const checksums = checkBackupChecksums(backup, options.manifestInput, options.log);
    // Handled here so that a failure the caller has not awaited yet (deferChecksums) is not an
    // unhandled rejection that ends the process; the caller still sees it through `checksums`.
    checksums.catch(() => { });
    if (!options.deferChecksums)
        await checksums;
    const settled = () => checksums.then(() => { }, () => { });
    const dumpPath = backup.archivePath;
    if (manifest.encryption.method === 'none') {
        return { manifest, manifestPath, folder, dumpPath, checksums, close: settled };
    }
    if (!options.encryption) {
        await settled();
        throw (0,errors/* inputError */.Xu)(manifest.encryption.method === 'gpg-symmetric' ? 'encryption-passphrase' : 'encryption-private-key', `the archive is encrypted (${manifest.encryption.method}); give the secret to decrypt it`);
    }
    // A failed checksum stops a decryption running beside it: its output would never be used.
    const stop = new AbortController();
    checksums.catch(() => stop.abort());
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    const work = await (0,promises_.mkdtemp)(external_node_path_.join(options.runDir?.path ?? options.workDir ?? external_node_os_.tmpdir(), 'kong-restore-'));
    try {
        await (0,database_encryption/* decryptFiles */.DN)(folder, manifest.files.map((f) => f.path), work, options.encryption, signal, options.runDir);
    }
    catch (error) {
        await (0,promises_.rm)(work, { recursive: true, force: true });
        // A damaged archive explains a failed (or stopped) decryption better than gpg's message.
        await checksums;
        throw error;
    }
    options.log?.('Archive decrypted into a temporary folder');
    const plain = manifest.archive.path.endsWith('.gpg') ? manifest.archive.path.slice(0, -4) : manifest.archive.path;
    return {
        manifest, manifestPath, folder, dumpPath: external_node_path_.join(work, plain), checksums,
        close: async () => {
            await settled();
            await (0,promises_.rm)(work, { recursive: true, force: true });
        },
    };
}
/** `pg_restore --list`: the archive's table of contents is readable and holds table data. */
async function listArchive(pgRestore, dumpPath) {
    const result = await (0,exec/* execCommand */.N)({ command: pgRestore, args: ['--list', dumpPath] });
    if (result.exitCode !== 0)
        throw (0,errors/* stepError */.hH)('pg_restore --list', `cannot read the archive: ${result.stderr.trim().split('\n').slice(-2).join(' / ')}`);
    const lines = result.stdout.split('\n').filter((line) => /^\d+;/.test(line));
    return { entries: lines.length, tableData: lines.filter((line) => / TABLE DATA /.test(line)).length };
}


/***/ }),

/***/ 6780:
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
// EXTERNAL MODULE: ./build/lib/exec.js
var exec = __webpack_require__(8511);
// EXTERNAL MODULE: ./build/database/connection.js
var connection = __webpack_require__(7426);
// EXTERNAL MODULE: ./build/kong/schema-meta.js
var schema_meta = __webpack_require__(5959);
// EXTERNAL MODULE: ./build/database/manifest.js
var database_manifest = __webpack_require__(3387);
// EXTERNAL MODULE: ./build/database/postgres/archive.js + 1 modules
var postgres_archive = __webpack_require__(9016);
// EXTERNAL MODULE: ./build/database/postgres/connect.js + 1 modules
var connect = __webpack_require__(7516);
// EXTERNAL MODULE: ./build/database/postgres/dump.js + 4 modules
var dump = __webpack_require__(4118);
// EXTERNAL MODULE: ./build/database/postgres/fingerprint.js
var fingerprint = __webpack_require__(9558);
// EXTERNAL MODULE: ./build/lib/concurrency.js
var concurrency = __webpack_require__(8867);
// EXTERNAL MODULE: ./build/database/postgres/swap.js
var swap = __webpack_require__(7995);
;// CONCATENATED MODULE: ./build/database/postgres/lock-watch.js



async function watchLocks(target, applicationName, timeoutMs) {
    const client = await (0,connect/* connect */.Ng)(target, 'watching the restore\'s locks');
    let blockedBy;
    let stopped = false;
    const every = Math.min(1000, Math.max(100, timeoutMs / 4));
    const loop = (async () => {
        while (!stopped) {
            const waiting = await client.query(`SELECT a.pid, extract(epoch FROM now() - a.query_start) * 1000 AS waited,
                (SELECT string_agg(b.usename || ' ' || coalesce(nullif(b.application_name, ''), 'unnamed') || ' (pid ' || b.pid || ')', ', ')
                   FROM pg_stat_activity b WHERE b.pid = ANY (pg_blocking_pids(a.pid))) AS blockers
           FROM pg_stat_activity a
          WHERE a.application_name = $1 AND a.wait_event_type = 'Lock'`, [applicationName]);
            const stuck = waiting.rows.find((row) => Number(row.waited) > timeoutMs);
            if (stuck) {
                blockedBy = stuck.blockers ?? 'another session';
                await client.query('SELECT pg_cancel_backend($1)', [stuck.pid]);
                return;
            }
            await (0,concurrency/* sleep */.y)(every);
        }
    })().catch(() => { });
    return {
        blockedBy: () => blockedBy,
        async end() {
            stopped = true;
            await loop;
            await (0,swap/* endSessionsNamed */.ay)(client, applicationName).catch(() => { });
            await client.end().catch(() => { });
        },
    };
}

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
        manifestPath: options.manifestPath, manifestInput: 'manifest', encryption: options.encryption, workDir: options.workDir, runDir: options.runDir, signal: options.signal, log,
        deferChecksums: options.method === 'swap' && !options.dryRun,
    });
    try {
        const source = archive.manifest;
        const maintenance = (0,connect/* withDatabase */.kR)(target, options.maintenanceDatabase ?? 'postgres');
        const admin = await (0,connect/* connect */.Ng)(maintenance, 'connecting to the target server');
        let tools;
        let targetIdentity;
        let checked;
        let previousKept;
        let live = [];
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
                throw (0,errors/* inputError */.Xu)('allow-restore-over-source', `the target ${(0,connection/* describeDatabase */.DZ)(target.db)} is the database this backup was taken from (system identifier ${source.database.systemIdentifier ?? 'unknown'}, database "${source.database.database}"); restoring would replace it with the backup's state. Set allow-restore-over-source: true for a rollback`);
            }
            const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rows.length > 0;
            if (!exists && options.method === 'clean') {
                throw (0,errors/* inputError */.Xu)(target.inputs.database, `database "${name}" does not exist on ${target.db.host}:${target.db.port}; restore-method clean restores into an existing database (use swap to create it)`);
            }
            live = exists ? await liveConnections(admin, name) : [];
            if (live.length > 0 && !options.allowLiveConnections) {
                throw (0,errors/* inputError */.Xu)('allow-live-connections', `the target database "${name}" has ${live.length} live connection(s) (${live.slice(0, 5).join(', ')}); stop the Kong nodes using it, or set allow-live-connections: true to disconnect them`);
            }
            const disconnect = live.length > 0 ? `disconnect ${live.length} session(s), ` : '';
            if (options.method === 'swap') {
                actions.push(`restore into a scratch database on ${target.db.host}:${target.db.port} with pg_restore${options.jobs > 1 ? ` -j ${options.jobs}` : ''}, check its fingerprint and schema_meta`);
                if (exists)
                    actions.push(`${disconnect}rename "${name}" aside, rename the scratch database to "${name}", then drop the previous one (renamed back if anything fails)`);
                else
                    actions.push(`rename the scratch database to "${name}"`);
            }
            else {
                actions.push(`${disconnect}pg_restore --clean --if-exists into "${name}"${options.jobs > 1 ? ` -j ${options.jobs} (not in one transaction: stopped halfway, it leaves the database partly restored)` : ' in one transaction'}, waiting at most ${lockTimeout(options) / 1000} s for a lock`);
            }
            actions.push('compare the fingerprint with the manifest and write the target manifest');
            if (options.dryRun) {
                return { source, manifest: undefined, manifestPath: undefined, dryRun: true, actions, previousKept: undefined };
            }
            if (options.method === 'swap') {
                // The renamed copy is the database whose fingerprint was just checked: no second scan.
                ({ facts: checked, previousKept } = await swapRestore(options, archive, tools, admin, exists, log));
            }
            else if (live.length > 0) {
                const stuck = await (0,swap/* endSessions */.vG)(admin, name);
                if (stuck.length > 0)
                    throw (0,errors/* stepError */.hH)('disconnecting the target\'s sessions', `${stuck.length} session(s) on "${name}" could not be ended (${stuck.join(', ')}); nothing was restored. End them (or grant the restoring role pg_signal_backend) and restore again`);
                log(`Ended ${live.length} session(s) on "${name}"`);
            }
        }
        finally {
            await admin.end().catch(() => { });
        }
        if (options.method === 'clean')
            await cleanRestore(options, archive, tools, log);
        const after = checked ?? (await readFacts(target, source.fingerprint.algorithm));
        const differences = restoredDifferences(source, after);
        if (differences.length > 0) {
            throw (0,errors/* stepError */.hH)('checking the restored database', `it differs from the manifest: ${differences.join('; ')}`);
        }
        log(`Fingerprint of ${(0,connection/* describeDatabase */.DZ)(target.db)} equals the backup's (${after.entities.fingerprint.digest.slice(0, 16)}…)`);
        const manifest = {
            ...source,
            database: targetIdentity,
            lineage: {
                restoredFrom: {
                    manifest: options.manifestName ?? archive.manifestPath,
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
        if (previousKept)
            actions.push(`the previous "${name}" could not be dropped and is kept as "${previousKept}"`);
        return { source, manifest, manifestPath, dryRun: false, actions, previousKept };
    }
    finally {
        await archive.close();
    }
}
/** How a restored database differs from its manifest: fingerprint table by table, then schema_meta. */
function restoredDifferences(manifest, facts) {
    const differences = (0,database_manifest/* compareFingerprints */.tS)(manifest.fingerprint, facts.entities.fingerprint);
    if (JSON.stringify(facts.schemaMeta ?? null) !== JSON.stringify(manifest.schemaMeta))
        differences.push('its schema_meta rows differ from the manifest');
    return differences;
}
const DEFAULT_LOCK_TIMEOUT_MS = 30_000;
function lockTimeout(options) {
    return options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
}
/**
 * Into a scratch database, checked (checksums, fingerprint, schema_meta) before the target is
 * touched, then swapped in (swap.ts). The scratch database is in the run's ledger while it exists.
 */
async function swapRestore(options, archive, tools, admin, exists, log) {
    const name = options.target.db.database;
    const scratch = scratchName(name, 'restore');
    const { host, port } = options.target.db;
    await options.runDir?.note((0,swap/* scratchKey */.ct)(scratch), { kind: 'scratch-database', host, port, database: scratch });
    try {
        await admin.query(`CREATE DATABASE ${(0,connect/* quoteIdent */.v4)(scratch)} TEMPLATE template0`);
    }
    catch (error) {
        await options.runDir?.forget((0,swap/* scratchKey */.ct)(scratch));
        throw (0,errors/* stepError */.hH)('creating the scratch database', `${error.message}; the role needs CREATEDB for restore-method swap, or use restore-method clean`, error);
    }
    const scratchTarget = (0,connect/* withDatabase */.kR)(options.target, scratch);
    let facts;
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
        const copy = restoreAndReadFacts(tools, archive.dumpPath, scratchTarget, options.jobs, archive.manifest.fingerprint.algorithm, signal, log, options.runDir);
        const [checked, restored] = await Promise.allSettled([checksums, copy]);
        // A damaged archive is the cause of whatever pg_restore then said (or of its being stopped).
        if (checked.status === 'rejected')
            throw checked.reason;
        if (restored.status === 'rejected')
            throw restored.reason;
        facts = restored.value;
        const differences = restoredDifferences(archive.manifest, facts);
        if (differences.length > 0) {
            throw (0,errors/* stepError */.hH)('checking the restored copy', `it differs from the manifest, the target was left as it was: ${differences.join('; ')}`);
        }
    }
    catch (error) {
        // A stopped pg_restore's sessions may still be ending; dropScratch ends them first.
        const dropped = await (0,swap/* dropScratch */.Wl)(admin, scratch, options.runDir);
        if (!dropped)
            log(`The scratch database "${scratch}" could not be dropped: drop it by hand`);
        throw error;
    }
    const { previousKept } = await (0,swap/* swapIn */.zN)(admin, { host, port, name, scratch, exists, disconnect: options.allowLiveConnections, aside: scratchName(name, 'previous') }, options.runDir, log);
    return { facts, previousKept };
}
/**
 * `pg_restore --clean --if-exists` into the target itself. One job: one transaction, so a failure
 * or a stop leaves the target as it was. More jobs: no transaction, so a failure leaves it partly
 * restored, which the error says. Every lock it waits for is bounded (lock-watch.ts): a client
 * holding one makes it stop instead of queueing every other query behind it.
 */
async function cleanRestore(options, archive, tools, log) {
    const name = options.target.db.database;
    const transaction = options.jobs > 1 ? [`--jobs=${options.jobs}`] : ['--single-transaction'];
    const applicationName = restoreApplicationName();
    const watch = await watchLocks(options.target, applicationName, lockTimeout(options));
    // Until pg_restore is done: a killed run's post step says what state the target is in.
    await options.runDir?.note('clean-restore', { kind: 'clean-restore', host: options.target.db.host, port: options.target.db.port, database: name, jobs: options.jobs });
    try {
        await runPgRestore(tools, archive.dumpPath, options.target, { extra: ['--clean', '--if-exists', ...transaction], signal: options.signal, log, runDir: options.runDir, applicationName });
    }
    catch (error) {
        await watch.end();
        // One transaction rolled back: nothing to report later. Partly restored: the entry stays, for the summary.
        if (options.jobs === 1)
            await options.runDir?.forget('clean-restore');
        const state = options.jobs > 1
            ? `"${name}" is PARTLY RESTORED: with jobs ${options.jobs} pg_restore runs without one transaction, and it had dropped or emptied tables before it stopped. Restore again before anything uses it (restore-method swap leaves the target whole until the copy is checked)`
            : `"${name}" was left as it was (one transaction, rolled back)`;
        const blockedBy = watch.blockedBy();
        if (blockedBy !== undefined) {
            throw (0,errors/* inputError */.Xu)('lock-timeout', `another session held a lock pg_restore needed for more than ${lockTimeout(options) / 1000} s (${blockedBy}); ${state}. Stop the clients of "${name}" (allow-live-connections: true ends the sessions present when the restore starts), or raise lock-timeout`, error);
        }
        const detail = error instanceof errors/* UpgradeError */.fy ? error.message : error.message;
        throw (0,errors/* stepError */.hH)('restore-method clean', `${options.signal?.aborted ? 'cancelled' : detail}; ${state}`, error);
    }
    await watch.end();
    await options.runDir?.forget('clean-restore');
}
/** pg_restore's application_name, its own per run so its sessions (and its workers') can be found. */
function restoreApplicationName() {
    return `kong-upgrade-restore-${(0,external_node_crypto_.randomBytes)(4).toString('hex')}`;
}
async function runPgRestore(tools, dumpPath, target, run) {
    const started = Date.now();
    const applicationName = run.applicationName ?? restoreApplicationName();
    const key = `process-${applicationName}`;
    // In the ledger before it starts (its sessions can be found by name), with its pid once known.
    const entry = { kind: 'process', command: 'pg_restore', applicationName, host: target.db.host, port: target.db.port, database: target.db.database };
    await run.runDir?.note(key, { ...entry, pid: null });
    let recorded;
    // --no-owner / --no-acl: the copy belongs to the restoring role (preprod's Kong user), not to
    // roles of the source cluster that may not exist here. --exit-on-error: a partial restore fails.
    const result = await (0,exec/* execCommand */.N)({
        command: tools.pgRestore,
        args: ['--no-password', '--no-owner', '--no-acl', '--exit-on-error', ...(run.onLine ? ['--verbose'] : []), (0,connect/* dbnameArgument */.hn)(target.db.database), ...run.extra, dumpPath],
        env: {
            ...(0,connection/* libpqEnvironment */.SQ)(target.db),
            PGAPPNAME: applicationName,
            PGCONNECT_TIMEOUT: '10',
        },
        signal: run.signal ?? new AbortController().signal,
        onSpawn: (pid) => {
            recorded = run.runDir?.note(key, { ...entry, pid }).catch(() => { });
        },
        ...(run.onLine && { onLine: (line, stream) => stream === 'stderr' && run.onLine(line) }),
    });
    await recorded;
    await run.runDir?.forget(key);
    if (result.exitCode !== 0 || result.signal !== undefined) {
        const stderr = result.stderr.split('\n').filter((line) => !PROGRESS_LINE.test(line)).join('\n');
        const connection = (0,connect/* libpqFailure */.Vz)(target, stderr);
        if (connection)
            throw connection;
        throw (0,errors/* stepError */.hH)('pg_restore', `${result.aborted ? 'stopped' : result.signal ? `killed by ${result.signal}` : `exited with code ${result.exitCode}`}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`);
    }
    run.log(`pg_restore into ${(0,connection/* describeDatabase */.DZ)(target.db)} took ${((Date.now() - started) / 1000).toFixed(1)} s`);
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
async function restoreAndReadFacts(tools, dumpPath, target, jobs, algorithm, signal, log, runDir) {
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
        await runPgRestore(tools, dumpPath, target, { extra: jobs > 1 ? [`--jobs=${jobs}`] : [], signal, log, onLine, runDir });
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
    // Plain characters only, so the name means the same to SQL, libpq and a log line.
    return `${base.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 63 - suffix.length)}${suffix}`;
}
function safe(text) {
    return text.replace(/[^A-Za-z0-9_.-]/g, '_');
}


/***/ })

};
