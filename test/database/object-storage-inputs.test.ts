import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readBackupRequest } from '../../src/database/backup-request.js';
import { parseS3Url } from '../../src/database/object-storage/location.js';
import { readObjectStorageSettings } from '../../src/database/object-storage/settings.js';
import { composite, partSize } from '../../src/database/object-storage/upload.js';

// backup-db's object-storage inputs and the checksum arithmetic: nothing started, nothing reached.
const masked: string[] = [];
const inputs = (values: Record<string, string>) => ({ get: (name: string) => values[name] ?? '', mask: (secret: string) => masked.push(secret) });

describe('object-storage inputs', () => {
  it('parses s3:// URLs and refuses what is not one, naming the input', () => {
    expect(parseS3Url('s3://kong-backups/prod/eu/', 'object-storage')).toEqual({ bucket: 'kong-backups', key: 'prod/eu' });
    expect(parseS3Url('s3://kong-backups', 'object-storage')).toEqual({ bucket: 'kong-backups', key: '' });
    expect(() => parseS3Url('https://kong-backups/prod', 'object-storage')).toThrow(/^input 'object-storage': "https:\/\/kong-backups\/prod" is not an S3 URL/);
    expect(() => parseS3Url('s3://Kong_Backups/prod', 'object-storage')).toThrow(/"Kong_Backups" is not a bucket name/);
    expect(() => parseS3Url('s3://kong-backups/a/../b', 'manifest')).toThrow(/^input 'manifest': .*the prefix "a\/..\/b" is not allowed/);
  });

  it('reads the region from the environment, masks the credentials, and refuses contradictions', () => {
    const env = { AWS_REGION: 'eu-central-1', AWS_SECRET_ACCESS_KEY: 'the-secret-access-key', AWS_SESSION_TOKEN: 'the-session-token' };
    expect(readObjectStorageSettings(inputs({ 's3-kms-key-id': 'alias/kong' }), env)).toEqual({
      endpoint: undefined, region: 'eu-central-1', forcePathStyle: false, serverSideEncryption: 'aws:kms', kmsKeyId: 'alias/kong', checksum: 'SHA256',
    });
    expect(masked).toEqual(['the-secret-access-key', 'the-session-token']);
    expect(() => readObjectStorageSettings(inputs({}), {})).toThrow(/^input 's3-region': is required for object storage on AWS when neither AWS_REGION nor AWS_DEFAULT_REGION is set/);
    expect(readObjectStorageSettings(inputs({ 's3-endpoint': 'http://minio:9000', 's3-force-path-style': 'true' }), {}).region).toBe('us-east-1');
    expect(() => readObjectStorageSettings(inputs({ 's3-sse': 'AES256', 's3-kms-key-id': 'alias/k' }), env)).toThrow("input 's3-kms-key-id': goes with s3-sse aws:kms (or default), not AES256");
    // As the runner passes it: s3-sse at its default from action.yml.
    expect(readObjectStorageSettings(inputs({ 's3-sse': 'default', 's3-kms-key-id': 'alias/k' }), env).serverSideEncryption).toBe('aws:kms');
    expect(() => readObjectStorageSettings(inputs({ 's3-checksum': 'md5' }), env)).toThrow(`input 's3-checksum': "md5" is not one of SHA256, none`);
  });

  it('backup-db: object-storage goes with format custom; a manifest may be an s3:// URL', () => {
    const env = { AWS_REGION: 'eu-west-1', RUNNER_TEMP: '/tmp' };
    const backup = (extra: Record<string, string>) => readBackupRequest(inputs({ 'database-url': 'postgres://u:p@db:5432/kong', 'object-storage': 's3://kong-backups/prod', ...extra }), env);
    expect(() => backup({ format: 'directory' })).toThrow(/^input 'format': is directory; a backup to object-storage is streamed as pg_dump writes it, which only format custom does/);
    const request = backup({});
    expect(request.mode === 'backup' && request.objectStorage?.location).toEqual({ bucket: 'kong-backups', key: 'prod' });
    const verify = readBackupRequest(inputs({ mode: 'verify', manifest: 's3://kong-backups/prod/kong-kong-1/manifest.json' }), env);
    expect(verify.mode === 'verify' && [verify.manifest, verify.objectStorage?.region]).toEqual(['s3://kong-backups/prod/kong-kong-1/manifest.json', 'eu-west-1']);
    const local = readBackupRequest(inputs({ mode: 'verify', manifest: 'backups/manifest.json' }), env);
    expect(local.mode === 'verify' && local.objectStorage).toBeUndefined();
  });

  it('the composite checksum is S3\'s: SHA-256 of the parts\' SHA-256s, then the count', () => {
    const parts = ['a', 'b'].map((text) => createHash('sha256').update(text).digest('base64'));
    const expected = createHash('sha256').update(Buffer.concat(parts.map((p) => Buffer.from(p, 'base64')))).digest('base64');
    expect(composite(parts)).toBe(`${expected}-2`);
    expect([partSize(1), partSize(1000), partSize(1001), partSize(2001)]).toEqual([8 << 20, 8 << 20, 16 << 20, 32 << 20]);
  });
});
