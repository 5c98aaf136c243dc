import { readFile } from 'node:fs/promises';
import { inputError } from './errors.js';

/**
 * The one way the suite checks JSON it reads from a file: the JSON contracts that pass between
 * the actions (plan, backup manifest, migration state, smoke report, admin export; docs/design.md
 * "Contracts"), each a file a user, or anyone who could write to a backup folder or hand over an
 * artifact, controls. A contract is a `schema` id and a shape; each check of a shape appends
 * "<field> <what is wrong>" to `problems`, so an error names the input, the file and every bad
 * field at once. Fields the shape does not name are ignored: readers of an older version skip
 * the fields a newer writer adds.
 */
export type Shape = (value: unknown, field: string, problems: string[]) => void;

export interface Contract {
  /** The `schema` id the file carries, e.g. `kong-upgrade/smoke-report@1`. */
  readonly schema: string;
  /** What a user calls it in an error: `backup manifest`, `smoke report`. */
  readonly name: string;
  readonly shape: Shape;
}

/** The JSON in `file`; a missing file or bad JSON names `input`. */
async function readJsonFile(file: string, input: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw inputError(input, `cannot read ${quote(file)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, error);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw inputError(input, `${file} is not JSON`, error);
  }
}

/**
 * `data` checked against the contract its `schema` names, one of `contracts`: the error names
 * `input`, the file, and every wrong field (the first ten).
 */
export function checkContract<T>(data: unknown, file: string, input: string, contracts: readonly Contract[]): T {
  const names = contracts.map((c) => c.name).join(' or ');
  if (!isPlainObject(data)) throw inputError(input, `${file} is not a ${names}: it is ${kind(data)}, expected an object`);
  const contract = contracts.find((c) => c.schema === data.schema);
  if (contract === undefined) {
    if (contracts.length === 1) throw inputError(input, `${file} is not a ${names}: schema is ${quote(data.schema)}, expected "${contracts[0]!.schema}"`);
    const ids = contracts.map((c) => `"${c.schema}"`);
    throw inputError(input, `${file} has schema ${quote(data.schema)}; expected ${ids.slice(0, -1).join(', ')} or ${ids.at(-1)}`);
  }
  const problems: string[] = [];
  contract.shape(data, '', problems);
  if (problems.length > 0) {
    throw inputError(input, `${file} is not a ${contract.name}: ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? ` (and ${problems.length - 10} more)` : ''}`);
  }
  return data as T;
}

/** readJsonFile, then checkContract. */
export async function readContract<T>(file: string, input: string, contracts: readonly Contract[]): Promise<T> {
  return checkContract<T>(await readJsonFile(file, input), file, input, contracts);
}

/** A value as it may appear in an error: JSON (newlines escaped), long values cut. */
export function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

function kind(value: unknown): string {
  return Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
}

/** A string; with `test`, one it accepts (`what` says what is allowed). */
export const text =
  (test?: (value: string) => boolean, what?: string): Shape =>
  (value, field, problems) => {
    if (typeof value !== 'string') problems.push(`${field} is ${kind(value)}, expected a string`);
    else if (test && !test(value)) problems.push(`${field} ${quote(value)} is not ${what}`);
  };

export const matching = (pattern: RegExp, what: string): Shape => text((value) => pattern.test(value), what);

export const wholeNumber =
  (min: number, max = Number.MAX_SAFE_INTEGER): Shape =>
  (value, field, problems) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) problems.push(`${field} is ${kind(value)}, expected a whole number`);
    else if (value < min || value > max) problems.push(`${field} ${value} is not ${max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `${min}-${max}`}`);
  };

export const boolean: Shape = (value, field, problems) => {
  if (typeof value !== 'boolean') problems.push(`${field} is ${kind(value)}, expected true or false`);
};

export const oneOf =
  (allowed: readonly (string | null)[]): Shape =>
  (value, field, problems) => {
    if (!allowed.includes(value as string | null)) problems.push(`${field} ${quote(value)} is not one of ${allowed.join(', ')}`);
  };

export const nullable =
  (shape: Shape): Shape =>
  (value, field, problems) => {
    if (value !== null) shape(value, field, problems);
  };

/** Absent (undefined) or `shape`. */
export const optional =
  (shape: Shape): Shape =>
  (value, field, problems) => {
    if (value !== undefined) shape(value, field, problems);
  };

export const listOf =
  (shape: Shape): Shape =>
  (value, field, problems) => {
    if (!Array.isArray(value)) problems.push(`${field} is ${kind(value)}, expected an array`);
    else value.forEach((item, i) => shape(item, `${field}[${i}]`, problems));
  };

/** An object used as a map: every key matches `key`, every value has `shape`. */
export const recordOf =
  (key: RegExp, shape: Shape): Shape =>
  (value, field, problems) => {
    if (!isPlainObject(value)) {
      problems.push(`${field} is ${kind(value)}, expected an object`);
      return;
    }
    for (const [name, item] of Object.entries(value)) {
      if (!key.test(name)) problems.push(`${field} has a key ${quote(name)} that is not a name`);
      else shape(item, `${field}.${name}`, problems);
    }
  };

/** An object with these fields (others are ignored: readers of an older version skip them). */
export const object =
  (fields: Readonly<Record<string, Shape>>): Shape =>
  (value, field, problems) => {
    if (!isPlainObject(value)) {
      problems.push(`${field} is ${kind(value)}, expected an object`);
      return;
    }
    for (const [name, shape] of Object.entries(fields)) shape(value[name], field === '' ? name : `${field}.${name}`, problems);
  };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** No control characters (a newline in a log line starts a workflow command) and not empty. */
export function printable(value: string): boolean {
  return value !== '' && !/\p{Cc}/u.test(value);
}
