import { inputError } from './errors.js';

/**
 * Where inputs come from: the action runner (`core.getInput`) or the CLI's flags. `mask` is
 * called on every secret before anything else happens, so no log line can show it.
 */
export interface InputSource {
  /** The raw value, '' when the input is not set. */
  get(name: string): string;
  mask(secret: string): void;
}

export function readString(source: InputSource, name: string): string | undefined {
  const value = source.get(name).trim();
  return value === '' ? undefined : value;
}

export function readRequired(source: InputSource, name: string): string {
  const value = readString(source, name);
  if (value === undefined) throw inputError(name, 'is required');
  return value;
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

export function parseList(text: string): string[] {
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
  if (value !== undefined) source.mask(value);
  return value;
}

/** An http:// or https:// URL, trailing slashes dropped so paths can be appended. */
export function readHttpUrl(source: InputSource, name: string): string | undefined {
  const value = readString(source, name);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw inputError(name, `"${value}" is not a URL; expected e.g. http://127.0.0.1:8001`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw inputError(name, `"${value}" must be http:// or https://`);
  return value.replace(/\/+$/, '');
}
