import { inputError } from '../../lib/errors.js';

/**
 * The `compression` input: `auto`, `none`, `gzip`, `lz4`, `zstd`, optionally `:level`, or a
 * bare level 0-9 (gzip, as `pg_dump -Z`). lz4 and zstd need pg_dump 16+ (METHOD:DETAIL syntax
 * arrived in PostgreSQL 16; 15 only has `-Z 0-9`, gzip).
 *
 * `auto` is the fast setting: gzip level 1 (Z1), or zstd level 1 on 16+. pg_dump's default
 * (gzip 6, what `pg_dump -Fc` does) spends most of a dump's time compressing: on an 855 MB
 * Kong-shaped database -Fc took 12.7 s, -Fc -Z 1 5.4 s for a 6% larger file (issue 5).
 */
export interface Compression {
  readonly method: 'none' | 'gzip' | 'lz4' | 'zstd';
  readonly level: number | undefined;
}

export function parseCompression(text: string, clientMajor: number): Compression {
  const value = text.trim().toLowerCase();
  if (value === '' || value === 'auto') {
    return clientMajor >= 16 ? { method: 'zstd', level: 1 } : { method: 'gzip', level: 1 };
  }
  if (/^\d$/.test(value)) return value === '0' ? { method: 'none', level: undefined } : { method: 'gzip', level: Number(value) };
  const match = /^(none|gzip|lz4|zstd)(?::(\d{1,2}))?$/.exec(value);
  if (!match) throw inputError('compression', `"${text}" is not one of auto, none, gzip, lz4, zstd (optionally :level, e.g. gzip:1), or a level 0-9`);
  const method = match[1] as Compression['method'];
  const level = match[2] === undefined ? undefined : Number(match[2]);
  if ((method === 'lz4' || method === 'zstd') && clientMajor < 16) {
    throw inputError('compression', `${method} needs pg_dump 16 or newer; this pg_dump is ${clientMajor} (use gzip:1, or auto)`);
  }
  if (method === 'gzip' && level !== undefined && (level < 1 || level > 9)) throw inputError('compression', `gzip level ${level} is not 1-9`);
  return { method, level };
}

export function formatCompression(c: Compression): string {
  return c.level === undefined ? c.method : `${c.method}:${c.level}`;
}

export function compressionArgs(c: Compression, clientMajor: number): string[] {
  if (clientMajor < 16) {
    if (c.method === 'none') return ['--compress=0'];
    return [`--compress=${c.level ?? 6}`];
  }
  return [`--compress=${formatCompression(c)}`];
}
