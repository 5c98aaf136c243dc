export const id = 364;
export const ids = [364];
export const modules = {

/***/ 8907:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   L: () => (/* binding */ ObjectStore)
/* harmony export */ });
/* harmony import */ var _lib_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1469);
/* harmony import */ var _location_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(323);


let sdkLoading;
const loadSdk = () => (sdkLoading ??= __webpack_require__.e(/* import() */ 711).then(__webpack_require__.t.bind(__webpack_require__, 3711, 19)));
/**
 * The few S3 calls a backup makes, each failure turned into an error naming `input` (the input
 * that named the location) or the credentials, never the SDK's bare exception. Headers of the
 * flexible checksums and of server-side encryption are set here, from the settings, so that
 * every object written is written alike.
 */
class ObjectStore {
    sdk;
    client;
    settings;
    input;
    constructor(sdk, client, settings, 
    /** The input that named the bucket, for errors. */
    input) {
        this.sdk = sdk;
        this.client = client;
        this.settings = settings;
        this.input = input;
    }
    static async open(settings, input, env = process.env) {
        const sdk = await loadSdk();
        const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
        const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
        const client = new sdk.S3Client({
            region: settings.region,
            ...(settings.endpoint !== undefined && { endpoint: settings.endpoint }),
            forcePathStyle: settings.forcePathStyle,
            // A store that stops answering fails the step (the SDK retries first) instead of holding
            // pg_dump and the job until the job's own timeout.
            requestHandler: { connectionTimeout: 10_000, socketTimeout: 120_000 },
            // Checksums only where this code asks for them (s3-checksum): the SDK's default adds CRC32
            // headers some S3-API stores refuse.
            requestChecksumCalculation: 'WHEN_REQUIRED',
            responseChecksumValidation: 'WHEN_REQUIRED',
            // The keys aws-actions/configure-aws-credentials exports (OIDC role or access keys);
            // without them the SDK's own chain (web identity file, profile, instance role) is asked.
            ...(accessKeyId && secretAccessKey && {
                credentials: { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN?.trim() && { sessionToken: env.AWS_SESSION_TOKEN.trim() }) },
            }),
        });
        // SigV4 signs the payload's SHA-256, which the SDK would compute again for every part: the
        // part's own SHA-256, computed once for the checksum header, is that hash.
        client.middlewareStack.add((next) => async (args) => {
            const sha256 = args.input.ChecksumSHA256;
            const request = args.request;
            if (sha256 !== undefined && request.headers)
                request.headers['x-amz-content-sha256'] = Buffer.from(sha256, 'base64').toString('hex');
            return next(args);
        }, { step: 'build', name: 'kongUpgradePayloadHash' });
        return new ObjectStore(sdk, client, settings, input);
    }
    /** True when nothing lies under the prefix `location/`. */
    async isEmpty(location) {
        const answer = await this.call(`listing ${(0,_location_js__WEBPACK_IMPORTED_MODULE_1__/* .formatS3Url */ .LL)(location)}/`, () => this.client.send(new this.sdk.ListObjectsV2Command({ Bucket: location.bucket, Prefix: `${location.key}/`, MaxKeys: 1 })));
        return (answer.KeyCount ?? answer.Contents?.length ?? 0) === 0;
    }
    async exists(location) {
        try {
            await this.client.send(new this.sdk.HeadObjectCommand({ Bucket: location.bucket, Key: location.key }));
            return true;
        }
        catch (error) {
            if (status(error) === 404)
                return false;
            throw this.failure(error, `reading ${(0,_location_js__WEBPACK_IMPORTED_MODULE_1__/* .formatS3Url */ .LL)(location)}`);
        }
    }
    /** A small object in one request (the manifest), with its SHA-256 for the store to check. */
    async put(location, body, sha256Base64, contentType) {
        await this.call(`writing ${(0,_location_js__WEBPACK_IMPORTED_MODULE_1__/* .formatS3Url */ .LL)(location)}`, () => this.client.send(new this.sdk.PutObjectCommand({
            Bucket: location.bucket, Key: location.key, Body: body, ContentType: contentType, ContentLength: body.length,
            ...this.checksumOf(sha256Base64), ...this.encryption(),
        })));
    }
    /** The object's bytes as a stream; with s3-checksum SHA256 the SDK also checks a whole-object checksum the store answers with. */
    async get(location) {
        const answer = await this.call(`reading ${(0,_location_js__WEBPACK_IMPORTED_MODULE_1__/* .formatS3Url */ .LL)(location)}`, () => this.client.send(new this.sdk.GetObjectCommand({
            Bucket: location.bucket, Key: location.key, ...(this.settings.checksum === 'SHA256' && { ChecksumMode: 'ENABLED' }),
        })));
        return { body: answer.Body, sizeBytes: answer.ContentLength };
    }
    async delete(location) {
        await this.call(`deleting ${(0,_location_js__WEBPACK_IMPORTED_MODULE_1__/* .formatS3Url */ .LL)(location)}`, () => this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: location.bucket, Key: location.key })));
    }
    async createUpload(location, contentType) {
        const answer = await this.call(`starting the upload of ${(0,_location_js__WEBPACK_IMPORTED_MODULE_1__/* .formatS3Url */ .LL)(location)}`, () => this.client.send(new this.sdk.CreateMultipartUploadCommand({
            Bucket: location.bucket, Key: location.key, ContentType: contentType,
            ...(this.settings.checksum === 'SHA256' && { ChecksumAlgorithm: 'SHA256' }), ...this.encryption(),
        })));
        if (!answer.UploadId)
            throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .stepError */ .hH)('object storage', `the store started the upload of ${(0,_location_js__WEBPACK_IMPORTED_MODULE_1__/* .formatS3Url */ .LL)(location)} without an upload id`);
        return answer.UploadId;
    }
    async uploadPart(location, uploadId, partNumber, body, sha256Base64, signal) {
        const answer = await this.call(`uploading part ${partNumber} of ${(0,_location_js__WEBPACK_IMPORTED_MODULE_1__/* .formatS3Url */ .LL)(location)}`, () => this.client.send(new this.sdk.UploadPartCommand({
            Bucket: location.bucket, Key: location.key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: body.length,
            ...this.checksumOf(sha256Base64),
            // SSE-C is the only encryption UploadPart repeats; SSE-S3 and SSE-KMS were set at the start.
        }), { abortSignal: signal }));
        return { partNumber, etag: answer.ETag ?? '', checksumSHA256: answer.ChecksumSHA256 };
    }
    /** Completes the upload; returns the checksum of the whole object the store computed, if it says. */
    async completeUpload(location, uploadId, parts, partSha256) {
        const answer = await this.call(`completing the upload of ${(0,_location_js__WEBPACK_IMPORTED_MODULE_1__/* .formatS3Url */ .LL)(location)}`, () => this.client.send(new this.sdk.CompleteMultipartUploadCommand({
            Bucket: location.bucket, Key: location.key, UploadId: uploadId,
            MultipartUpload: { Parts: parts.map((part, i) => ({ PartNumber: part.partNumber, ETag: part.etag, ...(this.settings.checksum === 'SHA256' && { ChecksumSHA256: partSha256[i] }) })) },
        })));
        return answer.ChecksumSHA256;
    }
    /** Aborts an unfinished upload: the store drops its parts. True when there was one to abort. */
    async abortUpload(location, uploadId) {
        try {
            await this.client.send(new this.sdk.AbortMultipartUploadCommand({ Bucket: location.bucket, Key: location.key, UploadId: uploadId }));
            return true;
        }
        catch (error) {
            if (status(error) === 404)
                return false;
            throw this.failure(error, `aborting the upload of ${(0,_location_js__WEBPACK_IMPORTED_MODULE_1__/* .formatS3Url */ .LL)(location)}`);
        }
    }
    close() {
        this.client.destroy();
    }
    checksumOf(sha256Base64) {
        return this.settings.checksum === 'SHA256' ? { ChecksumAlgorithm: 'SHA256', ChecksumSHA256: sha256Base64 } : {};
    }
    encryption() {
        const { serverSideEncryption: sse, kmsKeyId } = this.settings;
        if (sse === 'default')
            return {};
        return { ServerSideEncryption: sse, ...(kmsKeyId !== undefined && { SSEKMSKeyId: kmsKeyId }) };
    }
    async call(what, request) {
        try {
            return await request();
        }
        catch (error) {
            throw this.failure(error, what);
        }
    }
    /** The SDK's error as ours: what the operator must change, named. */
    failure(error, what) {
        if (error instanceof _lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .UpgradeError */ .fy)
            return error;
        const e = error;
        const name = e.name ?? 'Error';
        const where = this.settings.endpoint ?? `AWS S3 (${this.settings.region})`;
        const detail = `${what} at ${where}: ${name}${e.message && e.message !== name ? ` (${e.message})` : ''}`;
        if (name === 'CredentialsProviderError') {
            return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .stepError */ .hH)('object storage credentials', `${detail}; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) in the environment, as aws-actions/configure-aws-credentials does, or run where the SDK finds a role`);
        }
        if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired'].includes(name)) {
            return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .stepError */ .hH)('object storage credentials', `${detail}: the credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN are not accepted`);
        }
        if (name.startsWith('KMS.') || /kms/i.test(e.message ?? ''))
            return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)('s3-kms-key-id', `${detail}: the KMS key cannot be used by these credentials (or does not exist)`);
        if (name === 'NoSuchBucket')
            return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(this.input, `${detail}: the bucket does not exist`);
        if (name === 'AccessDenied' || status(error) === 403)
            return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(this.input, `${detail}: access denied to these credentials`);
        if (name === 'NoSuchKey' || status(error) === 404)
            return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(this.input, `${detail}: no such object`);
        if (name === 'InvalidRequest' && /checksum/i.test(e.message ?? ''))
            return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)('s3-checksum', `${detail}: this store refuses the flexible-checksum headers; set s3-checksum: none`);
        if (name === 'BadDigest' || name === 'InvalidDigest' || /checksum/i.test(name))
            return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .stepError */ .hH)('object storage', `${detail}: what arrived is not what was sent; nothing was kept`);
        if (e.code !== undefined && /^E[A-Z]+$/.test(e.code))
            return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .stepError */ .hH)('object storage', `${detail}: cannot reach the store (${e.code}); check s3-endpoint and the network`);
        return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .stepError */ .hH)('object storage', detail, error);
    }
}
function status(error) {
    return error.$metadata?.httpStatusCode;
}


/***/ }),

/***/ 1364:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  fingerprintDifferences: () => (/* binding */ fingerprintDifferences),
  verifyBackup: () => (/* binding */ verifyBackup)
});

// EXTERNAL MODULE: ./build/lib/errors.js
var errors = __webpack_require__(1469);
// EXTERNAL MODULE: ./build/database/connection.js
var connection = __webpack_require__(7426);
// EXTERNAL MODULE: ./build/database/manifest.js
var database_manifest = __webpack_require__(3387);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./build/lib/exec.js + 8 modules
var exec = __webpack_require__(342);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
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
/** Resolves true after `ms`, or false at once when `signal` aborts (before or during the wait). */
function concurrency_sleep(ms, signal) {
    if (signal?.aborted)
        return Promise.resolve(false);
    return new Promise((resolve) => {
        const timer = setTimeout(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve(true);
        }, ms);
        const onAbort = () => {
            clearTimeout(timer);
            resolve(false);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
    });
}

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
    return (0,external_node_crypto_.createHash)('sha256').update(listing).digest('hex');
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

// EXTERNAL MODULE: ./build/database/encryption.js
var database_encryption = __webpack_require__(4371);
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
    const problems = await checkFiles(backup.folder, backup.manifest.files);
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
    if (archive.checksum !== checksums_archiveChecksum(files))
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
async function archive_openArchive(options) {
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

// EXTERNAL MODULE: ./build/database/postgres/connect.js
var postgres_connect = __webpack_require__(9308);
// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __webpack_require__(7075);
// EXTERNAL MODULE: ./build/lib/fsync.js
var fsync = __webpack_require__(2973);
// EXTERNAL MODULE: ./build/database/object-storage/location.js
var object_storage_location = __webpack_require__(323);
// EXTERNAL MODULE: ./build/database/object-storage/client.js
var client = __webpack_require__(8907);
;// CONCATENATED MODULE: ./build/database/object-storage/upload.js



/** 8 MiB parts, doubled every 1000 parts: S3 allows 10,000 parts of at least 5 MiB (but the last). */
const FIRST_PART_BYTES = (/* unused pure expression or super */ null && (8 << 20));
const PARTS_PER_SIZE = 1000;
const MAX_PARTS = 10_000;
/** Parts sent at once: one on the wire while the next fills keeps the pipe from pg_dump moving. */
const PARTS_IN_FLIGHT = 2;
function partSize(partNumber) {
    return FIRST_PART_BYTES * 2 ** Math.floor((partNumber - 1) / PARTS_PER_SIZE);
}
/**
 * A multipart upload of a stream while it is written: nothing of it touches the disk. Each part
 * goes with its own SHA-256 (the store refuses a part whose bytes differ, with s3-checksum
 * SHA256), the whole stream's SHA-256 is computed on the way, and a store that answers with the
 * parts' checksums or the composite checksum must answer with ours. On any failure, or when
 * `signal` aborts, the upload is aborted: the store drops the parts and no object exists.
 */
async function upload_uploadStream(upload) {
    const { store, location, source } = upload;
    const uploadId = await store.createUpload(location, upload.contentType);
    const stop = new AbortController();
    // Destroying the source ends the wait for its next chunk: a cancelled job aborts the upload now,
    // not when pg_dump next writes.
    const onAbort = () => {
        stop.abort();
        source.destroy(stepError('object storage', 'upload cancelled'));
    };
    upload.signal.addEventListener('abort', onAbort, { once: true });
    const sent = [];
    const partSha256 = [];
    const inFlight = new Set();
    const whole = createHash('sha256');
    const buffers = new PartBuffers();
    let sizeBytes = 0;
    let part = buffers.take(partSize(1));
    let filled = 0;
    const send = async () => {
        const partNumber = sent.length + 1;
        if (partNumber > MAX_PARTS)
            throw stepError('object storage', `the archive needs more than ${MAX_PARTS} parts`);
        const buffer = part;
        const body = buffer.subarray(0, filled);
        const sha256 = createHash('sha256').update(body).digest('base64');
        partSha256.push(sha256);
        const answered = store.uploadPart(location, uploadId, partNumber, body, sha256, stop.signal).then((answer) => {
            // The SDK is done with the bytes once the store has answered: the buffer takes a later part.
            buffers.give(buffer);
            if (answer.checksumSHA256 !== undefined && answer.checksumSHA256 !== sha256) {
                throw stepError('object storage', `part ${partNumber} of ${formatS3Url(location)} arrived with SHA-256 ${answer.checksumSHA256}, sent ${sha256}`);
            }
            return answer;
        });
        sent.push(answered);
        inFlight.add(answered);
        // Settled either way before it leaves the set; a rejection is seen by the race or Promise.all below.
        answered.then(() => inFlight.delete(answered), () => inFlight.delete(answered));
        if (inFlight.size >= PARTS_IN_FLIGHT)
            await Promise.race(inFlight);
        part = buffers.take(partSize(sent.length + 1));
        filled = 0;
    };
    try {
        await upload.onStarted?.(uploadId);
        for await (const bytes of source) {
            if (stop.signal.aborted)
                throw stepError('object storage', 'upload cancelled');
            whole.update(bytes);
            sizeBytes += bytes.length;
            upload.onBytes?.(sizeBytes);
            // Copied into the part at once: the chunk is valid only until the next is asked for
            // (ChunkSource). Holding a part's worth of chunks until it was sent, then joining them,
            // also kept the collector busy enough to stall pg_dump (bench/backup.mjs, d).
            for (let offset = 0; offset < bytes.length;) {
                const copied = bytes.copy(part, filled, offset);
                filled += copied;
                offset += copied;
                if (filled === part.length)
                    await send();
            }
        }
        // The last part may be short; an empty stream is one empty part (S3 completes no upload of none).
        if (filled > 0 || sent.length === 0)
            await send();
        const parts = await Promise.all(sent);
        await upload.producerDone;
        if (stop.signal.aborted)
            throw stepError('object storage', 'upload cancelled');
        const completing = performance.now();
        const reported = await store.completeUpload(location, uploadId, parts, partSha256);
        const completeMs = performance.now() - completing;
        const composed = store.settings.checksum === 'none' ? 'not asked' : checkComposite(reported, partSha256);
        if (composed === 'mismatch') {
            await store.delete(location).catch(() => { });
            throw stepError('object storage', `${formatS3Url(location)}: the store's checksum of the parts (${reported}) is not the one of what was sent (${composite(partSha256)}); the object was deleted`);
        }
        // Without a composite checksum, parts that each answered with theirs (checked above) vouch for the object.
        const storeChecksum = composed === 'not reported' && parts.every((p) => p.checksumSHA256 !== undefined) ? 'matched' : composed;
        return { sha256: whole.digest('hex'), sizeBytes, parts: parts.length, storeChecksum, completeMs };
    }
    catch (error) {
        stop.abort();
        source.destroy();
        await Promise.allSettled(sent);
        await store.abortUpload(location, uploadId).catch(() => { });
        throw error;
    }
    finally {
        upload.signal.removeEventListener('abort', onAbort);
    }
}
/**
 * The few part-sized buffers an upload fills in turn (one filling, PARTS_IN_FLIGHT on the wire):
 * a part's buffer is reused once the store has answered for it, instead of a fresh one per part.
 */
class PartBuffers {
    free = [];
    take(size) {
        const index = this.free.findIndex((buffer) => buffer.length === size);
        // Parts only grow (partSize): a smaller free buffer will never fit again.
        if (index < 0)
            this.free.length = 0;
        return index < 0 ? Buffer.allocUnsafeSlow(size) : this.free.splice(index, 1)[0];
    }
    give(buffer) {
        this.free.push(buffer);
    }
}
/** S3's checksum of a multipart object: the SHA-256 of the parts' SHA-256s, `-` and their count. */
function composite(partSha256) {
    const digests = Buffer.concat(partSha256.map((sha) => Buffer.from(sha, 'base64')));
    return `${createHash('sha256').update(digests).digest('base64')}-${partSha256.length}`;
}
function checkComposite(reported, partSha256) {
    if (reported === undefined)
        return 'not reported';
    // A store may answer without the count, or (one part) with the part's own checksum.
    const expected = composite(partSha256);
    const accepted = [expected, expected.replace(/-\d+$/, ''), ...(partSha256.length === 1 ? [partSha256[0]] : [])];
    return accepted.includes(reported) ? 'matched' : 'mismatch';
}

;// CONCATENATED MODULE: ./build/database/object-storage/remote-backup.js





/** The ledger entry of a backup being written to object storage (leftover.ts undoes it). */
const OBJECT_BACKUP_KEY = 'object-backup';
const MANIFEST_OBJECT = 'manifest.json';
/**
 * Opens the store and claims `<location>/<name>/`, which must be empty (a backup never lands on
 * another's objects). The run's ledger records the prefix, then the upload id, until the manifest
 * is written: backup-db's post step aborts the upload or deletes the manifest-less archive of a
 * run that was killed.
 */
async function remote_backup_openRemoteBackup(target, name, archiveName, runDir, log) {
    const store = await ObjectStore.open(target.settings, 'object-storage');
    const prefix = below(target.location, name);
    const archive = below(prefix, archiveName);
    const manifest = below(prefix, MANIFEST_OBJECT);
    try {
        if (!(await store.isEmpty(prefix)))
            throw inputError('object-storage', `${formatS3Url(prefix)}/ holds objects already; a backup is written under a prefix of its own`);
    }
    catch (error) {
        store.close();
        throw error;
    }
    const { settings } = target;
    const entry = (uploadId) => ({
        kind: 'object-backup', endpoint: settings.endpoint ?? null, region: settings.region, forcePathStyle: settings.forcePathStyle,
        bucket: prefix.bucket, archive: archive.key, manifest: manifest.key, uploadId,
    });
    await runDir?.note(OBJECT_BACKUP_KEY, entry(null));
    let completed = false;
    return {
        store,
        prefix,
        archiveName,
        manifestUrl: formatS3Url(manifest),
        archiveUrl: formatS3Url(archive),
        async upload(source, producerDone, signal, onBytes) {
            const result = await uploadStream({
                store, location: archive, source, contentType: 'application/octet-stream', producerDone, signal, onBytes,
                onStarted: (uploadId) => runDir?.note(OBJECT_BACKUP_KEY, entry(uploadId)) ?? Promise.resolve(),
            });
            completed = true;
            await runDir?.note(OBJECT_BACKUP_KEY, entry(null));
            log(`Uploaded ${formatS3Url(archive)}: ${result.sizeBytes} bytes in ${result.parts} part(s), SHA-256 ${result.sha256.slice(0, 16)}…; the store's checksum of the parts: ${result.storeChecksum}; it joined them in ${(result.completeMs / 1000).toFixed(2)} s`);
            return { path: archiveName, sizeBytes: result.sizeBytes, sha256: result.sha256 };
        },
        async writeManifest(data) {
            const body = Buffer.from(`${JSON.stringify(data, null, 2)}\n`);
            await store.put(manifest, body, createHash('sha256').update(body).digest('base64'), 'application/json');
            await runDir?.forget(OBJECT_BACKUP_KEY);
            store.close();
        },
        async discard() {
            try {
                if (completed)
                    await store.delete(archive);
                await runDir?.forget(OBJECT_BACKUP_KEY);
            }
            catch {
                // The ledger keeps the entry: the post step deletes the manifest-less archive, or says it is there.
            }
            finally {
                store.close();
            }
        },
    };
}

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

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __webpack_require__(7030);
;// CONCATENATED MODULE: ./build/database/postgres/dump-pipe.js







const READ_BUFFER_BYTES = (/* unused pure expression or super */ null && (1 << 20));
/** Starts dd; undefined where there is none on PATH (pg_dump's stdout is then read directly). */
async function dump_pipe_openDumpPipe(signal, env = process.env) {
    const dd = await findOnPath('dd', env.PATH ?? '');
    if (dd === undefined)
        return undefined;
    const socket = await socketReader();
    let input;
    let output;
    // execCommand starts the process before it returns: the ends are set below.
    const running = execCommand({
        command: dd, args: ['ibs=65536', 'obs=1048576'], signal, onStdin: (s) => (input = s),
        ...(socket ? { stdoutTo: socket.writer } : { onStdout: (s) => (output = s) }),
    });
    const done = running.then((result) => {
        if (result.exitCode === 0 && result.signal === undefined)
            return;
        if (result.aborted)
            throw stepError('dd', 'cancelled');
        throw stepError('dd', `passing pg_dump's output on ${result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode}`}: ${result.stderr.trim().split('\n').slice(-3).join(' ')}`);
    });
    done.catch(() => { });
    const source = socket?.chunks ?? output;
    if (input === undefined || source === undefined) {
        // Not started (the signal had aborted): execCommand closed neither end of the socket.
        socket?.writer.destroy();
        socket?.chunks.destroy();
        await done;
        throw stepError('dd', 'was not started');
    }
    return { input, output: source, done };
}
/**
 * A connected pair of local sockets: `writer` for a child's stdout, `chunks` reading the other
 * end into one buffer, the socket paused from a read until the chunk is consumed. The socket's
 * path lives only until the pair is connected, in a folder of this user's alone (mkdtemp, 0700).
 * Undefined where no such socket can be made (a temp path too long for one, say): dd's stdout
 * is then an ordinary pipe.
 */
async function socketReader() {
    const server = net.createServer();
    let dir;
    try {
        dir = await mkdtemp(path.join(os.tmpdir(), 'kong-dump-'));
        const socketPath = path.join(dir, 'pipe');
        await new Promise((resolve, reject) => {
            server.once('error', reject);
            server.listen(socketPath, resolve);
        });
        const accepted = new Promise((resolve) => server.once('connection', resolve));
        const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
        // One read at a time: the socket pauses after each (the callback's false) until it is
        // consumed. Its end or failure comes after the reads before it.
        let read;
        let last;
        let wake;
        const settle = (value) => {
            last ??= value;
            wake?.();
        };
        const reader = net.connect({
            path: socketPath,
            onread: { buffer, callback: (nread) => ((read = nread), wake?.(), false) },
        });
        reader.on('end', () => settle(null)).on('error', (error) => settle(error));
        const writer = await Promise.race([accepted, new Promise((_, reject) => reader.once('error', reject))]);
        const chunks = {
            async *[Symbol.asyncIterator]() {
                for (;;) {
                    while (read === undefined && last === undefined)
                        await new Promise((resolve) => (wake = resolve));
                    if (read !== undefined) {
                        const size = read;
                        read = undefined;
                        yield buffer.subarray(0, size);
                        reader.resume();
                    }
                    else if (last === null) {
                        return;
                    }
                    else {
                        throw last;
                    }
                }
            },
            destroy(error) {
                settle(error ?? stepError('dd', 'reading stopped'));
                reader.destroy();
            },
        };
        return { writer, chunks };
    }
    catch {
        return undefined;
    }
    finally {
        server.close();
        if (dir !== undefined)
            await rm(dir, { recursive: true, force: true });
    }
}
async function findOnPath(name, searchPath) {
    for (const dir of searchPath.split(path.delimiter).filter((d) => path.isAbsolute(d))) {
        const candidate = path.join(dir, name);
        try {
            await access(candidate, constants.X_OK);
            return candidate;
        }
        catch {
            // not here
        }
    }
    return undefined;
}

// EXTERNAL MODULE: ./build/kong/entities.js
var entities = __webpack_require__(8113);
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
      GROUP BY table_name`, [entities/* ENTITY_TABLES */.ke.map((t) => t.table)]);
    const present = new Map(columns.rows.map((row) => [row.table_name, row.has_ws]));
    return entities/* ENTITY_TABLES */.ke.filter(({ table }) => present.has(table)).map(({ table, entity }) => ({ table, entity, hasWs: present.get(table) === true }));
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
    return { fingerprint: fingerprintOf(tables, algorithm), counts: (0,entities/* sortCounts */.XR)(counts) };
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
const HASHABLE_TYPES = [
    'uuid', 'text', 'varchar', 'bpchar', 'name', 'int2', 'int4', 'int8', 'bool', 'jsonb', 'timestamptz',
    'timestamp', 'date', 'numeric', 'bytea', 'inet', 'cidr', 'float4', 'float8', 'interval', 'oid',
];
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
        result = await (0,exec/* execCommand */.N)({ command: tool('pg_dump'), args: ['--version'] });
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
    const name = options.name ?? `kong-${db.database.replace(/[^A-Za-z0-9_.-]/g, '_')}-${timeStamp(startedAt)}`;
    let remote;
    let folder = path.resolve(options.backupDir, name);
    let opening;
    if (options.objectStorage) {
        // pg_dump writes a directory archive file by file, and seeks in it: only custom streams.
        if (options.format !== 'custom')
            throw inputError('format', `is ${options.format}; a backup to object-storage is streamed as pg_dump writes it, which only format custom does`);
        // The bucket is opened (the SDK loaded, the prefix found empty and claimed) while the
        // database is connected to: ~0.1 s that every backup to object storage waited for first.
        opening = openRemoteBackup(options.objectStorage, name, `kong.dump${options.encryption ? ENCRYPTED_SUFFIX : ''}`, options.runDir, log);
        opening.catch(() => { }); // awaited below, or in the catch when connecting failed first
    }
    else {
        await mkdir(path.dirname(folder), { recursive: true }).catch((error) => {
            throw inputError('backup-dir', `cannot create ${options.backupDir}: ${error.message}`, error);
        });
        // In the ledger before it exists: a killed run leaves a folder without manifest (perhaps a
        // plaintext dump waiting for encryption), which backup-db's post step removes.
        await options.runDir?.note(BACKUP_FOLDER_KEY, { kind: 'backup-folder', path: folder });
        await mkdir(folder).catch(async (error) => {
            await options.runDir?.forget(BACKUP_FOLDER_KEY);
            throw inputError('backup-dir', `cannot create ${folder}: ${error.code === 'EEXIST' ? 'it exists already' : error.message}`, error);
        });
    }
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
        if (opening) {
            remote = await opening;
            folder = formatS3Url(remote.prefix);
        }
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
        const streamed = remote && streamToObjectStorage(remote, options, abort, await openDumpPipe(abort.signal));
        const dump = runPgDump(options, tools, streamed?.output ?? { file: archive }, snapshot, compressionArgs(compression, tools.major), abort.signal, log);
        streamed?.dumpSettled(dump);
        const [factsResult, dumpResult, uploadResult] = await Promise.allSettled([facts, dump, streamed?.uploaded]);
        options.signal?.removeEventListener('abort', onOuterAbort);
        // A failed read of the facts stopped pg_dump: its reason is the one to tell.
        if (factsResult.status === 'rejected' && !options.signal?.aborted)
            throw factsError(options.source, factsResult.reason);
        // A failed upload stopped pg_dump, and a failed pg_dump aborts the upload with its own error.
        if (uploadResult.status === 'rejected')
            throw uploadResult.reason;
        if (dumpResult.status === 'rejected')
            throw dumpResult.reason;
        if (factsResult.status === 'rejected')
            throw factsError(options.source, factsResult.reason);
        await client.query('COMMIT');
        await client.end().catch(() => { });
        client = undefined;
        const { files, archivePath } = remote && uploadResult.status === 'fulfilled' && uploadResult.value
            ? { files: [uploadResult.value], archivePath: remote.archiveUrl }
            : await finishLocalArchive(options, archive, folder);
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
            archive: { path: remote ? remote.archiveName : path.relative(folder, archivePath).split(path.sep).join('/'), checksum: archiveChecksum(files), sizeBytes },
            files,
            startedAt: startedAt.toISOString(),
            finishedAt: new Date().toISOString(),
        };
        const manifestPath = remote ? remote.manifestUrl : path.join(folder, MANIFEST_FILE);
        if (options.signal?.aborted)
            throw stepError('backup', 'cancelled');
        if (remote) {
            await remote.writeManifest(manifest);
        }
        else {
            await writeManifestAtomically(manifestPath, manifest).catch((error) => {
                throw diskError(error, folder);
            });
            await options.runDir?.forget(BACKUP_FOLDER_KEY);
        }
        log(`Backup complete: ${files.length} file(s), ${sizeBytes} bytes, in ${((Date.now() - startedAt.getTime()) / 1000).toFixed(1)} s`);
        return { manifest, manifestPath, archivePath, folder };
    }
    catch (error) {
        if (client) {
            await client.query('ROLLBACK').catch(() => { });
            await client.end().catch(() => { });
        }
        if (opening) {
            await (remote ?? (await opening.catch(() => undefined)))?.discard();
        }
        else {
            await rm(folder, { recursive: true, force: true });
            await options.runDir?.forget(BACKUP_FOLDER_KEY);
        }
        throw error;
    }
}
/**
 * pg_dump's stdout to the bucket, through dd (dump-pipe.ts) when there is one and gpg when
 * encrypting. pg_dump writes the custom format's table of contents once, first, without the data
 * offsets it writes back into a seekable file at the end: pg_restore reads such an archive in
 * order, and with --jobs finds each table's data by skipping from block to block. The manifest's
 * SHA-256 is of the bytes uploaded, hashed on the way.
 */
function streamToObjectStorage(remote, options, abort, pipe) {
    let settle;
    const dumpEnded = new Promise((resolve, reject) => (settle = { resolve, reject }));
    dumpEnded.catch(() => { });
    let written = 0;
    let uploaded;
    const start = async (stdout) => {
        const encrypted = options.encryption && (await encryptStream(asReadable(stdout), options.encryption, abort.signal, options.runDir));
        const producerDone = Promise.all([dumpEnded, pipe?.done, encrypted ? encrypted.done : undefined]);
        producerDone.catch(() => { });
        return remote.upload(encrypted ? encrypted.output : stdout, producerDone, abort.signal, (bytes) => (written = bytes));
    };
    const begin = (stream) => {
        uploaded = start(stream);
        // A failed upload stops pg_dump: nobody reads what it writes any more.
        uploaded.catch(() => abort.abort());
    };
    if (pipe)
        begin(pipe.output);
    return {
        output: (pipe ? { stdoutTo: pipe.input, written: () => written } : { stdout: begin, written: () => written }),
        /** pg_dump's outcome decides whether the upload completes or aborts. */
        dumpSettled(dump) {
            dump.then(() => settle.resolve(), (error) => settle.reject(error));
        },
        get uploaded() {
            return uploaded;
        },
    };
}
/** gpg's stdin is piped from a Readable: each chunk copied, as the source may reuse its buffer. */
function asReadable(source) {
    if (source instanceof Readable)
        return source;
    return Readable.from((async function* () {
        for await (const chunk of source)
            yield Buffer.from(chunk);
    })());
}
/** A local archive after pg_dump: encrypted if asked, synced, and its files' sizes and SHA-256. */
async function finishLocalArchive(options, archive, folder) {
    let archiveFiles = (await listFiles(archive, folder)).map((file) => path.join(folder, file));
    let archivePath = archive;
    if (options.encryption) {
        options.log?.(`Encrypting ${archiveFiles.length} file(s) with ${options.encryption.method}`);
        archiveFiles = await encryptFiles(archiveFiles, options.encryption, options.signal, options.runDir);
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
    return { files, archivePath };
}
const BACKUP_FOLDER_KEY = 'backup-folder';
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
async function runPgDump(options, tools, output, snapshot, compression, signal, log) {
    const args = [
        `--format=${options.format}`,
        ...('file' in output ? [`--file=${output.file}`] : []),
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
        void ('file' in output ? sizeOf(output.file) : Promise.resolve(output.written())).then((bytes) => log(`pg_dump: ${(bytes / 1_048_576).toFixed(0)} MiB written so far`));
    }, PROGRESS_EVERY_MS);
    ticker.unref();
    const result = await execCommand({
        command: tools.pgDump,
        args,
        env: { ...libpqEnvironment(options.source.db), PGAPPNAME: 'kong-upgrade-backup', PGCONNECT_TIMEOUT: '10' },
        signal,
        ...('stdout' in output && { onStdout: output.stdout }),
        ...('stdoutTo' in output && { stdoutTo: output.stdoutTo }),
        onLine: (line, stream) => {
            if (stream === 'stderr' && /dumping contents of table/.test(line))
                log(line.trim());
        },
    }).finally(() => clearInterval(ticker));
    if (result.exitCode === 0 && result.signal === undefined)
        return;
    const stderr = result.stderr.split('\n').filter((line) => !/^pg_dump: (dumping contents|reading|identifying|finding|flagging|saving|last built-in|processing)/.test(line) && line.trim() !== '').join('\n');
    if ('file' in output && (result.signal === 'SIGXFSZ' || /No space left|File too large|could not write to output file|could not close/i.test(stderr))) {
        throw inputError('backup-dir', `no room to write the dump in ${path.dirname(output.file)}: ${result.signal === 'SIGXFSZ' ? 'file size limit exceeded (SIGXFSZ)' : lastLines(stderr)}`);
    }
    const connection = libpqFailure(options.source, stderr);
    if (connection)
        throw connection;
    const denied = /permission denied for (?:table|relation|schema|sequence|database) .*/i.exec(stderr)?.[0];
    if (denied)
        throw readDenied(options.source, denied);
    if (result.aborted)
        throw stepError('pg_dump', 'cancelled');
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
/** The role may not read a Kong table: the input that named the role is what to change. */
function readDenied(source, what) {
    return inputError(source.inputs.user, `role "${source.db.user}" may not read every Kong table (${what}); back up as a role that can, such as the owner of Kong's tables`);
}
function factsError(source, error) {
    const e = error;
    if (e.code === '42501')
        return readDenied(source, e.message ?? 'permission denied');
    return wrap(error, 'reading schema_meta and the fingerprint in the dump\'s snapshot');
}
function wrap(error, step) {
    return error instanceof UpgradeError ? error : stepError(step, error.message, error);
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

;// CONCATENATED MODULE: ./build/database/postgres/swap.js


const STEP = 'swapping the restored copy in';
async function swap_swapIn(admin, swap, runDir, log) {
    const { name, scratch, aside } = swap;
    // 1. The copy: no new sessions, and the ones there ended.
    await admin.query(`ALTER DATABASE ${quoteIdent(scratch)} WITH ALLOW_CONNECTIONS false`);
    const onCopy = await swap_endSessions(admin, scratch);
    if (onCopy.length > 0) {
        const dropped = await swap_dropScratch(admin, scratch, runDir);
        throw stepError(STEP, `${onCopy.length} session(s) on the restored copy "${scratch}" could not be ended (${onCopy.join(', ')}); the target "${name}" was left as it was${dropped ? '' : `, and the copy stays as "${scratch}" (drop it once they are gone)`}. End them (or grant the restoring role pg_signal_backend) and restore again`);
    }
    if (!swap.exists) {
        await renameOrDrop(admin, runDir, scratch, name);
        await allowConnections(admin, name, true);
        return { previousKept: undefined };
    }
    // 2. The target, renamed aside: whole, under another name, until the copy holds its own.
    const allowed = (await admin.query('SELECT datallowconn AS allowed FROM pg_database WHERE datname = $1', [name])).rows[0]?.allowed ?? true;
    await runDir?.note('swap', { kind: 'swap', host: swap.host, port: swap.port, target: name, aside, scratch, allowConnections: allowed });
    if (swap.disconnect) {
        await allowConnections(admin, name, false);
        const onTarget = await swap_endSessions(admin, name);
        if (onTarget.length > 0) {
            await allowConnections(admin, name, allowed);
            await runDir?.forget('swap');
            const dropped = await swap_dropScratch(admin, scratch, runDir);
            throw stepError(STEP, `${onTarget.length} session(s) on "${name}" could not be ended (${onTarget.join(', ')}); it was left as it was${dropped ? '' : `, the checked copy stays as "${scratch}"`}. End them (or grant the restoring role pg_signal_backend) and restore again`);
        }
    }
    try {
        await admin.query(`ALTER DATABASE ${quoteIdent(name)} RENAME TO ${quoteIdent(aside)}`);
    }
    catch (error) {
        if (swap.disconnect)
            await allowConnections(admin, name, allowed).catch(() => { });
        await runDir?.forget('swap');
        const dropped = await swap_dropScratch(admin, scratch, runDir);
        const left = `the target "${name}" was left as it was${dropped ? '' : `, the checked copy stays as "${scratch}"`}`;
        if (!swap.disconnect && error.code === '55006') {
            throw inputError('allow-live-connections', `a client connected to "${name}" during the restore (${error.message}); ${left}. Stop the Kong nodes using it, or set allow-live-connections: true to disconnect them`, error);
        }
        throw stepError(STEP, `renaming "${name}" aside failed: ${error.message}; ${left}`, error);
    }
    // 3. The copy takes the name; on failure the target takes it back before anything is dropped.
    try {
        await admin.query(`ALTER DATABASE ${quoteIdent(scratch)} RENAME TO ${quoteIdent(name)}`);
    }
    catch (error) {
        try {
            await admin.query(`ALTER DATABASE ${quoteIdent(aside)} RENAME TO ${quoteIdent(name)}`);
            await allowConnections(admin, name, allowed);
        }
        catch (back) {
            // The ledger keeps the swap: backup-db's post step renames the target back.
            throw stepError(STEP, `the restored copy could not take the name "${name}" (${error.message}) and the target could not be renamed back (${back.message}). Nothing was dropped: the target is whole as "${aside}", the checked copy is "${scratch}"; rename "${aside}" back with ALTER DATABASE "${aside}" RENAME TO "${name}"`, error);
        }
        await runDir?.forget('swap');
        const dropped = await swap_dropScratch(admin, scratch, runDir);
        throw stepError(STEP, `the restored copy could not take the name "${name}": ${error.message}; the target was renamed back and is as it was${dropped ? '' : `, the copy stays as "${scratch}"`}`, error);
    }
    await runDir?.forget(swap_scratchKey(scratch));
    await allowConnections(admin, name, allowed);
    log(`Restored into "${name}" (scratch copy checked, then renamed in; the previous database renamed aside)`);
    // 4. The previous target, now that the copy holds its name.
    let previousKept;
    await swap_endSessions(admin, aside);
    try {
        await admin.query(`DROP DATABASE ${quoteIdent(aside)}`);
    }
    catch (error) {
        previousKept = aside;
        log(`The previous "${name}" could not be dropped and is kept as "${aside}" (${error.message}): drop it once the restore is confirmed`);
    }
    await runDir?.forget('swap');
    return { previousKept };
}
/** The scratch database's ledger key (written before CREATE DATABASE, removed once it is gone or renamed). */
function swap_scratchKey(scratch) {
    return `scratch-${scratch.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}
async function renameOrDrop(admin, runDir, from, to) {
    try {
        await admin.query(`ALTER DATABASE ${quoteIdent(from)} RENAME TO ${quoteIdent(to)}`);
    }
    catch (error) {
        const dropped = await swap_dropScratch(admin, from, runDir);
        throw stepError(STEP, `the restored copy could not take the name "${to}": ${error.message}${dropped ? '' : `; the copy stays as "${from}"`}`, error);
    }
    await runDir?.forget(swap_scratchKey(from));
}
async function allowConnections(admin, database, allowed) {
    try {
        await admin.query(`ALTER DATABASE ${quoteIdent(database)} WITH ALLOW_CONNECTIONS ${allowed}`);
    }
    catch (error) {
        throw stepError(STEP, `could not set ALLOW_CONNECTIONS ${allowed} on "${database}": ${error.message}`, error);
    }
}
/**
 * Ends every other session on `database` that this role may end; returns those it could not
 * (a superuser's, another role's without pg_signal_backend), as `user application@address`.
 * The rename or drop that follows waits up to 5 s for ended sessions to go (CountOtherDBBackends).
 */
async function swap_endSessions(admin, database) {
    const sessions = await admin.query(
    // client_addr and client_port read null for other roles' sessions without pg_read_all_stats.
    `SELECT pid, usename || ' ' || coalesce(nullif(application_name, ''), 'unnamed') || '@' ||
            coalesce(host(client_addr), CASE client_port WHEN -1 THEN 'local' END, 'address hidden') AS who
       FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [database]);
    const stuck = [];
    for (const session of sessions.rows) {
        const ended = await admin.query('SELECT pg_terminate_backend($1) AS ok', [session.pid]).then((r) => r.rows[0]?.ok !== false, () => false);
        // false also when the session ended by itself between the listing and the signal (a pg_restore
        // that just finished): only one still listed is in the way.
        if (!ended && (await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [session.pid])).rows.length > 0)
            stuck.push(session.who);
    }
    return stuck;
}
/** Ends every session with this application_name (one pg_restore's, a worker's too); returns how many. */
async function swap_endSessionsNamed(client, applicationName) {
    const result = await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()', [applicationName]);
    return result.rows.length;
}
/** Drops a scratch database (ending its sessions first); false when it could not. */
async function swap_dropScratch(admin, scratch, runDir) {
    await swap_endSessions(admin, scratch).catch(() => []);
    try {
        await admin.query(`DROP DATABASE IF EXISTS ${(0,postgres_connect/* quoteIdent */.v4)(scratch)}`);
    }
    catch {
        return false;
    }
    await runDir?.forget(swap_scratchKey(scratch));
    return true;
}
/**
 * What a killed run left, undone from its ledger (backup-db's post step): a target renamed aside
 * takes its name back (or, when the copy already holds it, is kept and named); scratch databases
 * are dropped. Returns a line per thing done or left.
 */
async function recoverSwap(admin, entry) {
    const present = async (db) => (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db])).rows.length > 0;
    const [target, aside] = [await present(entry.target), await present(entry.aside)];
    if (!aside)
        return `"${entry.target}": the interrupted swap had not renamed it, or had finished`;
    if (!target) {
        await admin.query(`ALTER DATABASE ${quoteIdent(entry.aside)} RENAME TO ${quoteIdent(entry.target)}`);
        await allowConnections(admin, entry.target, entry.allowConnections);
        return `"${entry.target}" was renamed aside by the interrupted restore and has its name back, as it was`;
    }
    await allowConnections(admin, entry.target, entry.allowConnections);
    return `"${entry.target}" holds the restored copy (checked before the swap, but no manifest was written); the previous database is kept as "${entry.aside}": drop it once the restore is confirmed`;
}

;// CONCATENATED MODULE: ./build/database/postgres/lock-watch.js



async function lock_watch_watchLocks(target, applicationName, timeoutMs) {
    const client = await connect(target, 'watching the restore\'s locks');
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
            await sleep(every);
        }
    })().catch(() => { });
    return {
        blockedBy: () => blockedBy,
        async end() {
            stopped = true;
            await loop;
            await endSessionsNamed(client, applicationName).catch(() => { });
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

;// CONCATENATED MODULE: ./build/database/postgres/restore.js















async function restorePostgres(options) {
    const log = options.log ?? (() => { });
    const startedAt = new Date();
    const target = options.target;
    const name = target.db.database;
    // swap checks the checksums while pg_restore fills the scratch database (swapRestore awaits
    // them before the target changes); clean writes the target itself, so it checks them first.
    const archive = await openArchive({
        manifestPath: options.manifestPath, manifestInput: 'manifest', encryption: options.encryption, workDir: options.workDir, runDir: options.runDir, signal: options.signal, log,
        deferChecksums: options.method === 'swap' && !options.dryRun,
    });
    try {
        const source = archive.manifest;
        const maintenance = withDatabase(target, options.maintenanceDatabase ?? 'postgres');
        const admin = await connect(maintenance, 'connecting to the target server');
        let tools;
        let targetIdentity;
        let checked;
        let previousKept;
        let live = [];
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
            live = exists ? await liveConnections(admin, name) : [];
            if (live.length > 0 && !options.allowLiveConnections) {
                throw inputError('allow-live-connections', `the target database "${name}" has ${live.length} live connection(s) (${live.slice(0, 5).join(', ')}); stop the Kong nodes using it, or set allow-live-connections: true to disconnect them`);
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
                const stuck = await endSessions(admin, name);
                if (stuck.length > 0)
                    throw stepError('disconnecting the target\'s sessions', `${stuck.length} session(s) on "${name}" could not be ended (${stuck.join(', ')}); nothing was restored. End them (or grant the restoring role pg_signal_backend) and restore again`);
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
            throw stepError('checking the restored database', `it differs from the manifest: ${differences.join('; ')}`);
        }
        log(`Fingerprint of ${describeDatabase(target.db)} equals the backup's (${after.entities.fingerprint.digest.slice(0, 16)}…)`);
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
        const manifestPath = path.join(archive.folder, `restored-${safe(target.db.host)}-${target.db.port}-${safe(name)}.manifest.json`);
        await writeManifestAtomically(manifestPath, manifest);
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
    const differences = compareFingerprints(manifest.fingerprint, facts.entities.fingerprint);
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
    await options.runDir?.note(scratchKey(scratch), { kind: 'scratch-database', host, port, database: scratch });
    try {
        await admin.query(`CREATE DATABASE ${quoteIdent(scratch)} TEMPLATE template0`);
    }
    catch (error) {
        await options.runDir?.forget(scratchKey(scratch));
        throw stepError('creating the scratch database', `${error.message}; the role needs CREATEDB for restore-method swap, or use restore-method clean`, error);
    }
    const scratchTarget = withDatabase(options.target, scratch);
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
            throw stepError('checking the restored copy', `it differs from the manifest, the target was left as it was: ${differences.join('; ')}`);
        }
    }
    catch (error) {
        // A stopped pg_restore's sessions may still be ending; dropScratch ends them first.
        const dropped = await dropScratch(admin, scratch, options.runDir);
        if (!dropped)
            log(`The scratch database "${scratch}" could not be dropped: drop it by hand`);
        throw error;
    }
    const { previousKept } = await swapIn(admin, { host, port, name, scratch, exists, disconnect: options.allowLiveConnections, aside: scratchName(name, 'previous') }, options.runDir, log);
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
            throw inputError('lock-timeout', `another session held a lock pg_restore needed for more than ${lockTimeout(options) / 1000} s (${blockedBy}); ${state}. Stop the clients of "${name}" (allow-live-connections: true ends the sessions present when the restore starts), or raise lock-timeout`, error);
        }
        const detail = error instanceof UpgradeError ? error.message : error.message;
        throw stepError('restore-method clean', `${options.signal?.aborted ? 'cancelled' : detail}; ${state}`, error);
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
        args: ['--no-password', '--no-owner', '--no-acl', '--exit-on-error', ...(run.onLine ? ['--verbose'] : []), (0,postgres_connect/* dbnameArgument */.hn)(target.db.database), ...run.extra, dumpPath],
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
        const connection = (0,postgres_connect/* libpqFailure */.Vz)(target, stderr);
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
    return (0,postgres_connect/* withClient */.SV)(target, 'reading the fingerprint', async (client) => {
        await client.query(fingerprint_SCAN_SETTINGS.join('; '));
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const schemaMeta = await schema_meta_readSchemaMeta(client);
        const entities = await fingerprint_readEntityFacts(client, algorithm);
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

;// CONCATENATED MODULE: ./build/database/postgres/verify.js










/** Checksums, `pg_restore --list`, and optionally a trial restore whose fingerprint must match. */
async function verifyBackup(options) {
    const log = options.log ?? (() => { });
    const archive = await archive_openArchive({ manifestPath: options.manifestPath, manifestInput: 'manifest', encryption: options.encryption, workDir: options.workDir, runDir: options.runDir, signal: options.signal, log });
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
        await options.runDir?.note(swap_scratchKey(scratch), { kind: 'scratch-database', host: server.db.host, port: server.db.port, database: scratch });
        await (0,postgres_connect/* withClient */.SV)(server, 'creating the scratch database', (c) => c.query(`CREATE DATABASE ${(0,postgres_connect/* quoteIdent */.v4)(scratch)} TEMPLATE template0`));
        try {
            const scratchTarget = (0,postgres_connect/* withDatabase */.kR)(server, scratch);
            const facts = await restoreAndReadFacts(tools, archive.dumpPath, scratchTarget, options.jobs ?? 1, manifest.fingerprint.algorithm, options.signal, log, options.runDir);
            const differences = (0,database_manifest/* compareFingerprints */.tS)(manifest.fingerprint, facts.entities.fingerprint);
            if (differences.length > 0)
                throw (0,errors/* stepError */.hH)('trial restore', `the restored copy's fingerprint differs from the manifest: ${differences.join('; ')}`);
            log(`Trial restore on ${(0,connection/* describeDatabase */.DZ)(scratchTarget.db)}: fingerprint equals the manifest's`);
        }
        finally {
            const dropped = await (0,postgres_connect/* withClient */.SV)(server, 'dropping the scratch database', (c) => swap_dropScratch(c, scratch, options.runDir)).catch(() => false);
            if (!dropped)
                log(`The scratch database "${scratch}" could not be dropped: drop it by hand`);
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
    return (0,database_manifest/* compareFingerprints */.tS)(manifest.fingerprint, facts.entities.fingerprint);
}


/***/ })

};
