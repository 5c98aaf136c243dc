import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { inputError, stepError, UpgradeError } from '../../lib/errors.js';
import { formatS3Url, type ObjectLocation } from './location.js';
import type { ObjectStorageSettings } from './settings.js';

// The SDK is loaded on first use: a backup to a folder, and every other mode, never needs it, and
// it is a large part of a bundle whose start-up time every step pays (bench/backup.mjs).
type Sdk = typeof import('@aws-sdk/client-s3');
let sdkLoading: Promise<Sdk> | undefined;
const loadSdk = (): Promise<Sdk> => (sdkLoading ??= import('@aws-sdk/client-s3'));

/** A part as UploadPart acknowledged it. */
export interface UploadedPart {
  readonly partNumber: number;
  readonly etag: string;
  /** Base64 SHA-256 the store answered with, when it answers with one. */
  readonly checksumSHA256: string | undefined;
}

/**
 * The few S3 calls a backup makes, each failure turned into an error naming `input` (the input
 * that named the location) or the credentials, never the SDK's bare exception. Headers of the
 * flexible checksums and of server-side encryption are set here, from the settings, so that
 * every object written is written alike.
 */
export class ObjectStore {
  private constructor(
    private readonly sdk: Sdk,
    private readonly client: S3Client,
    readonly settings: ObjectStorageSettings,
    /** The input that named the bucket, for errors. */
    readonly input: string,
  ) {}

  static async open(settings: ObjectStorageSettings, input: string, env: NodeJS.ProcessEnv = process.env): Promise<ObjectStore> {
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
      const sha256 = (args.input as { ChecksumSHA256?: string }).ChecksumSHA256;
      const request = args.request as { headers?: Record<string, string> };
      if (sha256 !== undefined && request.headers) request.headers['x-amz-content-sha256'] = Buffer.from(sha256, 'base64').toString('hex');
      return next(args);
    }, { step: 'build', name: 'kongUpgradePayloadHash' });
    return new ObjectStore(sdk, client, settings, input);
  }

  /** True when nothing lies under the prefix `location/`. */
  async isEmpty(location: ObjectLocation): Promise<boolean> {
    const answer = await this.call(`listing ${formatS3Url(location)}/`, () => this.client.send(new this.sdk.ListObjectsV2Command({ Bucket: location.bucket, Prefix: `${location.key}/`, MaxKeys: 1 })));
    return (answer.KeyCount ?? answer.Contents?.length ?? 0) === 0;
  }

  async exists(location: ObjectLocation): Promise<boolean> {
    try {
      await this.client.send(new this.sdk.HeadObjectCommand({ Bucket: location.bucket, Key: location.key }));
      return true;
    } catch (error) {
      if (status(error) === 404) return false;
      throw this.failure(error, `reading ${formatS3Url(location)}`);
    }
  }

  /** A small object in one request (the manifest), with its SHA-256 for the store to check. */
  async put(location: ObjectLocation, body: Buffer, sha256Base64: string, contentType: string): Promise<void> {
    await this.call(`writing ${formatS3Url(location)}`, () => this.client.send(new this.sdk.PutObjectCommand({
      Bucket: location.bucket, Key: location.key, Body: body, ContentType: contentType, ContentLength: body.length,
      ...this.checksumOf(sha256Base64), ...this.encryption(),
    })));
  }

  /** The object's bytes as a stream; with s3-checksum SHA256 the SDK also checks a whole-object checksum the store answers with. */
  async get(location: ObjectLocation): Promise<{ body: Readable; sizeBytes: number | undefined }> {
    const answer = await this.call(`reading ${formatS3Url(location)}`, () => this.client.send(new this.sdk.GetObjectCommand({
      Bucket: location.bucket, Key: location.key, ...(this.settings.checksum === 'SHA256' && { ChecksumMode: 'ENABLED' }),
    })));
    return { body: answer.Body as Readable, sizeBytes: answer.ContentLength };
  }

  async delete(location: ObjectLocation): Promise<void> {
    await this.call(`deleting ${formatS3Url(location)}`, () => this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: location.bucket, Key: location.key })));
  }

  async createUpload(location: ObjectLocation, contentType: string): Promise<string> {
    const answer = await this.call(`starting the upload of ${formatS3Url(location)}`, () => this.client.send(new this.sdk.CreateMultipartUploadCommand({
      Bucket: location.bucket, Key: location.key, ContentType: contentType,
      ...(this.settings.checksum === 'SHA256' && { ChecksumAlgorithm: 'SHA256' }), ...this.encryption(),
    })));
    if (!answer.UploadId) throw stepError('object storage', `the store started the upload of ${formatS3Url(location)} without an upload id`);
    return answer.UploadId;
  }

  async uploadPart(location: ObjectLocation, uploadId: string, partNumber: number, body: Buffer, sha256Base64: string, signal: AbortSignal): Promise<UploadedPart> {
    const answer = await this.call(`uploading part ${partNumber} of ${formatS3Url(location)}`, () => this.client.send(new this.sdk.UploadPartCommand({
      Bucket: location.bucket, Key: location.key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: body.length,
      ...this.checksumOf(sha256Base64),
      // SSE-C is the only encryption UploadPart repeats; SSE-S3 and SSE-KMS were set at the start.
    }), { abortSignal: signal }));
    return { partNumber, etag: answer.ETag ?? '', checksumSHA256: answer.ChecksumSHA256 };
  }

  /** Completes the upload; returns the checksum of the whole object the store computed, if it says. */
  async completeUpload(location: ObjectLocation, uploadId: string, parts: readonly UploadedPart[], partSha256: readonly string[]): Promise<string | undefined> {
    const answer = await this.call(`completing the upload of ${formatS3Url(location)}`, () => this.client.send(new this.sdk.CompleteMultipartUploadCommand({
      Bucket: location.bucket, Key: location.key, UploadId: uploadId,
      MultipartUpload: { Parts: parts.map((part, i) => ({ PartNumber: part.partNumber, ETag: part.etag, ...(this.settings.checksum === 'SHA256' && { ChecksumSHA256: partSha256[i] }) })) },
    })));
    return answer.ChecksumSHA256;
  }

  /** Aborts an unfinished upload: the store drops its parts. True when there was one to abort. */
  async abortUpload(location: ObjectLocation, uploadId: string): Promise<boolean> {
    try {
      await this.client.send(new this.sdk.AbortMultipartUploadCommand({ Bucket: location.bucket, Key: location.key, UploadId: uploadId }));
      return true;
    } catch (error) {
      if (status(error) === 404) return false;
      throw this.failure(error, `aborting the upload of ${formatS3Url(location)}`);
    }
  }

  close(): void {
    this.client.destroy();
  }

  private checksumOf(sha256Base64: string): Record<string, string> {
    return this.settings.checksum === 'SHA256' ? { ChecksumAlgorithm: 'SHA256', ChecksumSHA256: sha256Base64 } : {};
  }

  private encryption(): Record<string, string> {
    const { serverSideEncryption: sse, kmsKeyId } = this.settings;
    if (sse === 'default') return {};
    return { ServerSideEncryption: sse, ...(kmsKeyId !== undefined && { SSEKMSKeyId: kmsKeyId }) };
  }

  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw this.failure(error, what);
    }
  }

  /** The SDK's error as ours: what the operator must change, named. */
  failure(error: unknown, what: string): UpgradeError {
    if (error instanceof UpgradeError) return error;
    const e = error as { name?: string; message?: string; code?: string };
    const name = e.name ?? 'Error';
    const where = this.settings.endpoint ?? `AWS S3 (${this.settings.region})`;
    const detail = `${what} at ${where}: ${name}${e.message && e.message !== name ? ` (${e.message})` : ''}`;
    if (name === 'CredentialsProviderError') {
      return stepError('object storage credentials', `${detail}; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) in the environment, as aws-actions/configure-aws-credentials does, or run where the SDK finds a role`);
    }
    if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired'].includes(name)) {
      return stepError('object storage credentials', `${detail}: the credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN are not accepted`);
    }
    if (name.startsWith('KMS.') || /kms/i.test(e.message ?? '')) return inputError('s3-kms-key-id', `${detail}: the KMS key cannot be used by these credentials (or does not exist)`);
    if (name === 'NoSuchBucket') return inputError(this.input, `${detail}: the bucket does not exist`);
    if (name === 'AccessDenied' || status(error) === 403) return inputError(this.input, `${detail}: access denied to these credentials`);
    if (name === 'NoSuchKey' || status(error) === 404) return inputError(this.input, `${detail}: no such object`);
    if (name === 'InvalidRequest' && /checksum/i.test(e.message ?? '')) return inputError('s3-checksum', `${detail}: this store refuses the flexible-checksum headers; set s3-checksum: none`);
    if (name === 'BadDigest' || name === 'InvalidDigest' || /checksum/i.test(name)) return stepError('object storage', `${detail}: what arrived is not what was sent; nothing was kept`);
    if (e.code !== undefined && /^E[A-Z]+$/.test(e.code)) return stepError('object storage', `${detail}: cannot reach the store (${e.code}); check s3-endpoint and the network`);
    return stepError('object storage', detail, error);
  }
}

function status(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}
