import { copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { execCommand } from '../lib/exec.js';
import { inputError, stepError } from '../lib/errors.js';
import { logLines } from '../lib/log-text.js';

/**
 * A DB-less node's declarative configuration taken to the target version: one `deck file
 * convert` per hop that needs one (the plan's hops say which: LTS pairs 2.8 → 3.4, 3.4 → 3.10,
 * 3.10 → 3.14, and kong-gateway-2.x → kong-gateway-3.x for other 2 → 3 hops; Kong/deck
 * convert/convert.go), each hop's output the next one's input.
 */
export interface ConversionStep {
  readonly from: string;
  readonly to: string;
  /** The plan's hop, e.g. 2.8.5 → 3.4.2. */
  readonly hop: string;
}

interface PlanHopLike {
  readonly from: string;
  readonly to: string;
  readonly deckConvert?: string | null | undefined;
}

const CONVERT = /^deck file convert --from (\S+) --to (\S+)$/;

/** The conversions the plan's hops ask for (fetch-changelog writes `deckConvert` per hop). */
export function conversionSteps(hops: readonly PlanHopLike[]): ConversionStep[] {
  return hops.flatMap((hop) => {
    if (hop.deckConvert === undefined || hop.deckConvert === null) return [];
    const match = CONVERT.exec(hop.deckConvert);
    if (match === null) throw inputError('plan-json', `hop ${hop.from} → ${hop.to}: "${hop.deckConvert}" is not a deck file convert command`);
    return [{ from: match[1]!, to: match[2]!, hop: `${hop.from} → ${hop.to}` }];
  });
}

export interface Conversion {
  readonly output: string;
  /** What decK printed per step (its warnings to audit by hand). */
  readonly notes: readonly { readonly step: ConversionStep; readonly lines: readonly string[] }[];
}

/**
 * Runs the steps with decK, the input untouched; no step: the file is copied as it is. decK's
 * own `${{ env "DECK_…" }}` placeholders are kept as text from decK 1.57.2 on
 * (`--no-expand-env-vars`, Kong/deck cmd/file_convert.go): Kong never expands them, and an
 * expanded secret would land in the converted file.
 */
export async function convertDeclarative(options: {
  readonly deck: { readonly path: string; readonly version: string } | undefined;
  readonly input: string;
  readonly output: string;
  readonly steps: readonly ConversionStep[];
  readonly log: (line: string) => void;
}): Promise<Conversion> {
  await mkdir(path.dirname(options.output), { recursive: true });
  if (options.steps.length === 0) {
    await copyFile(options.input, options.output);
    return { output: options.output, notes: [] };
  }
  const deck = options.deck;
  if (deck === undefined) throw inputError('deck-version', `the plan converts this file (${options.steps.map((s) => `${s.from} → ${s.to}`).join(', ')}): give the decK version to run`);
  const keepPlaceholders = versionAtLeast(deck.version, [1, 57, 2]);
  const notes: Conversion['notes'][number][] = [];
  let input = options.input;
  for (const [index, step] of options.steps.entries()) {
    const output = index === options.steps.length - 1 ? options.output : `${options.output}.step-${index + 1}`;
    const args = ['file', 'convert', '--from', step.from, '--to', step.to, '--input-file', input, '--output-file', output, '--yes', ...(keepPlaceholders ? ['--no-expand-env-vars'] : [])];
    options.log(`deck ${args.join(' ')}  (hop ${step.hop})`);
    const result = await execCommand({ command: deck.path, args });
    const lines = logLines(`${result.stdout}\n${result.stderr}`).filter((line) => line.trim() !== '');
    for (const line of lines) options.log(`  ${line}`);
    if (result.exitCode !== 0) {
      throw stepError(`deck file convert --from ${step.from} --to ${step.to}`, `exited with code ${result.exitCode}: ${lines.slice(-3).join(' / ') || 'no output'}`);
    }
    notes.push({ step, lines });
    input = output;
  }
  return { output: options.output, notes };
}

function versionAtLeast(version: string, minimum: readonly number[]): boolean {
  const parts = version.split('.').map(Number);
  for (let i = 0; i < minimum.length; i++) {
    if ((parts[i] ?? 0) !== minimum[i]) return (parts[i] ?? 0) > minimum[i]!;
  }
  return true;
}

/** A declarative file read and parsed (YAML or JSON), its parse errors naming the input. */
export async function readDeclarative(file: string, input: string): Promise<{ readonly text: string; readonly document: unknown }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw inputError(input, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return { text, document: parse(text) as unknown };
  } catch (error) {
    const at = (error as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    throw inputError(input, `${file} is not YAML or JSON${at ? ` (line ${at.line}, column ${at.col})` : ''}`);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const records = (value: unknown): Record<string, unknown>[] => (Array.isArray(value) ? value.filter(isRecord) : []);

/**
 * Entities of a declarative file by type, nested ones included (routes and plugins under
 * services, targets under upstreams, plugins under routes and consumers): what a node that loads
 * the file must hold.
 */
export function countEntities(document: unknown): Record<string, number> {
  const counts: Record<string, number> = {};
  const add = (type: string, n: number) => {
    if (n > 0) counts[type] = (counts[type] ?? 0) + n;
  };
  if (!isRecord(document)) return counts;
  const plugins = (owner: Record<string, unknown>) => add('plugins', records(owner['plugins']).length);
  for (const service of records(document['services'])) {
    add('services', 1);
    plugins(service);
    for (const route of records(service['routes'])) {
      add('routes', 1);
      plugins(route);
    }
  }
  for (const route of records(document['routes'])) {
    add('routes', 1);
    plugins(route);
  }
  for (const consumer of records(document['consumers'])) {
    add('consumers', 1);
    plugins(consumer);
  }
  for (const upstream of records(document['upstreams'])) {
    add('upstreams', 1);
    add('targets', records(upstream['targets']).length);
  }
  plugins(document);
  for (const type of ['certificates', 'ca_certificates', 'vaults', 'consumer_groups']) add(type, records(document[type]).length);
  return counts;
}

/**
 * What changed between two declarative documents, field by field: entities in a list are
 * matched by name (or id, username, target), so a reordered file shows no change, and a path
 * reads `services[echo].routes[items].paths[0]`. At most `limit` lines.
 */
export function describeChanges(before: unknown, after: unknown, limit = 200): string[] {
  const lines: string[] = [];
  const show = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? 'null');
  const walk = (a: unknown, b: unknown, at: string) => {
    if (lines.length >= limit) return;
    if (isRecord(a) && isRecord(b)) {
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
        const where = at === '' ? key : `${at}.${key}`;
        if (!(key in b)) lines.push(`${where}: removed (was ${show(a[key])})`);
        else if (!(key in a)) lines.push(`${where}: added ${show(b[key])}`);
        else walk(a[key], b[key], where);
      }
      return;
    }
    if (Array.isArray(a) && Array.isArray(b) && a.some(isRecord) && a.every((x) => keyOf(x) !== undefined) && b.every((x) => keyOf(x) !== undefined)) {
      const older = new Map(a.map((x) => [keyOf(x)!, x]));
      const newer = new Map(b.map((x) => [keyOf(x)!, x]));
      for (const [key, value] of older) {
        if (!newer.has(key)) lines.push(`${at}[${key}]: removed`);
        else walk(value, newer.get(key), `${at}[${key}]`);
      }
      for (const key of newer.keys()) if (!older.has(key)) lines.push(`${at}[${key}]: added`);
      return;
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) lines.push(`${at}: ${show(a)} → ${show(b)}`);
  };
  walk(before, after, '');
  return lines.slice(0, limit);
}

function keyOf(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  for (const field of ['name', 'id', 'username', 'target']) if (typeof value[field] === 'string') return value[field] as string;
  return undefined;
}
