// `strategy.matrix` expanded into its jobs as GitHub documents it ("Running variations of jobs in
// a workflow"): the vectors crossed, `exclude` removed, then each `include` entry added to every
// combination whose original values it does not change (values an earlier include added may be
// overwritten), or appended as a combination of its own when it fits none.
import type { Value } from './evaluate.js';

export type Combination = Record<string, Value>;

/** GitHub's limit: "A matrix can generate a maximum of 256 jobs per workflow run." */
const MAX_JOBS = 256;

export function expandMatrix(matrix: Value | undefined): Combination[] {
  if (matrix === undefined || matrix === null) return [{}];
  if (!isObject(matrix)) throw new Error(`strategy.matrix must be a mapping, got ${JSON.stringify(matrix)}`);
  const vectors = Object.entries(matrix).filter(([key]) => key !== 'include' && key !== 'exclude');
  let combos: Combination[] = vectors.length === 0 ? [] : [{}];
  for (const [key, values] of vectors) {
    if (!Array.isArray(values) || values.length === 0) throw new Error(`strategy.matrix.${key}: a vector must be a non-empty sequence, got ${JSON.stringify(values)}`);
    combos = combos.flatMap((combo) => values.map((value) => ({ ...combo, [key]: value })));
  }
  const original = new Set(vectors.map(([key]) => key));
  for (const entry of entries(matrix.exclude, 'exclude')) {
    const unknown = Object.keys(entry).filter((key) => !original.has(key));
    if (unknown.length > 0) throw new Error(`strategy.matrix.exclude: ${unknown.join(', ')} is not a key of the matrix`);
    combos = combos.filter((combo) => !Object.entries(entry).every(([key, value]) => equal(combo[key], value)));
  }
  const base = combos.length;
  for (const entry of entries(matrix.include, 'include')) {
    let added = false;
    for (const combo of combos.slice(0, base)) {
      if (Object.entries(entry).every(([key, value]) => !original.has(key) || equal(combo[key], value))) {
        Object.assign(combo, entry);
        added = true;
      }
    }
    if (!added) combos.push({ ...entry });
  }
  if (combos.length === 0) throw new Error('strategy.matrix yields no job (every combination excluded)');
  if (combos.length > MAX_JOBS) throw new Error(`strategy.matrix yields ${combos.length} jobs; GitHub allows ${MAX_JOBS}`);
  return combos;
}

function entries(list: Value | undefined, name: string): Combination[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list) || !list.every(isObject)) throw new Error(`strategy.matrix.${name} must be a sequence of mappings`);
  return list as Combination[];
}

function isObject(value: Value | undefined): value is { [key: string]: Value } {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function equal(a: Value | undefined, b: Value | undefined): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => equal(item, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => equal(a[key], b[key]));
  }
  return a === b;
}
