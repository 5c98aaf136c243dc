/**
 * Shapes of JSON read from files a user (or anyone who could write to a backup folder) controls:
 * each check appends "<field> <what is wrong>" to `problems`, so an error can name every bad
 * field at once and the reader decides which input to blame.
 */
export type Shape = (value: unknown, field: string, problems: string[]) => void;

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
