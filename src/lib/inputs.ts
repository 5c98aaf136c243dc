import { inputError } from './errors.js';
import { hasControl } from './log-text.js';

/**
 * Where inputs come from: the action runner (`core.getInput`) or the CLI's flags. `mask` is
 * called on every secret before anything else happens, so no log line can show it.
 */
export interface InputSource {
  /** The raw value, '' when the input is not set. */
  get(name: string): string;
  mask(secret: string): void;
}

/**
 * `source` with an action's defaults (its manifest's, through the generated inputs module): an
 * input left empty reads as its default, as the runner passes the default for an input `with:`
 * leaves out. So a default exists once, and an action, the CLI and promote's in-process smoke
 * gate all read the same one.
 */
export function withDefaults(source: InputSource, defaults: Readonly<Record<string, string>>): InputSource {
  return {
    get(name) {
      const value = source.get(name);
      return value.trim() === '' ? (defaults[name] ?? value) : value;
    },
    mask: (secret) => source.mask(secret),
  };
}

export function readString(source: InputSource, name: string): string | undefined {
  const value = source.get(name).trim();
  return value === '' ? undefined : value;
}

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

export function readBoolean(source: InputSource, name: string, fallback: boolean): boolean {
  const value = readString(source, name);
  if (value === undefined) return fallback;
  const lower = value.toLowerCase();
  if (TRUE.has(lower)) return true;
  if (FALSE.has(lower)) return false;
  throw inputError(name, `"${value}" is not a boolean; use true or false`);
}

export function readEnum<T extends string>(
  source: InputSource,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = readString(source, name);
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw inputError(name, `"${value}" is not one of ${allowed.join(', ')}`);
}

/** Newline- or comma-separated, trimmed, empties dropped. */
export function readList(source: InputSource, name: string): string[] {
  return parseList(source.get(name));
}

function parseList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Durations as `500ms`, `30s`, `5m`, `1h`, or combined `1m30s`; returns milliseconds. */
export function parseDuration(text: string, name: string): number {
  const trimmed = text.trim();
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (trimmed === '' || parts.map((p) => p[0]).join('') !== trimmed) {
    throw inputError(name, `"${text}" is not a duration; use forms like 30s, 5m, 1h or 1m30s`);
  }
  return parts.reduce((total, [, amount, unit]) => total + Number(amount) * DURATION_UNITS[unit!]!, 0);
}

export function readDuration(source: InputSource, name: string, fallback: string): number {
  return parseDuration(readString(source, name) ?? fallback, name);
}

export function readPositiveInteger(source: InputSource, name: string, fallback: number): number {
  const value = readString(source, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw inputError(name, `"${value}" is not a positive whole number`);
  }
  return Number(value);
}

/** A secret input: masked before it is returned, so nothing later can print it. */
export function readSecret(source: InputSource, name: string): string | undefined {
  const value = readString(source, name);
  if (value !== undefined) maskSecret(source, value);
  return value;
}

/**
 * Masks a secret, and each line of a multi-line one on its own: the runner masks within one
 * log line, so a value with a line break is only hidden line by line. Lines under 4 characters
 * are left: masking `=` or `--` would blank them in every log line.
 */
export function maskSecret(source: Pick<InputSource, 'mask'>, secret: string): void {
  source.mask(secret);
  for (const line of secret.split(/\r\n|\r|\n/)) {
    const trimmed = line.trim();
    if (trimmed !== secret && trimmed.length >= 4) source.mask(trimmed);
  }
}

/**
 * A path input: one line (a line break would split every log line that shows it), at most
 * PATH_MAX (4096) bytes with names of at most NAME_MAX (255), checked before any file call,
 * which would fail with an ENAMETOOLONG that names no input.
 */
export function readPath(source: InputSource, name: string): string | undefined {
  const value = readString(source, name);
  if (value === undefined) return undefined;
  if (hasControl(value)) throw inputError(name, 'holds a line break or another control character; give one line');
  const allowed = 'expected a path of at most 4096 bytes, each name at most 255';
  if (Buffer.byteLength(value) > 4096) throw inputError(name, `is ${Buffer.byteLength(value)} bytes long; ${allowed}`);
  const long = value.split('/').find((part) => Buffer.byteLength(part) > 255);
  if (long !== undefined) throw inputError(name, `has a name of ${Buffer.byteLength(long)} bytes (${JSON.stringify(`${long.slice(0, 40)}…`)}); ${allowed}`);
  return value;
}

/**
 * An http:// or https:// URL, trailing slashes dropped so paths can be appended. Credentials in
 * it (`user:pass@`) are masked and refused: fetch will not send a URL that holds them, and a URL
 * is shown in logs, summaries and reports. The URL parser drops tabs and line breaks, so those
 * are refused before it sees them.
 */
export function readHttpUrl(source: InputSource, name: string): string | undefined {
  const value = readString(source, name);
  if (value === undefined) return undefined;
  if (hasControl(value)) throw inputError(name, 'holds a line break or another control character; a URL is one line');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // An `@` may end credentials: the value is not repeated then.
    throw inputError(name, `${value.includes('@') ? 'is' : `"${value}" is`} not a URL; expected e.g. http://127.0.0.1:8001`);
  }
  if (url.username !== '' || url.password !== '') {
    for (const part of [url.username, url.password]) {
      if (part === '') continue;
      source.mask(part);
      source.mask(safeDecode(part));
    }
    const shown = new URL(url.href);
    shown.username = '';
    shown.password = '';
    throw inputError(name, `holds credentials (user:password@); give the URL without them (${shown.href}): an Admin API token goes in its own input, sent as a header`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw inputError(name, `"${value}" must be http:// or https://`);
  return value.replace(/\/+$/, '');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
