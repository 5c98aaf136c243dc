export const id = 238;
export const ids = [238];
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

/***/ 2238:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   fetchBackup: () => (/* binding */ fetchBackup)
/* harmony export */ });
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3024);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(1455);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(8161);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(6760);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(7075);
/* harmony import */ var node_stream_promises__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(6466);
/* harmony import */ var _lib_errors_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(1469);
/* harmony import */ var _lib_json_shape_js__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(3664);
/* harmony import */ var _manifest_js__WEBPACK_IMPORTED_MODULE_9__ = __webpack_require__(3387);
/* harmony import */ var _client_js__WEBPACK_IMPORTED_MODULE_10__ = __webpack_require__(8907);
/* harmony import */ var _location_js__WEBPACK_IMPORTED_MODULE_11__ = __webpack_require__(323);












/** A manifest is a few kB (a fingerprint line per table): more is not one. */
const MANIFEST_MAX_BYTES = 16 << 20;
/**
 * verify and restore with `manifest: s3://bucket/prefix/manifest.json`: the manifest is read and
 * checked like a file's (lib/json-shape.ts), then each file it lists is downloaded into the run's
 * private folder while its SHA-256 and size are computed; one that differs from the manifest is
 * refused and removed before anything reads it. The store's own checksums are asked for and
 * checked by the SDK where it keeps whole-object ones (s3-checksum SHA256).
 */
async function fetchBackup(url, settings, input, runDir, log) {
    const location = (0,_location_js__WEBPACK_IMPORTED_MODULE_11__/* .parseS3Url */ .F$)(url, input);
    const store = await _client_js__WEBPACK_IMPORTED_MODULE_10__/* .ObjectStore */ .L.open(settings, input);
    let folder;
    try {
        const manifestBytes = await download(store, location, MANIFEST_MAX_BYTES);
        let data;
        try {
            data = JSON.parse(manifestBytes.toString('utf8'));
        }
        catch (error) {
            throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_7__/* .inputError */ .Xu)(input, `${url} is not JSON: ${error.message}`, error);
        }
        const manifest = (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_8__/* .checkContract */ .nb)(data, url, input, [_manifest_js__WEBPACK_IMPORTED_MODULE_9__/* .BACKUP_MANIFEST */ .DB]);
        folder = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.mkdtemp)(node_path__WEBPACK_IMPORTED_MODULE_4__.join(runDir?.path ?? node_os__WEBPACK_IMPORTED_MODULE_3__.tmpdir(), 'kong-s3-'));
        const prefix = (0,_location_js__WEBPACK_IMPORTED_MODULE_11__/* .parentOf */ .gN)(location);
        for (const file of manifest.files)
            await downloadChecked(store, (0,_location_js__WEBPACK_IMPORTED_MODULE_11__/* .below */ .Gz)(prefix, file.path), node_path__WEBPACK_IMPORTED_MODULE_4__.join(folder, file.path), file, input);
        const manifestPath = node_path__WEBPACK_IMPORTED_MODULE_4__.join(folder, node_path__WEBPACK_IMPORTED_MODULE_4__.posix.basename(location.key));
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.writeFile)(manifestPath, manifestBytes, { flag: 'wx' });
        log(`Downloaded ${manifest.files.length} file(s), ${manifest.archive.sizeBytes} bytes, from ${(0,_location_js__WEBPACK_IMPORTED_MODULE_11__/* .formatS3Url */ .LL)(prefix)}: sizes and SHA-256 match the manifest`);
        const local = folder;
        return {
            manifestPath,
            async putBeside(file) {
                const body = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.readFile)(file);
                const target = (0,_location_js__WEBPACK_IMPORTED_MODULE_11__/* .below */ .Gz)(prefix, node_path__WEBPACK_IMPORTED_MODULE_4__.basename(file));
                await store.put(target, body, (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256').update(body).digest('base64'), 'application/json');
                return (0,_location_js__WEBPACK_IMPORTED_MODULE_11__/* .formatS3Url */ .LL)(target);
            },
            async close() {
                store.close();
                await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.rm)(local, { recursive: true, force: true });
            },
        };
    }
    catch (error) {
        store.close();
        if (folder !== undefined)
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.rm)(folder, { recursive: true, force: true });
        throw error;
    }
}
async function download(store, location, maxBytes) {
    const { body, sizeBytes } = await store.get(location);
    if (sizeBytes !== undefined && sizeBytes > maxBytes) {
        body.destroy();
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_7__/* .inputError */ .Xu)(store.input, `${(0,_location_js__WEBPACK_IMPORTED_MODULE_11__/* .formatS3Url */ .LL)(location)} is ${sizeBytes} bytes; a manifest is at most ${maxBytes}`);
    }
    const chunks = [];
    try {
        for await (const chunk of body)
            chunks.push(chunk);
    }
    catch (error) {
        throw refused(store, location, error);
    }
    return Buffer.concat(chunks);
}
/** One file of the archive to `target`, refused (and removed) unless its size and SHA-256 are the manifest's. */
async function downloadChecked(store, location, target, expected, input) {
    const { body, sizeBytes } = await store.get(location);
    const url = (0,_location_js__WEBPACK_IMPORTED_MODULE_11__/* .formatS3Url */ .LL)(location);
    if (sizeBytes !== undefined && sizeBytes !== expected.sizeBytes) {
        body.destroy();
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_7__/* .inputError */ .Xu)(input, `${url} is ${sizeBytes} bytes, the manifest says ${expected.sizeBytes}: the archive in the bucket is damaged or altered; refused`);
    }
    const hash = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256');
    let size = 0;
    const count = new node_stream__WEBPACK_IMPORTED_MODULE_5__.Transform({
        transform(chunk, _encoding, done) {
            hash.update(chunk);
            size += chunk.length;
            done(null, chunk);
        },
    });
    await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.mkdir)(node_path__WEBPACK_IMPORTED_MODULE_4__.dirname(target), { recursive: true });
    try {
        await (0,node_stream_promises__WEBPACK_IMPORTED_MODULE_6__.pipeline)(body, count, (0,node_fs__WEBPACK_IMPORTED_MODULE_1__.createWriteStream)(target, { flags: 'wx' }));
    }
    catch (error) {
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.rm)(target, { force: true });
        throw refused(store, location, error);
    }
    const sha256 = hash.digest('hex');
    if (size !== expected.sizeBytes || sha256 !== expected.sha256) {
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.rm)(target, { force: true });
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_7__/* .inputError */ .Xu)(input, `${url}: ${size} bytes with SHA-256 ${sha256.slice(0, 12)}…, the manifest says ${expected.sizeBytes} bytes with ${expected.sha256.slice(0, 12)}…: the archive in the bucket is damaged or altered; refused`);
    }
}
/** A download that broke off: the SDK's checksum check says the bytes are not what the store holds. */
function refused(store, location, error) {
    const message = error.message ?? '';
    if (/checksum/i.test(message))
        return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_7__/* .inputError */ .Xu)(store.input, `${(0,_location_js__WEBPACK_IMPORTED_MODULE_11__/* .formatS3Url */ .LL)(location)}: the store's checksum does not match what was downloaded (${message}); refused`, error);
    return store.failure(error, `downloading ${(0,_location_js__WEBPACK_IMPORTED_MODULE_11__/* .formatS3Url */ .LL)(location)}`);
}


/***/ })

};
