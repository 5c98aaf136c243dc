export const id = 48;
export const ids = [48];
export const modules = {

/***/ 7048:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  verifyBackup: () => (/* binding */ verifyBackup)
});

// UNUSED EXPORTS: fingerprintDifferences

// EXTERNAL MODULE: ./build/lib/errors.js
var errors = __webpack_require__(1469);
// EXTERNAL MODULE: ./build/lib/shared-inputs.js
var shared_inputs = __webpack_require__(4469);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
;// CONCATENATED MODULE: ./build/lib/fsync.js

/**
 * fsync each path (files, or folders for the names they hold): what makes a backup survive a
 * crash of the machine that wrote it, before its manifest says it is complete.
 */
async function fsync_syncPaths(paths) {
    await Promise.all(paths.map(async (p) => {
        const handle = await open(p, 'r').catch((error) => {
            // Windows cannot open a folder to sync it (NTFS journals the names anyway).
            if (process.platform === 'win32' && ['EISDIR', 'EPERM'].includes(error.code ?? ''))
                return undefined;
            throw error;
        });
        if (handle === undefined)
            return;
        try {
            await handle.sync();
        }
        finally {
            await handle.close();
        }
    }));
}

;// CONCATENATED MODULE: ./build/database/manifest.js





/**
 * The backup manifest, `kong-upgrade/backup-manifest@1` (../shared/DESIGN.md "Contracts"):
 * what an archive holds, read in the snapshot pg_dump dumped. Written last and atomically by
 * backup-db; no manifest means no backup. migrate (backup gate) and smoke-test (baseline
 * counts) read it, so fields are only ever added; documented in actions/backup-db/README.md.
 */
const manifest_MANIFEST_SCHEMA = 'kong-upgrade/backup-manifest@1';
/**
 * Temp name + rename in the same folder: readers see no manifest or a whole one; the temp file
 * and then the folder are synced, so after a crash the manifest is whole or absent too.
 */
async function manifest_writeManifestAtomically(file, manifest) {
    await writeJsonAtomically(file, manifest);
}
/** The same for any JSON index (the export's, the Cassandra snapshot's). */
async function writeJsonAtomically(file, data) {
    const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
    try {
        await writeFile(temp, `${JSON.stringify(data, null, 2)}\n`, { flag: 'wx', flush: true });
        await rename(temp, file);
        await syncPaths([path.dirname(file)]);
    }
    catch (error) {
        await rm(temp, { force: true });
        throw error;
    }
}
/** Reads and checks a manifest; errors name `input` (the input that gave its path). */
async function readManifest(file, input) {
    let text;
    try {
        text = await (0,promises_.readFile)(file, 'utf8');
    }
    catch (error) {
        throw (0,errors/* inputError */.Xu)(input, `cannot read ${file}: ${error.code ?? error.message}`, error);
    }
    let data;
    try {
        data = JSON.parse(text);
    }
    catch (error) {
        throw (0,errors/* inputError */.Xu)(input, `${file} is not JSON`, error);
    }
    const problems = validateManifest(data);
    if (problems.length > 0)
        throw (0,errors/* inputError */.Xu)(input, `${file} is not a backup manifest: ${problems.join('; ')}`);
    return data;
}
function validateManifest(data) {
    if (typeof data !== 'object' || data === null)
        return ['not an object'];
    const m = data;
    const problems = [];
    if (m.schema !== manifest_MANIFEST_SCHEMA)
        problems.push(`schema is ${JSON.stringify(m.schema)}, expected "${manifest_MANIFEST_SCHEMA}"`);
    // Same schema family, other store (src/database/cassandra/snapshot.ts): say so rather than list missing fields.
    if (m.format === 'cassandra-snapshot')
        return ['it describes a Cassandra snapshot (format cassandra-snapshot), not a PostgreSQL backup'];
    const need = (key, type) => {
        const value = m[key];
        const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
        if (actual !== type)
            problems.push(`${key} is ${actual}, expected ${type}`);
    };
    for (const key of ['database', 'lineage', 'kong', 'counts', 'fingerprint', 'dump', 'encryption', 'archive'])
        need(key, 'object');
    need('files', 'array');
    need('finishedAt', 'string');
    if (problems.length > 0)
        return problems;
    const fingerprint = m.fingerprint;
    if (typeof fingerprint.digest !== 'string' || typeof fingerprint.tables !== 'object')
        problems.push('fingerprint lacks digest or tables');
    for (const [i, file] of m.files.entries()) {
        const f = file;
        if (typeof f?.path !== 'string' || typeof f.sha256 !== 'string' || typeof f.sizeBytes !== 'number') {
            problems.push(`files[${i}] needs path, sizeBytes and sha256`);
        }
        else if (external_node_path_.isAbsolute(f.path) || f.path.split('/').includes('..')) {
            problems.push(`files[${i}].path ${JSON.stringify(f.path)} leaves the manifest's folder`);
        }
    }
    return problems;
}
/** The tables whose fingerprints differ, with how: empty when equal. */
function manifest_compareFingerprints(expected, actual) {
    const differences = [];
    if (expected.algorithm !== actual.algorithm)
        return [`fingerprint algorithms differ (${expected.algorithm} vs ${actual.algorithm}): recompute with the manifest's`];
    const tables = new Set([...Object.keys(expected.tables), ...Object.keys(actual.tables)]);
    for (const table of [...tables].sort()) {
        const want = expected.tables[table];
        const got = actual.tables[table];
        if (!want)
            differences.push(`${table}: not in the backup (${got?.rows} rows now)`);
        else if (!got)
            differences.push(`${table}: missing (${want.rows} rows in the backup)`);
        else if (want.rows !== got.rows)
            differences.push(`${table}: ${got.rows} rows, backup has ${want.rows}`);
        else if (want.hash !== got.hash)
            differences.push(`${table}: same ${got.rows} rows but different content`);
    }
    return differences;
}

// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: ./node_modules/@actions/exec/lib/exec.js + 3 modules
var exec = __webpack_require__(1260);
// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(1421);
;// CONCATENATED MODULE: ./build/lib/exec.js



async function exec_execCommand(request) {
    const env = {};
    for (const [key, value] of Object.entries(process.env))
        if (value !== undefined)
            env[key] = value;
    Object.assign(env, request.env);
    // Long-running tools (pg_dump, pg_restore) need to be stoppable and to report how they ended,
    // which @actions/exec does not expose: those go through node's spawn with the same contract.
    if (request.signal !== undefined || request.timeoutMs !== undefined || request.onSpawn !== undefined) {
        return spawnCommand(request, env);
    }
    try {
        const result = await (0,exec/* getExecOutput */.H)(request.command, [...request.args], {
            env,
            cwd: request.cwd,
            input: request.stdin === undefined ? undefined : Buffer.from(request.stdin),
            silent: true,
            ignoreReturnCode: true,
            listeners: request.onLine && lineListeners(request.onLine),
        });
        // @actions/exec resolves a process killed by a signal with exit code null (typed number) and
        // no signal: never report that as success. Callers that must know the signal pass `signal`.
        return { exitCode: result.exitCode ?? 1, stdout: result.stdout, stderr: result.stderr };
    }
    catch (error) {
        throw (0,errors/* stepError */.hH)(`running ${request.command}`, error.message, error);
    }
}
function lineListeners(onLine) {
    return {
        stdline: (line) => onLine(line, 'stdout'),
        errline: (line) => onLine(line, 'stderr'),
    };
}
function spawnCommand(request, env) {
    return new Promise((resolve, reject) => {
        if (request.signal?.aborted) {
            resolve({ exitCode: 1, stdout: '', stderr: 'aborted before start', signal: 'SIGTERM', aborted: true });
            return;
        }
        const child = (0,external_node_child_process_.spawn)(request.command, [...request.args], { env, cwd: request.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        let aborted = false;
        let killTimer;
        const stop = () => {
            if (aborted || child.exitCode !== null)
                return;
            aborted = true;
            child.kill('SIGTERM');
            killTimer = setTimeout(() => child.kill('SIGKILL'), 5_000);
            killTimer.unref();
        };
        const timer = request.timeoutMs === undefined ? undefined : setTimeout(stop, request.timeoutMs);
        request.signal?.addEventListener('abort', stop, { once: true });
        const split = (stream) => {
            let pending = '';
            return (chunk) => {
                if (stream === 'stdout')
                    stdout += chunk;
                else
                    stderr += chunk;
                if (!request.onLine)
                    return;
                pending += chunk;
                const lines = pending.split(/\r?\n/);
                pending = lines.pop() ?? '';
                for (const line of lines)
                    request.onLine(line, stream);
            };
        };
        child.stdout.setEncoding('utf8').on('data', split('stdout'));
        child.stderr.setEncoding('utf8').on('data', split('stderr'));
        child.stdin.on('error', () => { }); // a tool that exits without reading stdin
        child.stdin.end(request.stdin ?? '');
        child.on('spawn', () => {
            if (child.pid !== undefined)
                request.onSpawn?.(child.pid);
        });
        const cleanup = () => {
            if (timer)
                clearTimeout(timer);
            if (killTimer)
                clearTimeout(killTimer);
            request.signal?.removeEventListener('abort', stop);
        };
        child.on('error', (error) => {
            cleanup();
            reject((0,errors/* stepError */.hH)(`running ${request.command}`, error.message, error));
        });
        child.on('close', (code, signal) => {
            cleanup();
            resolve({
                exitCode: code ?? 1,
                stdout,
                stderr,
                ...(signal !== null && { signal }),
                ...(aborted && { aborted: true }),
            });
        });
    });
}

;// CONCATENATED MODULE: ./build/lib/concurrency.js
/**
 * Runs `fn` over `items` with at most `limit` calls in flight, keeping the input order in the
 * result. The Admin API of a node that was just upgraded is not the place for an unbounded
 * fan-out (one request per upstream for targets could be thousands at once).
 * The first rejection rejects the whole (the rest still run out, their results are dropped).
 */
async function concurrency_mapLimit(items, limit, fn) {
    const results = new Array(items.length);
    let next = 0;
    let failure;
    const worker = async () => {
        while (failure === undefined && next < items.length) {
            const index = next++;
            try {
                results[index] = await fn(items[index], index);
            }
            catch (error) {
                failure ??= { error };
            }
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
    if (failure !== undefined)
        throw failure.error;
    return results;
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

;// CONCATENATED MODULE: ./build/database/checksums.js




/**
 * SHA-256 of a file, read in 4 MiB pieces into one reused buffer (an archive can be many GB; right
 * after writing it is in the page cache): about 1.4 GB/s here, where a read stream allocating a
 * buffer per chunk managed 0.8–1.1.
 */
async function sha256File(file) {
    const hash = (0,external_node_crypto_.createHash)('sha256');
    const handle = await (0,promises_.open)(file, 'r');
    try {
        const buffer = Buffer.allocUnsafe(4 << 20);
        for (;;) {
            const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
            if (bytesRead === 0)
                break;
            hash.update(buffer.subarray(0, bytesRead));
        }
    }
    finally {
        await handle.close();
    }
    return hash.digest('hex');
}
/**
 * Files hashed at once: hashing runs on the one JavaScript thread, so more only add 4 MiB
 * buffers (a directory-format archive has a file per table); two let one read while one hashes.
 */
const HASHING_AT_ONCE = 2;
/** Every regular file under `target` (a file or a folder), relative to `base`, sorted. */
async function checksums_listFiles(target, base) {
    const info = await stat(target);
    if (!info.isDirectory())
        return [path.relative(base, target).split(path.sep).join('/')];
    const entries = await readdir(target, { recursive: true, withFileTypes: true });
    return entries
        .filter((entry) => entry.isFile())
        .map((entry) => path.relative(base, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
        .sort();
}
async function checksums_describeFiles(target, base) {
    const files = await checksums_listFiles(target, base);
    return mapLimit(files, HASHING_AT_ONCE, async (file) => {
        const full = path.join(base, file);
        const [info, sha256] = await Promise.all([stat(full), sha256File(full)]);
        return { path: file, sizeBytes: info.size, sha256 };
    });
}
/**
 * One checksum for the archive: the file's own SHA-256 when it is one file (compare with
 * `sha256sum`), else the SHA-256 of the `sha256sum`-style listing of its files.
 */
function checksums_archiveChecksum(files) {
    if (files.length === 1)
        return files[0].sha256;
    const listing = files.map((f) => `${f.sha256}  ${f.path}\n`).join('');
    return createHash('sha256').update(listing).digest('hex');
}
/** The files whose size or SHA-256 differ from the manifest's, or that are missing. */
async function checkFiles(base, files) {
    const problems = [];
    await concurrency_mapLimit(files, HASHING_AT_ONCE, async (file) => {
        const full = external_node_path_.join(base, file.path);
        try {
            const info = await (0,promises_.stat)(full);
            if (info.size !== file.sizeBytes) {
                problems.push(`${file.path}: ${info.size} bytes, manifest says ${file.sizeBytes}`);
                return;
            }
            const sha = await sha256File(full);
            if (sha !== file.sha256)
                problems.push(`${file.path}: SHA-256 ${sha.slice(0, 12)}…, manifest says ${file.sha256.slice(0, 12)}…`);
        }
        catch (error) {
            problems.push(`${file.path}: ${error.code === 'ENOENT' ? 'missing' : error.message}`);
        }
    });
    return problems.sort();
}

;// CONCATENATED MODULE: ./build/database/encryption.js





const ENCRYPTED_SUFFIX = '.gpg';
async function openGpg(gpgBinary = 'gpg') {
    // Short path: gpg-agent's socket lives in GNUPGHOME and socket paths are limited to ~100 bytes.
    const home = await (0,promises_.mkdtemp)(external_node_path_.join(external_node_os_.tmpdir(), 'kgpg-'));
    const base = ['--homedir', home, '--batch', '--yes', '--no-tty', '--quiet'];
    // Always with a signal: that is execCommand's spawn path, which reports the signal that ended
    // gpg (SIGXFSZ when the file size limit is hit) where @actions/exec reports none.
    const exec = (args, stdin, signal) => exec_execCommand({ command: gpgBinary, args: [...base, ...args], stdin: stdin ?? '', signal: signal ?? new AbortController().signal });
    return {
        exec,
        async run(args, stdin, signal) {
            const result = await exec(args, stdin, signal);
            if (result.exitCode !== 0 || result.signal !== undefined)
                throw (0,errors/* stepError */.hH)('gpg', failure(result));
            return result.stdout;
        },
        async close() {
            // gpg starts a gpg-agent for the home dir; stop it so nothing outlives the step.
            await exec_execCommand({ command: 'gpgconf', args: ['--homedir', home, '--kill', 'gpg-agent'] }).catch(() => { });
            await (0,promises_.rm)(home, { recursive: true, force: true });
        },
    };
}
/** gpg's last words, or how it ended when it said nothing (e.g. killed by SIGXFSZ). */
function failure(result) {
    const reason = result.stderr.trim().split('\n').slice(-2).join(' ');
    const ended = result.signal ? `killed by ${result.signal}` : `exit code ${result.exitCode}`;
    return reason ? `${reason} (${ended})` : ended;
}
/** The file could not be written for want of room (ENOSPC, EFBIG, EDQUOT, or the file size limit). */
function noRoom(result) {
    if (result.signal === 'SIGXFSZ')
        return 'file size limit exceeded (SIGXFSZ)';
    const line = result.stderr.split('\n').find((l) => /No space left|File too large|Disk quota exceeded/i.test(l));
    return line?.replace(/^gpg: /, '').trim();
}
/** Encrypts each file to `<file>.gpg` and removes the plain file; returns the new paths. */
async function encryption_encryptFiles(files, options, signal) {
    const gpg = await openGpg();
    try {
        if (options.method === 'gpg-recipient' && options.publicKey !== undefined) {
            await gpg.run(['--import'], options.publicKey).catch((error) => {
                throw inputError('encryption-public-key', `gpg could not import it: ${error.message}`, error);
            });
        }
        const out = [];
        for (const file of files) {
            const target = `${file}${ENCRYPTED_SUFFIX}`;
            // The dump is compressed already: gpg's own compression would only cost time.
            const common = ['--compress-algo', 'none', '--output', target];
            const result = options.method === 'gpg-symmetric'
                ? await gpg.exec(['--pinentry-mode', 'loopback', '--passphrase-fd', '0', '--symmetric', '--cipher-algo', 'AES256', ...common, file], options.passphrase, signal)
                : await gpg.exec(['--trust-model', 'always', ...options.recipients.flatMap((r) => ['--recipient', r]), ...common, '--encrypt', file], undefined, signal);
            if (result.exitCode !== 0 || result.signal !== undefined) {
                await rm(target, { force: true });
                const full = noRoom(result);
                // Both callers (database backup, decK export) write into backup-dir.
                if (full)
                    throw inputError('backup-dir', `no room to write the encrypted archive in ${path.dirname(target)}: ${full}`);
                if (result.aborted)
                    throw stepError('gpg', `encryption stopped (${result.signal ?? 'aborted'})`);
                if (options.method === 'gpg-recipient')
                    throw inputError('encryption-recipients', `gpg could not encrypt to ${options.recipients.join(', ')}: ${failure(result)}`);
                throw stepError('gpg', failure(result));
            }
            await rm(file);
            out.push(target);
        }
        return out;
    }
    finally {
        await gpg.close();
    }
}
/** Key ids (16 hex digits) of the `ENC_TO` status lines: the public keys a message is encrypted to. */
function encryptedTo(status) {
    return [...status.matchAll(/^\[GNUPG:\] ENC_TO ([0-9A-F]{16}) /gm)].map((m) => m[1]);
}
/** Decrypts `<base>/<file>.gpg` files into `outDir/<file>`; a failure leaves no partial plain file. */
async function decryptFiles(base, files, outDir, options, signal) {
    const gpg = await openGpg();
    try {
        // The ids of the private key's (sub)keys, to tell "not the right key" from "wrong passphrase".
        let secretKeyIds = [];
        if (options.method === 'gpg-recipient') {
            if (options.privateKey === undefined)
                throw (0,errors/* inputError */.Xu)('encryption-private-key', 'is required to decrypt an archive encrypted to recipients');
            await gpg.run(['--import'], options.privateKey).catch((error) => {
                throw (0,errors/* inputError */.Xu)('encryption-private-key', `gpg could not import it: ${error.message}`, error);
            });
            // --with-colons: field 5 the key id; field 15 '#' for a stub whose secret part is absent.
            const listing = await gpg.run(['--with-colons', '--list-secret-keys']);
            secretKeyIds = listing.split('\n').map((line) => line.split(':')).filter((f) => (f[0] === 'sec' || f[0] === 'ssb') && f[14] !== '#').map((f) => f[4]);
            if (secretKeyIds.length === 0)
                throw (0,errors/* inputError */.Xu)('encryption-private-key', 'holds no private key (an armored "PRIVATE KEY BLOCK" is needed, not a public key)');
        }
        for (const file of files) {
            const plain = external_node_path_.join(outDir, file.endsWith(ENCRYPTED_SUFFIX) ? file.slice(0, -ENCRYPTED_SUFFIX.length) : file);
            await (0,promises_.mkdir)(external_node_path_.dirname(plain), { recursive: true });
            // Status lines on stdout (the plain text goes to --output): they name the keys the file is encrypted to.
            const result = await gpg.exec(['--status-fd', '1', '--pinentry-mode', 'loopback', '--passphrase-fd', '0', '--output', plain, '--decrypt', external_node_path_.join(base, file)], options.passphrase ?? '', signal);
            if (result.exitCode === 0 && result.signal === undefined)
                continue;
            await (0,promises_.rm)(plain, { force: true });
            throw decryptionError(result, file, outDir, options, secretKeyIds);
        }
    }
    finally {
        await gpg.close();
    }
}
function decryptionError(result, file, outDir, options, secretKeyIds) {
    const full = noRoom(result);
    if (full)
        return (0,errors/* stepError */.hH)('decrypting the archive', `no room to write the decrypted archive in ${outDir}: ${full}; free space there (the decrypted copy is about as large as the archive)`);
    if (result.aborted)
        return (0,errors/* stepError */.hH)('decrypting the archive', `stopped (${result.signal ?? 'aborted'})`);
    const reason = failure(result);
    const recipients = encryptedTo(result.stdout);
    const keyProblem = /no secret key|bad passphrase|bad session key/i.test(result.stderr);
    if (recipients.length > 0 && keyProblem) {
        if (options.method === 'gpg-symmetric') {
            return (0,errors/* inputError */.Xu)('encryption-private-key', `${file} is encrypted to public key(s) ${recipients.join(', ')}, not with a passphrase: give the private key (and encryption-passphrase if the key has one)`);
        }
        const hidden = recipients.every((id) => /^0+$/.test(id));
        const held = recipients.filter((id) => secretKeyIds.includes(id));
        if (hidden) {
            return (0,errors/* inputError */.Xu)('encryption-private-key', `gpg could not decrypt ${file} (its recipients are hidden): the key given (${secretKeyIds.join(', ')}) is not one it is encrypted to, or encryption-passphrase is wrong for it`);
        }
        if (held.length === 0) {
            return (0,errors/* inputError */.Xu)('encryption-private-key', `is not a key this archive is encrypted to: ${file} is encrypted to ${recipients.join(', ')}; the key given: ${secretKeyIds.join(', ')}`);
        }
        return options.passphrase === undefined || options.passphrase === ''
            ? (0,errors/* inputError */.Xu)('encryption-passphrase', `the private key ${held.join(', ')} is protected by a passphrase: give it in encryption-passphrase`)
            : (0,errors/* inputError */.Xu)('encryption-passphrase', `is wrong for the private key ${held.join(', ')}: gpg could not unlock it`);
    }
    if (keyProblem)
        return (0,errors/* inputError */.Xu)('encryption-passphrase', `is wrong, or is not what the archive was encrypted with: gpg could not decrypt: ${reason}`);
    return (0,errors/* stepError */.hH)('decrypting the archive', `gpg could not decrypt ${file}: ${reason}`);
}

;// CONCATENATED MODULE: ./build/database/postgres/archive.js








/**
 * Reads the manifest, refuses an archive whose files differ from it (size, SHA-256, missing),
 * then decrypts if needed. Nothing is restored from an archive that fails this: checked before
 * it returns, or with `deferChecksums` through `checksums`, which the caller awaits.
 */
async function archive_openArchive(options) {
    const manifestPath = external_node_path_.resolve(options.manifestPath);
    const manifest = await readManifest(manifestPath, options.manifestInput);
    const folder = external_node_path_.dirname(manifestPath);
    const checksums = checkArchive(folder, manifest, options.log);
    // Handled here so that a failure the caller has not awaited yet (deferChecksums) is not an
    // unhandled rejection that ends the process; the caller still sees it through `checksums`.
    checksums.catch(() => { });
    if (!options.deferChecksums)
        await checksums;
    const settled = () => checksums.then(() => { }, () => { });
    const dumpPath = external_node_path_.join(folder, manifest.archive.path);
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
    const work = await (0,promises_.mkdtemp)(external_node_path_.join(options.workDir ?? external_node_os_.tmpdir(), 'kong-restore-'));
    try {
        await decryptFiles(folder, manifest.files.map((f) => f.path), work, options.encryption, signal);
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
async function checkArchive(folder, manifest, log) {
    const problems = await checkFiles(folder, manifest.files);
    if (problems.length > 0) {
        throw (0,errors/* stepError */.hH)('checking the archive against its manifest', `${problems.length} file(s) differ, the archive is damaged or altered: ${problems.join('; ')}`);
    }
    log?.(`Checksums match: ${manifest.files.length} file(s), ${manifest.archive.sizeBytes} bytes`);
}
/** `pg_restore --list`: the archive's table of contents is readable and holds table data. */
async function listArchive(pgRestore, dumpPath) {
    const result = await exec_execCommand({ command: pgRestore, args: ['--list', dumpPath] });
    if (result.exitCode !== 0)
        throw (0,errors/* stepError */.hH)('pg_restore --list', `cannot read the archive: ${result.stderr.trim().split('\n').slice(-2).join(' / ')}`);
    const lines = result.stdout.split('\n').filter((line) => /^\d+;/.test(line));
    return { entries: lines.length, tableData: lines.filter((line) => / TABLE DATA /.test(line)).length };
}

// EXTERNAL MODULE: ./build/database/postgres/connect.js
var postgres_connect = __webpack_require__(9308);
;// CONCATENATED MODULE: ./build/database/postgres/compression.js

function compression_parseCompression(text, clientMajor) {
    const value = text.trim().toLowerCase();
    if (value === '' || value === 'auto') {
        return clientMajor >= 16 ? { method: 'zstd', level: 1 } : { method: 'gzip', level: 1 };
    }
    if (/^\d$/.test(value))
        return value === '0' ? { method: 'none', level: undefined } : { method: 'gzip', level: Number(value) };
    const match = /^(none|gzip|lz4|zstd)(?::(\d{1,2}))?$/.exec(value);
    if (!match)
        throw inputError('compression', `"${text}" is not one of auto, none, gzip, lz4, zstd (optionally :level, e.g. gzip:1), or a level 0-9`);
    const method = match[1];
    const level = match[2] === undefined ? undefined : Number(match[2]);
    if ((method === 'lz4' || method === 'zstd') && clientMajor < 16) {
        throw inputError('compression', `${method} needs pg_dump 16 or newer; this pg_dump is ${clientMajor} (use gzip:1, or auto)`);
    }
    if (method === 'gzip' && level !== undefined && (level < 1 || level > 9))
        throw inputError('compression', `gzip level ${level} is not 1-9`);
    return { method, level };
}
function compression_formatCompression(c) {
    return c.level === undefined ? c.method : `${c.method}:${c.level}`;
}
function compression_compressionArgs(c, clientMajor) {
    if (clientMajor < 16) {
        if (c.method === 'none')
            return ['--compress=0'];
        return [`--compress=${c.level ?? 6}`];
    }
    return [`--compress=${compression_formatCompression(c)}`];
}

;// CONCATENATED MODULE: ./build/kong/entity-tables.js
const ENTITY_TABLES = [
    { table: 'workspaces', entity: 'workspaces' },
    { table: 'services', entity: 'services' },
    { table: 'routes', entity: 'routes' },
    { table: 'consumers', entity: 'consumers' },
    { table: 'plugins', entity: 'plugins' },
    { table: 'upstreams', entity: 'upstreams' },
    { table: 'targets', entity: 'targets' },
    { table: 'certificates', entity: 'certificates' },
    { table: 'snis', entity: 'snis' },
    { table: 'ca_certificates', entity: 'ca_certificates' },
    { table: 'sm_vaults', entity: 'vaults' },
    { table: 'key_sets', entity: 'key_sets' },
    { table: 'keys', entity: 'keys' },
    { table: 'filter_chains', entity: 'filter_chains' },
    { table: 'acls', entity: 'acls' },
    { table: 'basicauth_credentials', entity: 'basicauth_credentials' },
    { table: 'hmacauth_credentials', entity: 'hmacauth_credentials' },
    { table: 'jwt_secrets', entity: 'jwt_secrets' },
    { table: 'keyauth_credentials', entity: 'keyauth_credentials' },
    { table: 'oauth2_credentials', entity: 'oauth2_credentials' },
];
/** Tables whose rows change while Kong runs: never fingerprinted (see above). */
const VOLATILE_TABLES = (/* unused pure expression or super */ null && ([
    'cluster_events',
    'ratelimiting_metrics',
    'response_ratelimiting_metrics',
    'sessions',
    'oauth2_tokens',
    'oauth2_authorization_codes',
    'acme_storage',
    'clustering_data_planes',
    'clustering_rpc_requests',
    'clustering_sync_version',
    'clustering_sync_delta',
    'tags',
    'parameters',
    'locks',
    'schema_meta',
]));
function entityForTable(table) {
    return ENTITY_TABLES.find((t) => t.table === table)?.entity;
}

;// CONCATENATED MODULE: ./build/database/postgres/fingerprint.js




/**
 * Session settings that fix how a row prints as text, so the same rows hash the same on any
 * server and session (timestamps in UTC, ISO dates, hex bytea, exact floats).
 */
const STABLE_TEXT_SETTINGS = [
    "SET TimeZone = 'UTC'",
    "SET DateStyle = 'ISO, MDY'",
    "SET IntervalStyle = 'postgres'",
    'SET extra_float_digits = 3',
    "SET bytea_output = 'hex'",
];
/**
 * The session a fingerprint is read in: stable text, and no parallel workers. The scan runs
 * beside pg_dump or pg_restore, and on a small server (a 2-core runner's, say) two more processes
 * scanning take CPU from the dump rather than idle time: one process costs less CPU in all
 * (measured: 1.07 vs 1.2 CPU-seconds for a 1 GB Kong-shaped database) and still ends long before
 * the dump does.
 */
const fingerprint_SCAN_SETTINGS = [
    ...STABLE_TEXT_SETTINGS,
    // A no-op before 9.6, which has no parallel query (and would reject SET of an unknown name).
    "SELECT set_config(name, '0', false) FROM pg_settings WHERE name = 'max_parallel_workers_per_gather'",
];
/**
 * Row count and an order-independent hash per Kong entity table present in the current schema,
 * plus counts per workspace and entity type, in one scan per table, all computed by the server:
 * each row is hashed to a signed 64-bit integer (see ROW_HASH) and summed, so no
 * ordering, no table-sized strings, and the same on every PostgreSQL version Kong 1.x–3.x uses
 * (no `updated_at` needed: 2.x tables mostly lack it). Run it inside the snapshot pg_dump dumps.
 * The parts are exported for a restore, which scans each table as soon as pg_restore has loaded it.
 */
async function fingerprint_readEntityFacts(client, algorithm, progress) {
    const tables = await entityTablesPresent(client);
    const chosen = algorithm ?? (await defaultAlgorithm(client, tables.map((t) => t.table)));
    const scans = [];
    for (const table of tables) {
        const scan = await scanEntityTable(client, table, chosen);
        scans.push(scan);
        progress?.(table.table, Number(scan.byWorkspace.reduce((sum, w) => sum + w.rows, 0n)));
    }
    return assembleFacts(scans, chosen, await readWorkspaceNames(client, tables));
}
/** The entity tables of the current schema, in ENTITY_TABLES order. */
async function entityTablesPresent(client) {
    const columns = await client.query(`SELECT table_name, bool_or(column_name = 'ws_id') AS has_ws
       FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = ANY($1)
      GROUP BY table_name`, [ENTITY_TABLES.map((t) => t.table)]);
    const present = new Map(columns.rows.map((row) => [row.table_name, row.has_ws]));
    return ENTITY_TABLES.filter(({ table }) => present.has(table)).map(({ table, entity }) => ({ table, entity, hasWs: present.get(table) === true }));
}
async function scanEntityTable(client, table, algorithm) {
    const result = await client.query(`SELECT ${table.hasWs ? 't.ws_id::text' : 'NULL::text'} AS ws, count(*)::text AS rows,
            coalesce(sum(${ROW_HASH[algorithm]}), 0)::text AS hash
       FROM ${(0,postgres_connect/* quoteIdent */.v4)(table.table)} t
      ${table.hasWs ? 'GROUP BY t.ws_id' : ''}`);
    return { table, byWorkspace: result.rows.map((row) => ({ ws: row.ws, rows: BigInt(row.rows), hash: BigInt(row.hash) })) };
}
/** Workspace id → name (empty before 2.0, which had no workspaces table). */
async function readWorkspaceNames(client, tables) {
    if (!tables.some((t) => t.table === 'workspaces'))
        return new Map();
    const ws = await client.query('SELECT id::text AS id, name FROM workspaces');
    return new Map(ws.rows.map((row) => [row.id, row.name]));
}
function assembleFacts(scans, algorithm, workspaceNames) {
    const tables = {};
    const counts = {};
    for (const { table, byWorkspace } of scans) {
        let rows = 0n;
        let hash = 0n;
        for (const part of byWorkspace) {
            rows += part.rows;
            hash += part.hash;
            if (part.rows === 0n)
                continue;
            const workspace = part.ws === null ? '*' : (workspaceNames.get(part.ws) ?? part.ws);
            const bucket = (counts[workspace] ??= {});
            bucket[table.entity] = (bucket[table.entity] ?? 0) + Number(part.rows);
        }
        tables[table.table] = { entity: table.entity, rows: Number(rows), hash: hash.toString() };
    }
    return { fingerprint: fingerprintOf(tables, algorithm), counts: sortKeys(counts) };
}
/**
 * Per-row hashes, cheapest first.
 *
 * `hash_record_extended` (PostgreSQL 14+) hashes each column with its type's own 64-bit hash
 * function and combines them, without printing the row as text: on a 1 GB Kong-shaped database
 * it takes about a third of the CPU of `hashtextextended(t::text)` (bench/backup.mjs), and that
 * CPU is taken from pg_dump when the server and pg_dump share a 2-core runner. The column hashes
 * are the ones hash indexes and hash partitions store on disk, which pg_upgrade keeps, so they
 * do not change between major versions; they also do not depend on session settings (a
 * timestamptz hashes its instant, not its text). Dropped columns are skipped, so a restored copy
 * (which has none) hashes like its source. Used only when every column's type is one we know to
 * have such a hash (HASHABLE_TYPES): `json`, for one, has none.
 *
 * `hashtextextended(t::text)` (PostgreSQL 11+) hashes the row's text under STABLE_TEXT_SETTINGS;
 * md5 is the fallback for older servers (Kong 1.x/2.x era). The manifest records which one was
 * used and comparisons recompute with that one.
 */
const ROW_HASH = {
    'row-hashrecord-sum-v1': 'hash_record_extended(t, 0)',
    'row-hashtextextended-sum-v1': 'hashtextextended(t::text, 0)',
    'row-md5-sum-v1': "('x' || left(md5(t::text), 16))::bit(64)::bigint",
};
/** The first server version each row hash runs on (hash_record_extended: 14, hashtextextended: 11). */
const FIRST_VERSION_NUM = {
    'row-hashrecord-sum-v1': 140_000,
    'row-hashtextextended-sum-v1': 110_000,
    'row-md5-sum-v1': 0,
};
/**
 * A fingerprint can only be compared on a server that can compute it: checked before a restore
 * or a gate touches anything, since a backup from PostgreSQL 14+ restored into an older server
 * would otherwise be restored first and fail to be checked after.
 */
function fingerprint_assertFingerprintComputable(algorithm, versionNum, serverVersion) {
    if (versionNum >= FIRST_VERSION_NUM[algorithm])
        return;
    throw (0,errors/* stepError */.hH)('checking the fingerprint', `the backup's fingerprint (${algorithm}) needs PostgreSQL ${FIRST_VERSION_NUM[algorithm] / 10_000} or newer to be recomputed, and this server runs ${serverVersion}: restore into PostgreSQL ${FIRST_VERSION_NUM[algorithm] / 10_000}+, or take the backup from a server of the same major as the target`);
}
/** Built-in types (and arrays of them) with a hash opclass whose values hash stably. */
const HASHABLE_TYPES = (/* unused pure expression or super */ null && ([
    'uuid', 'text', 'varchar', 'bpchar', 'name', 'int2', 'int4', 'int8', 'bool', 'jsonb', 'timestamptz',
    'timestamp', 'date', 'numeric', 'bytea', 'inet', 'cidr', 'float4', 'float8', 'interval', 'oid',
]));
async function defaultAlgorithm(client, tables) {
    const result = await client.query("SELECT current_setting('server_version_num') AS num");
    const version = Number(result.rows[0]?.num ?? 0);
    if (version >= 140_000) {
        // Columns of the entity tables whose type (or array element type, or domain base type) is
        // not known to hash: one such column and the whole fingerprint hashes text instead.
        const odd = await client.query(`WITH cols AS (
         SELECT CASE WHEN ty.typtype = 'd' THEN ty.typbasetype ELSE ty.oid END AS t
           FROM pg_attribute a
           JOIN pg_class c ON c.oid = a.attrelid AND c.relnamespace = current_schema()::regnamespace
           JOIN pg_type ty ON ty.oid = a.atttypid
          WHERE c.relname = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped
       )
       SELECT count(*)::text AS n
         FROM cols JOIN pg_type ty ON ty.oid = cols.t
        WHERE NOT (CASE WHEN ty.typcategory = 'A' AND ty.typelem <> 0 THEN ty.typelem ELSE ty.oid END) = ANY($2::regtype[]::oid[])`, [tables, HASHABLE_TYPES]);
        if (Number(odd.rows[0]?.n ?? 1) === 0)
            return 'row-hashrecord-sum-v1';
    }
    return version >= 110_000 ? 'row-hashtextextended-sum-v1' : 'row-md5-sum-v1';
}
function fingerprintOf(tables, algorithm) {
    const names = Object.keys(tables).sort();
    const lines = names.map((name) => `${name} ${tables[name].rows} ${tables[name].hash}\n`).join('');
    const sorted = {};
    for (const name of names)
        sorted[name] = tables[name];
    return { algorithm, digest: (0,external_node_crypto_.createHash)('sha256').update(lines).digest('hex'), tables: sorted };
}
function sortKeys(counts) {
    const out = {};
    for (const ws of Object.keys(counts).sort()) {
        const inner = {};
        for (const entity of Object.keys(counts[ws]).sort())
            inner[entity] = counts[ws][entity];
        out[ws] = inner;
    }
    return out;
}

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
;// CONCATENATED MODULE: ./build/database/postgres/tools.js




/**
 * `pg_dump`/`pg_restore` from `binDir` (input `pg-bin-dir`) or PATH, checked against the server:
 * pg_dump refuses servers newer than itself, and an operator should learn that before the
 * maintenance window, with what to install, rather than from pg_dump's own message.
 */
async function tools_findPgTools(binDir, serverMajor) {
    return tools_checkPgTools(await tools_probePgTools(binDir), serverMajor);
}
async function tools_probePgTools(binDir) {
    const tool = (name) => (binDir === undefined ? name : external_node_path_.join(binDir, name));
    if (binDir !== undefined && !(0,external_node_fs_.existsSync)(tool('pg_dump'))) {
        return { ok: false, error: () => (0,errors/* inputError */.Xu)('pg-bin-dir', `${binDir} has no pg_dump`) };
    }
    let result;
    try {
        result = await exec_execCommand({ command: tool('pg_dump'), args: ['--version'] });
    }
    catch (error) {
        return { ok: false, error: (serverMajor) => (0,errors/* stepError */.hH)('finding pg_dump', `${error.message}; ${installHint(serverMajor)}`, error) };
    }
    const match = /(\d+)(?:\.(\d+))?/.exec(result.stdout);
    if (result.exitCode !== 0 || !match) {
        return { ok: false, error: () => (0,errors/* stepError */.hH)('finding pg_dump', `\`pg_dump --version\` answered "${result.stdout.trim() || result.stderr.trim()}"`) };
    }
    const major = Number(match[1]);
    const version = match[2] === undefined ? match[1] : `${match[1]}.${match[2]}`;
    return { ok: true, tools: { pgDump: tool('pg_dump'), pgRestore: tool('pg_restore'), version, major } };
}
function tools_checkPgTools(probed, serverMajor) {
    if (!probed.ok)
        throw probed.error(serverMajor);
    const { tools } = probed;
    if (tools.major < serverMajor) {
        throw (0,errors/* stepError */.hH)('checking the PostgreSQL client version', `pg_dump ${tools.version} is older than the server (PostgreSQL ${serverMajor}) and cannot dump it; ${installHint(serverMajor)}`);
    }
    return tools;
}
function installHint(serverMajor) {
    return (`install a client of major ${serverMajor} or newer, e.g. on Ubuntu/Debian runners ` +
        `\`sudo apt-get install -y postgresql-client-${serverMajor}\` after adding the PGDG apt repository ` +
        `(https://wiki.postgresql.org/wiki/Apt), then set pg-bin-dir to /usr/lib/postgresql/${serverMajor}/bin`);
}
/** `server_version_num` 150018 → 15; 90624 → 9 (9.6: older than any client we meet). */
function tools_serverMajor(versionNum) {
    return Math.floor(versionNum / 10_000);
}

;// CONCATENATED MODULE: ./build/database/postgres/dump.js














const MANIFEST_FILE = 'manifest.json';
const PROGRESS_EVERY_MS = 10_000;
/**
 * A backup: pg_dump of an exported snapshot while the same snapshot's schema_meta, entity counts
 * and fingerprint are read on the exporting connection (the other core works on them while
 * pg_dump runs), then checksums, optional encryption, and the manifest, written last and
 * atomically. On any failure, including pg_dump being killed, the folder is removed: no manifest
 * and no partial files.
 */
async function backupPostgres(options) {
    const log = options.log ?? (() => { });
    const startedAt = new Date();
    const { db } = options.source;
    const name = options.name ?? `kong-${db.database.replace(/[^A-Za-z0-9_.-]/g, '_')}-${stamp(startedAt)}`;
    const folder = path.resolve(options.backupDir, name);
    await mkdir(path.dirname(folder), { recursive: true }).catch((error) => {
        throw inputError('backup-dir', `cannot create ${options.backupDir}: ${error.message}`, error);
    });
    await mkdir(folder).catch((error) => {
        throw inputError('backup-dir', `cannot create ${folder}: ${error.code === 'EEXIST' ? 'it exists already' : error.message}`, error);
    });
    let client;
    try {
        // `pg_dump --version` runs while we connect: start-up time is part of every backup's.
        const probing = probePgTools(options.binDir);
        client = await connect(options.source, 'connecting to the source database');
        // One round trip for all settings (simple query protocol runs them in order).
        await client.query(SCAN_SETTINGS.join('; '));
        const identity = await dump_readIdentity(client, options.source);
        const tools = checkPgTools(await probing, serverMajor(identity.versionNum));
        const compression = parseCompression(options.compression, tools.major);
        log(`Backing up ${describeDatabase(db)} (PostgreSQL ${identity.database.serverVersion}) with pg_dump ${tools.version}, ${options.format} format, compression ${formatCompression(compression)}${options.format === 'directory' ? `, ${options.jobs} job(s)` : ''}`);
        // REPEATABLE READ: every query of this transaction sees the exported snapshot, which is
        // exactly what pg_dump --snapshot dumps. Held open until pg_dump is done.
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const snapshot = (await client.query('SELECT pg_export_snapshot() AS s')).rows[0].s;
        const archiveName = options.format === 'custom' ? 'kong.dump' : 'kong.dir';
        const archive = path.join(folder, archiveName);
        const abort = new AbortController();
        const onOuterAbort = () => abort.abort();
        options.signal?.addEventListener('abort', onOuterAbort, { once: true });
        const factsClient = client;
        const facts = (async () => {
            const factsStarted = Date.now();
            const schemaMeta = await readSchemaMeta(factsClient);
            const entities = await readEntityFacts(factsClient);
            // The time says what the fingerprint cost beside pg_dump (bench/backup.mjs reads it).
            log(`Fingerprint read in the dump's snapshot: ${Object.keys(entities.fingerprint.tables).length} entity tables, ${entities.fingerprint.algorithm}, ${((Date.now() - factsStarted) / 1000).toFixed(2)} s`);
            return { schemaMeta, entities };
        })();
        // If the facts fail, stop pg_dump rather than waiting for a dump we won't keep.
        facts.catch(() => abort.abort());
        const dump = runPgDump(options, tools, archive, snapshot, compressionArgs(compression, tools.major), abort.signal, log);
        const [factsResult, dumpResult] = await Promise.allSettled([facts, dump]);
        options.signal?.removeEventListener('abort', onOuterAbort);
        if (dumpResult.status === 'rejected')
            throw dumpResult.reason;
        if (factsResult.status === 'rejected')
            throw wrap(factsResult.reason, 'reading schema_meta and the fingerprint');
        await client.query('COMMIT');
        await client.end().catch(() => { });
        client = undefined;
        let archiveFiles = (await listFiles(archive, folder)).map((file) => path.join(folder, file));
        let archivePath = archive;
        if (options.encryption) {
            log(`Encrypting ${archiveFiles.length} file(s) with ${options.encryption.method}`);
            archiveFiles = await encryptFiles(archiveFiles, options.encryption, options.signal);
            if (options.format === 'custom')
                archivePath = archiveFiles[0];
        }
        // pg_dump ran with --no-sync: the files reach the disk here, while their SHA-256 is read
        // from the page cache, instead of one after the other. Both end before the manifest exists.
        const [files] = await Promise.all([
            describeFiles(archivePath, folder),
            syncPaths([...archiveFiles, ...(options.format === 'directory' ? [archivePath] : []), folder]).catch((error) => {
                throw diskError(error, folder);
            }),
        ]);
        const sizeBytes = files.reduce((sum, f) => sum + f.sizeBytes, 0);
        const { schemaMeta, entities } = factsResult.value;
        const fromSchema = schemaMeta && kongLineFromSchemaMeta(schemaMeta);
        const manifest = {
            schema: MANIFEST_SCHEMA,
            database: identity.database,
            lineage: { restoredFrom: null },
            kong: options.kongVersion !== undefined
                ? { version: options.kongVersion, source: 'input' }
                : fromSchema !== undefined
                    ? { version: fromSchema, source: 'schema_meta' }
                    : { version: null, source: 'unknown' },
            schemaMeta: schemaMeta ?? null,
            counts: entities.counts,
            fingerprint: entities.fingerprint,
            dump: {
                tool: 'pg_dump',
                toolVersion: tools.version,
                format: options.format,
                compression: formatCompression(compression),
                jobs: options.format === 'directory' ? options.jobs : 1,
                snapshot,
            },
            encryption: {
                method: options.encryption?.method ?? 'none',
                recipients: options.encryption?.method === 'gpg-recipient' ? options.encryption.recipients : [],
            },
            archive: { path: path.relative(folder, archivePath).split(path.sep).join('/'), checksum: archiveChecksum(files), sizeBytes },
            files,
            startedAt: startedAt.toISOString(),
            finishedAt: new Date().toISOString(),
        };
        const manifestPath = path.join(folder, MANIFEST_FILE);
        if (options.signal?.aborted)
            throw stepError('backup', 'cancelled');
        await writeManifestAtomically(manifestPath, manifest).catch((error) => {
            throw diskError(error, folder);
        });
        log(`Backup complete: ${files.length} file(s), ${sizeBytes} bytes, in ${((Date.now() - startedAt.getTime()) / 1000).toFixed(1)} s`);
        return { manifest, manifestPath, archivePath, folder };
    }
    catch (error) {
        if (client) {
            await client.query('ROLLBACK').catch(() => { });
            await client.end().catch(() => { });
        }
        await rm(folder, { recursive: true, force: true });
        throw error;
    }
}
async function dump_readIdentity(client, target) {
    const version = await client.query("SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS v");
    let systemIdentifier = null;
    try {
        // pg_control_system(): PostgreSQL 9.6+; may be revoked from non-superusers.
        const result = await client.query('SELECT system_identifier::text AS id FROM pg_control_system()');
        systemIdentifier = result.rows[0]?.id ?? null;
    }
    catch {
        systemIdentifier = null;
    }
    const raw = version.rows[0].v;
    return {
        versionNum: Number(version.rows[0].num),
        database: {
            host: target.db.host,
            port: target.db.port,
            database: target.db.database,
            systemIdentifier,
            serverVersion: raw.split(' ')[0] ?? raw,
        },
    };
}
async function runPgDump(options, tools, archive, snapshot, compression, signal, log) {
    const args = [
        `--format=${options.format}`,
        `--file=${archive}`,
        `--snapshot=${snapshot}`,
        '--no-password',
        '--verbose',
        // Since PostgreSQL 10 pg_dump fsyncs what it wrote before it exits; backupPostgres does that
        // itself, beside the checksums (older pg_dump never synced).
        ...(tools.major >= 10 ? ['--no-sync'] : []),
        ...compression,
        ...(options.format === 'directory' && options.jobs > 1 ? [`--jobs=${options.jobs}`] : []),
    ];
    // Progress: the size written so far every 10 s (pg_dump itself says nothing on big tables).
    const ticker = setInterval(() => {
        void sizeOf(archive).then((bytes) => log(`pg_dump: ${(bytes / 1_048_576).toFixed(0)} MiB written so far`));
    }, PROGRESS_EVERY_MS);
    ticker.unref();
    const result = await execCommand({
        command: tools.pgDump,
        args,
        env: { ...libpqEnvironment(options.source.db), PGAPPNAME: 'kong-upgrade-backup', PGCONNECT_TIMEOUT: '10' },
        signal,
        onLine: (line, stream) => {
            if (stream === 'stderr' && /dumping contents of table/.test(line))
                log(line.trim());
        },
    }).finally(() => clearInterval(ticker));
    if (result.exitCode === 0 && result.signal === undefined)
        return;
    const stderr = result.stderr.split('\n').filter((line) => !/^pg_dump: (dumping contents|reading|identifying|finding|flagging|saving|last built-in|processing)/.test(line) && line.trim() !== '').join('\n');
    if (result.signal === 'SIGXFSZ' || /No space left|File too large|could not write to output file|could not close/i.test(stderr)) {
        throw inputError('backup-dir', `no room to write the dump in ${path.dirname(archive)}: ${result.signal === 'SIGXFSZ' ? 'file size limit exceeded (SIGXFSZ)' : lastLines(stderr)}`);
    }
    const connection = libpqFailure(options.source, stderr);
    if (connection)
        throw connection;
    if (result.aborted)
        throw stepError('pg_dump', options.signal?.aborted ? 'cancelled' : 'stopped because reading the fingerprint failed');
    if (result.signal)
        throw stepError('pg_dump', `was killed by ${result.signal}${stderr ? `: ${lastLines(stderr)}` : ''}`);
    throw stepError('pg_dump', `exited with code ${result.exitCode}: ${lastLines(stderr)}`);
}
async function sizeOf(target) {
    try {
        const info = await stat(target);
        if (!info.isDirectory())
            return info.size;
        const files = await listFiles(target, target);
        const sizes = await Promise.all(files.map((f) => stat(path.join(target, f)).then((s) => s.size, () => 0)));
        return sizes.reduce((a, b) => a + b, 0);
    }
    catch {
        return 0;
    }
}
function lastLines(text, n = 3) {
    return text.trim().split('\n').slice(-n).join(' / ');
}
function diskError(error, folder) {
    const code = error.code;
    if (code === 'ENOSPC' || code === 'EFBIG' || code === 'EDQUOT')
        return inputError('backup-dir', `no room to write in ${folder} (${code})`, error);
    return wrap(error, 'writing the manifest');
}
function wrap(error, step) {
    return error instanceof UpgradeError ? error : stepError(step, error.message, error);
}
function stamp(date) {
    return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

;// CONCATENATED MODULE: ./build/kong/schema-meta.js
/**
 * The rows, sorted by subsystem; undefined when the current schema has no `schema_meta` (Kong's
 * own check: "needs bootstrap", connector.lua schema_migrations).
 */
async function schema_meta_readSchemaMeta(client) {
    const exists = await client.query(`SELECT EXISTS (SELECT 1 FROM information_schema.tables
                     WHERE table_schema = current_schema() AND table_name = 'schema_meta') AS found`);
    if (!exists.rows[0]?.found)
        return undefined;
    const result = await client.query(`SELECT subsystem, last_executed, executed, pending FROM schema_meta
      WHERE key = 'schema_meta' ORDER BY subsystem`);
    return result.rows.map((row) => ({
        subsystem: row.subsystem,
        lastExecuted: row.last_executed,
        executed: row.executed ?? [],
        pending: row.pending ?? [],
    }));
}
/**
 * The Kong release line a database's core migrations correspond to. Core migration names
 * carry it (`024_380_to_390` → 3.9, `025_390_to_3100` → 3.10, `009_200_to_210` → 2.1; kong/db/migrations/core/init.lua),
 * which is what a database can tell without a running Kong. Undefined when it cannot tell.
 */
function schema_meta_kongLineFromSchemaMeta(rows) {
    const core = rows.find((row) => row.subsystem === 'core');
    const names = [...(core?.executed ?? []), ...(core?.pending ?? [])];
    let best;
    for (const name of names) {
        // major, minor, patch digit: `_to_390` → 3.9, `_to_3100` → 3.10 (025_390_to_3100.lua).
        const match = /_to_(\d)(\d+)\d$/.exec(name);
        if (!match)
            continue;
        const major = Number(match[1]);
        const minor = Number(match[2]);
        if (!best || major > best[0] || (major === best[0] && minor > best[1]))
            best = [major, minor];
    }
    if (best)
        return `${best[0]}.${best[1]}`;
    return names.includes('000_base') ? '1.0' : undefined;
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

;// CONCATENATED MODULE: ./build/database/postgres/restore.js













async function restorePostgres(options) {
    const log = options.log ?? (() => { });
    const startedAt = new Date();
    const target = options.target;
    const name = target.db.database;
    // swap checks the checksums while pg_restore fills the scratch database (swapRestore awaits
    // them before the target changes); clean writes the target itself, so it checks them first.
    const archive = await openArchive({
        manifestPath: options.manifestPath, manifestInput: 'manifest', encryption: options.encryption, workDir: options.workDir, signal: options.signal, log,
        deferChecksums: options.method === 'swap' && !options.dryRun,
    });
    try {
        const source = archive.manifest;
        const maintenance = withDatabase(target, options.maintenanceDatabase ?? 'postgres');
        const admin = await connect(maintenance, 'connecting to the target server');
        let tools;
        let targetIdentity;
        let checked;
        const actions = [];
        try {
            const identity = await readIdentity(admin, target);
            targetIdentity = identity.database;
            tools = await findPgTools(options.binDir, serverMajor(identity.versionNum));
            assertFingerprintComputable(source.fingerprint.algorithm, identity.versionNum, identity.database.serverVersion);
            const archiveMajor = Number(source.dump.toolVersion.split('.')[0]);
            if (tools.major < archiveMajor) {
                throw stepError('checking the PostgreSQL client version', `the archive was written by pg_dump ${source.dump.toolVersion}; pg_restore ${tools.version} cannot read it: install a client of major ${archiveMajor} or newer and set pg-bin-dir`);
            }
            if (sameDatabase(source.database, targetIdentity) && !options.allowRestoreOverSource) {
                throw inputError('allow-restore-over-source', `the target ${describeDatabase(target.db)} is the database this backup was taken from (system identifier ${source.database.systemIdentifier ?? 'unknown'}, database "${source.database.database}"); restoring would replace it with the backup's state. Set allow-restore-over-source: true for a rollback`);
            }
            const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rows.length > 0;
            if (!exists && options.method === 'clean') {
                throw inputError(target.inputs.database, `database "${name}" does not exist on ${target.db.host}:${target.db.port}; restore-method clean restores into an existing database (use swap to create it)`);
            }
            const live = exists ? await liveConnections(admin, name) : [];
            if (live.length > 0 && !options.allowLiveConnections) {
                throw inputError('allow-live-connections', `the target database "${name}" has ${live.length} live connection(s) (${live.slice(0, 5).join(', ')}); stop the Kong nodes using it, or set allow-live-connections: true to disconnect them`);
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
        const after = checked ?? (await restore_readFacts(target, source.fingerprint.algorithm));
        const differences = compareFingerprints(source.fingerprint, after.entities.fingerprint);
        if (differences.length > 0) {
            throw stepError('checking the restored database', `its fingerprint differs from the manifest: ${differences.join('; ')}`);
        }
        if (JSON.stringify(after.schemaMeta ?? null) !== JSON.stringify(source.schemaMeta)) {
            throw stepError('checking the restored database', 'its schema_meta rows differ from the manifest');
        }
        log(`Fingerprint of ${describeDatabase(target.db)} equals the backup's (${after.entities.fingerprint.digest.slice(0, 16)}…)`);
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
        const manifestPath = path.join(archive.folder, `restored-${safe(target.db.host)}-${target.db.port}-${safe(name)}.manifest.json`);
        await writeManifestAtomically(manifestPath, manifest);
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
        await admin.query(`CREATE DATABASE ${quoteIdent(scratch)} TEMPLATE template0`);
    }
    catch (error) {
        throw stepError('creating the scratch database', `${error.message}; the role needs CREATEDB for restore-method swap, or use restore-method clean`, error);
    }
    const scratchTarget = withDatabase(options.target, scratch);
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
        const differences = compareFingerprints(archive.manifest.fingerprint, facts.entities.fingerprint);
        if (differences.length > 0) {
            throw stepError('checking the restored copy', `its fingerprint differs from the manifest, the target was left as it was: ${differences.join('; ')}`);
        }
        if (exists) {
            if (disconnect)
                await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
            await admin.query(`DROP DATABASE ${quoteIdent(name)}`);
        }
        await admin.query(`ALTER DATABASE ${quoteIdent(scratch)} RENAME TO ${quoteIdent(name)}`);
        log(`Restored into "${name}" (scratch copy checked, then swapped in)`);
        return facts;
    }
    catch (error) {
        // A stopped pg_restore's sessions may still be ending, and DROP DATABASE refuses while they are.
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [scratch]).catch(() => { });
        await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(scratch)}`).catch(() => { });
        throw error;
    }
}
async function runPgRestore(tools, dumpPath, target, extra, signal, log, onLine) {
    const started = Date.now();
    // --no-owner / --no-acl: the copy belongs to the restoring role (preprod's Kong user), not to
    // roles of the source cluster that may not exist here. --exit-on-error: a partial restore fails.
    const result = await exec_execCommand({
        command: tools.pgRestore,
        args: ['--no-password', '--no-owner', '--no-acl', '--exit-on-error', ...(onLine ? ['--verbose'] : []), `--dbname=${target.db.database}`, ...extra, dumpPath],
        env: { ...(0,shared_inputs/* libpqEnvironment */.SQ)(target.db), PGAPPNAME: 'kong-upgrade-restore', PGCONNECT_TIMEOUT: '10' },
        ...(signal && { signal }),
        ...(onLine && { onLine: (line, stream) => stream === 'stderr' && onLine(line) }),
    });
    if (result.exitCode !== 0 || result.signal !== undefined) {
        const stderr = result.stderr.split('\n').filter((line) => !PROGRESS_LINE.test(line)).join('\n');
        const connection = (0,postgres_connect/* libpqFailure */.Vz)(target, stderr);
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
        return (0,postgres_connect/* withClient */.SV)(target, 'reading the fingerprint of the restored copy', async (client) => {
            await client.query(fingerprint_SCAN_SETTINGS.join('; '));
            // Pre-data (every CREATE TABLE) is restored before any table's data, in either mode.
            const tables = await entityTablesPresent(client);
            const byName = new Map(tables.map((table) => [table.table, table]));
            const scans = new Map();
            let afterRestore = 0;
            const started = Date.now();
            for (;;) {
                const name = loaded.shift();
                if (name !== undefined) {
                    const table = byName.get(name);
                    if (table && !scans.has(name))
                        scans.set(name, await scanEntityTable(client, table, algorithm));
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
                scans.set(table.table, await scanEntityTable(client, table, algorithm));
                afterRestore++;
            }
            const schemaMeta = await schema_meta_readSchemaMeta(client);
            const entities = assembleFacts(tables.map((table) => scans.get(table.table)), algorithm, await readWorkspaceNames(client, tables));
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
async function restore_readFacts(target, algorithm) {
    return withClient(target, 'reading the fingerprint', async (client) => {
        await client.query(SCAN_SETTINGS.join('; '));
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const schemaMeta = await readSchemaMeta(client);
        const entities = await readEntityFacts(client, algorithm);
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

;// CONCATENATED MODULE: ./build/database/postgres/verify.js









/** Checksums, `pg_restore --list`, and optionally a trial restore whose fingerprint must match. */
async function verifyBackup(options) {
    const log = options.log ?? (() => { });
    const archive = await archive_openArchive({ manifestPath: options.manifestPath, manifestInput: 'manifest', encryption: options.encryption, workDir: options.workDir, signal: options.signal, log });
    try {
        const manifest = archive.manifest;
        const server = options.trialServer;
        const serverVersion = server ? await (0,postgres_connect/* withClient */.SV)(server, 'connecting for the trial restore', (c) => dump_readIdentity(c, server)) : undefined;
        const tools = await tools_findPgTools(options.binDir, serverVersion ? tools_serverMajor(serverVersion.versionNum) : 0);
        if (serverVersion)
            fingerprint_assertFingerprintComputable(manifest.fingerprint.algorithm, serverVersion.versionNum, serverVersion.database.serverVersion);
        const toc = await listArchive(tools.pgRestore, archive.dumpPath);
        log(`pg_restore --list reads the archive: ${toc.entries} entries, ${toc.tableData} with table data`);
        if (!server)
            return { manifest, tocEntries: toc.entries, tableData: toc.tableData, trialRestore: false };
        const scratch = scratchName(manifest.database.database, 'verify');
        await (0,postgres_connect/* withClient */.SV)(server, 'creating the scratch database', (c) => c.query(`CREATE DATABASE ${(0,postgres_connect/* quoteIdent */.v4)(scratch)} TEMPLATE template0`));
        try {
            const scratchTarget = (0,postgres_connect/* withDatabase */.kR)(server, scratch);
            const facts = await restoreAndReadFacts(tools, archive.dumpPath, scratchTarget, options.jobs ?? 1, manifest.fingerprint.algorithm, options.signal, log);
            const differences = manifest_compareFingerprints(manifest.fingerprint, facts.entities.fingerprint);
            if (differences.length > 0)
                throw (0,errors/* stepError */.hH)('trial restore', `the restored copy's fingerprint differs from the manifest: ${differences.join('; ')}`);
            log(`Trial restore on ${(0,shared_inputs/* describeDatabase */.DZ)(scratchTarget.db)}: fingerprint equals the manifest's`);
        }
        finally {
            await (0,postgres_connect/* withClient */.SV)(server, 'dropping the scratch database', (c) => c.query(`DROP DATABASE IF EXISTS ${(0,postgres_connect/* quoteIdent */.v4)(scratch)}`)).catch(() => { });
        }
        return { manifest, tocEntries: toc.entries, tableData: toc.tableData, trialRestore: true };
    }
    finally {
        await archive.close();
    }
}
/**
 * How a live database differs from a manifest's fingerprint, table by table (empty: equal):
 * the migrate action's backup gate, and what tells an operator an entity changed since the backup.
 */
async function fingerprintDifferences(target, manifest) {
    const facts = await readFacts(target, manifest.fingerprint.algorithm);
    return compareFingerprints(manifest.fingerprint, facts.entities.fingerprint);
}


/***/ })

};
