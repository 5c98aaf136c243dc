import { inputError } from '../../lib/errors.js';
import { quote } from '../../lib/json-shape.js';

/** An object, or a prefix of objects, in an S3-API bucket: `s3://bucket/key`. */
export interface ObjectLocation {
  readonly bucket: string;
  /** No leading or trailing `/`; empty for the bucket's root. */
  readonly key: string;
}

const S3_SCHEME = 's3://';

export function isS3Url(value: string): boolean {
  return value.startsWith(S3_SCHEME);
}

/**
 * `s3://bucket/prefix`, checked before any request: a bucket name by the S3 rules (3-63
 * lowercase letters, digits, `.` and `-`, starting and ending with a letter or digit), and a key
 * of `/`-separated names, none empty, `.` or `..` (the manifest's relative paths are joined to
 * it, so a key must mean one place), without control characters, at most 1024 bytes with room
 * for the file names below it.
 */
export function parseS3Url(value: string, input: string): ObjectLocation {
  const allowed = 's3://bucket or s3://bucket/prefix (a bucket name of 3-63 lowercase letters, digits, "." and "-"; a prefix of /-separated names, none empty, "." or "..")';
  if (!isS3Url(value)) throw inputError(input, `${quote(value)} is not an S3 URL; expected ${allowed}`);
  const rest = value.slice(S3_SCHEME.length).replace(/\/+$/, '');
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const key = slash === -1 ? '' : rest.slice(slash + 1);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..')) {
    throw inputError(input, `${quote(value)}: ${quote(bucket)} is not a bucket name; expected ${allowed}`);
  }
  if (/\p{Cc}/u.test(key) || Buffer.byteLength(key) > 900 || (key !== '' && key.split('/').some((part) => part === '' || part === '.' || part === '..'))) {
    throw inputError(input, `${quote(value)}: the prefix ${quote(key)} is not allowed; expected ${allowed}, at most 900 bytes`);
  }
  return { bucket, key };
}

export function formatS3Url(location: ObjectLocation): string {
  return `${S3_SCHEME}${location.bucket}${location.key === '' ? '' : `/${location.key}`}`;
}

/** The object `name` (a relative `/`-separated path) below `location`. */
export function below(location: ObjectLocation, name: string): ObjectLocation {
  return { bucket: location.bucket, key: location.key === '' ? name : `${location.key}/${name}` };
}

/** The prefix an object lies under: `s3://b/p/manifest.json` → `s3://b/p`. */
export function parentOf(location: ObjectLocation): ObjectLocation {
  const slash = location.key.lastIndexOf('/');
  return { bucket: location.bucket, key: slash === -1 ? '' : location.key.slice(0, slash) };
}
