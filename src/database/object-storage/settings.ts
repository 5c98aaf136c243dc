import { inputError } from '../../lib/errors.js';
import { maskSecret, readBoolean, readEnum, readHttpUrl, readString, type InputSource } from '../../lib/inputs.js';

/**
 * How to reach an S3-API store (AWS S3, GCS's XML API, MinIO, Ceph RGW) and what to ask of it.
 * No secret in here: credentials are read from the environment when the client is made
 * (client.ts), as aws-actions/configure-aws-credentials leaves them.
 */
export interface ObjectStorageSettings {
  /** Another store than AWS S3 (e.g. https://storage.googleapis.com, http://minio:9000); undefined: AWS. */
  readonly endpoint: string | undefined;
  readonly region: string;
  /** `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key` (MinIO, Ceph). */
  readonly forcePathStyle: boolean;
  /** `default`: the bucket's own encryption; `AES256`: SSE-S3; `aws:kms`: SSE-KMS with kmsKeyId (or the AWS managed key). */
  readonly serverSideEncryption: 'default' | 'AES256' | 'aws:kms';
  readonly kmsKeyId: string | undefined;
  /**
   * `SHA256`: each part's SHA-256 goes with it (x-amz-checksum-sha256) for the store to check
   * before it accepts it, and downloads ask for the stored checksums back. `none` for stores
   * that refuse the flexible-checksum headers; the manifest's SHA-256 is checked on download either way.
   */
  readonly checksum: 'SHA256' | 'none';
}

/** The `s3-*` inputs, with the region from AWS_REGION / AWS_DEFAULT_REGION when s3-region is not given. */
export function readObjectStorageSettings(source: InputSource, env: NodeJS.ProcessEnv): ObjectStorageSettings {
  const endpoint = readHttpUrl(source, 's3-endpoint');
  const region = readString(source, 's3-region') ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? (endpoint === undefined ? undefined : 'us-east-1');
  if (region === undefined) throw inputError('s3-region', 'is required for object storage on AWS when neither AWS_REGION nor AWS_DEFAULT_REGION is set (aws-actions/configure-aws-credentials sets AWS_REGION), e.g. eu-west-1');
  if (!/^[a-z0-9-]{1,40}$/.test(region)) throw inputError('s3-region', `"${region}" is not a region name (lowercase letters, digits and -, e.g. eu-west-1)`);
  const kmsKeyId = readString(source, 's3-kms-key-id');
  // s3-sse's default (action.yml gives it) with a KMS key means that key.
  const given = readEnum(source, 's3-sse', ['default', 'AES256', 'aws:kms'] as const, 'default');
  const sse = kmsKeyId !== undefined && given === 'default' ? 'aws:kms' : given;
  if (kmsKeyId !== undefined && sse === 'AES256') throw inputError('s3-kms-key-id', 'goes with s3-sse aws:kms (or default), not AES256');
  if (kmsKeyId !== undefined && !/^[A-Za-z0-9:/_.-]{1,2048}$/.test(kmsKeyId)) throw inputError('s3-kms-key-id', 'is not a KMS key id, key ARN, alias (alias/name) or alias ARN');
  maskCredentials(source, env);
  return {
    endpoint,
    region,
    forcePathStyle: readBoolean(source, 's3-force-path-style', false),
    serverSideEncryption: sse,
    kmsKeyId,
    checksum: readEnum(source, 's3-checksum', ['SHA256', 'none'] as const, 'SHA256'),
  };
}

/** The secret halves of the environment's credentials, masked before anything can print them. */
function maskCredentials(source: InputSource, env: NodeJS.ProcessEnv): void {
  for (const name of ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const) {
    const value = nonEmpty(env[name]);
    if (value !== undefined) maskSecret(source, value);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
