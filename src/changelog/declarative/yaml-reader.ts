import { EVENT_ID, SCALAR_STYLE, YAMLException, getScalarValue, parseEvents, type Event, type ScalarEvent } from 'js-yaml';

/**
 * YAML (and JSON, which YAML 1.2 reads too) into plain values that remember where they came
 * from, for files of tens of megabytes: js-yaml's event parser, then one tight walk over the
 * events that builds the values and keeps, on each sequence, the offsets of its items (Kong's
 * entities and route paths are all list items). No document tree is built, so the cost stays
 * that of a plain load.
 *
 * What real Kong files contain: anchors and aliases (an alias is the anchored value itself),
 * merge keys (`<<`), several documents, CRLF line ends and a byte order mark.
 */
export interface YamlFile {
  readonly documents: readonly unknown[];
  /** 1-based line each document's content starts on. */
  readonly documentLines: readonly number[];
  /** 1-based line of each item of a sequence, in order. */
  itemLines(sequence: readonly unknown[]): readonly number[] | undefined;
  /** 1-based line of one item of a sequence. */
  itemLine(sequence: readonly unknown[], index: number): number | undefined;
  /** 1-based line of a mapping's key; only when read with `keyLines` (small files). */
  keyLine(mapping: object, key: string): number | undefined;
}

export interface YamlOptions {
  /** Also record where each mapping key is (a table per mapping). */
  readonly keyLines?: boolean;
}

/** Where a file could not be read and what the reader expected: never its text. */
export class YamlSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly expected: string,
  ) {
    super(`line ${line}, column ${column}: ${expected}`);
    this.name = 'YamlSyntaxError';
  }
}

const BOM = '\uFEFF';
// Item offsets ride on the sequence itself: a side table (WeakMap) cost a third of the load.
const ITEM_OFFSETS = Symbol('item offsets');
const KEY_OFFSETS = Symbol('key offsets');

type Positioned = { [ITEM_OFFSETS]?: number[]; [KEY_OFFSETS]?: Map<string, number> };

export function readYaml(raw: string, options: YamlOptions = {}): YamlFile {
  const text = raw.startsWith(BOM) ? raw.slice(1) : raw;
  const lines = new LineIndex(text);
  let events: Event[];
  try {
    events = parseEvents(text, {});
  } catch (error) {
    throw syntaxError(error, lines);
  }
  const { documents, documentOffsets } = construct(text, events, options.keyLines === true, lines);
  return {
    documents,
    get documentLines() {
      return documentOffsets.map((offset) => lines.lineAt(offset));
    },
    itemLines: (sequence) => (sequence as Positioned)[ITEM_OFFSETS]?.map((offset) => lines.lineAt(offset)),
    itemLine: (sequence, index) => {
      const offset = (sequence as Positioned)[ITEM_OFFSETS]?.[index];
      return offset === undefined ? undefined : lines.lineAt(offset);
    },
    keyLine: (mapping, key) => {
      const offset = (mapping as Positioned)[KEY_OFFSETS]?.get(key);
      return offset === undefined ? undefined : lines.lineAt(offset);
    },
  };
}

const DOCUMENT = 0;
const MAPPING = 1;
const SEQUENCE = 2;

/** One pass over the events with parallel stacks (no frame objects, no closures: it is the hot loop). */
function construct(text: string, events: readonly Event[], keyLines: boolean, lines: LineIndex) {
  const documents: unknown[] = [];
  const documentOffsets: number[] = [];
  const kinds: number[] = [];
  const values: unknown[] = [];
  const keys: (string | undefined)[] = [];
  const offsetsOf: (number[] | undefined)[] = [];
  // `<<` values, merged when their mapping ends: a mapping written in place is still empty when it arrives.
  const merges: ({ value: object; offset: number }[] | undefined)[] = [];
  let depth = -1;
  let anchors = new Map<string, unknown>();

  for (let index = 0; index < events.length; index++) {
    const event = events[index]!;
    let value: unknown;
    let offset: number;
    switch (event.type) {
      case EVENT_ID.DOCUMENT:
        anchors = new Map();
        depth++;
        kinds[depth] = DOCUMENT;
        values[depth] = null;
        continue;
      case EVENT_ID.POP:
        if (kinds[depth] === DOCUMENT) documents.push(values[depth]);
        if (kinds[depth] === MAPPING && merges[depth] !== undefined) {
          for (const pending of merges[depth]!) merge(values[depth] as Record<string, unknown>, pending.value, lines, pending.offset);
          merges[depth] = undefined;
        }
        depth--;
        continue;
      case EVENT_ID.SCALAR:
        value = scalarValue(text, event);
        offset = event.valueStart >= 0 ? event.valueStart : Math.max(event.anchorStart, event.tagStart, 0);
        if (event.anchorStart >= 0) anchors.set(text.slice(event.anchorStart, event.anchorEnd), value);
        break;
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE:
        value = event.type === EVENT_ID.MAPPING ? {} : [];
        offset = event.start;
        if (event.anchorStart >= 0) anchors.set(text.slice(event.anchorStart, event.anchorEnd), value);
        break;
      case EVENT_ID.ALIAS: {
        const name = text.slice(event.anchorStart, event.anchorEnd);
        if (!anchors.has(name)) {
          throw new YamlSyntaxError(lines.lineAt(event.anchorStart), lines.columnAt(event.anchorStart), 'an alias (*name) of an anchor (&name) defined before it');
        }
        value = anchors.get(name);
        offset = event.anchorStart;
        break;
      }
    }
    const parent = kinds[depth];
    if (parent === SEQUENCE) {
      (values[depth] as unknown[]).push(value);
      offsetsOf[depth]!.push(offset);
    } else if (parent === MAPPING) {
      const mapping = values[depth] as Record<string, unknown>;
      const key = keys[depth];
      if (key === undefined) {
        const name = typeof value === 'string' ? value : keyText(value);
        keys[depth] = name;
        if (keyLines) {
          if (!Object.hasOwn(mapping, KEY_OFFSETS)) Object.defineProperty(mapping, KEY_OFFSETS, { value: new Map() });
          (mapping as Positioned)[KEY_OFFSETS]!.set(name, offset);
        }
      } else {
        if (key === '<<' && typeof value === 'object' && value !== null) (merges[depth] ??= []).push({ value, offset });
        else define(mapping, key, value);
        keys[depth] = undefined;
      }
    } else {
      values[depth] = value;
      documentOffsets.push(offset);
    }
    if (event.type === EVENT_ID.MAPPING) {
      depth++;
      kinds[depth] = MAPPING;
      values[depth] = value;
      keys[depth] = undefined;
      merges[depth] = undefined;
    } else if (event.type === EVENT_ID.SEQUENCE) {
      depth++;
      kinds[depth] = SEQUENCE;
      values[depth] = value;
      const items: number[] = [];
      offsetsOf[depth] = items;
      // Not enumerable: the lists stay plain lists to whoever compares or copies them.
      Object.defineProperty(value, ITEM_OFFSETS, { value: items });
    }
  }
  return { documents, documentOffsets };
}

/** Merge keys: the mapping's own keys win, then earlier merged mappings over later ones. */
function merge(target: Record<string, unknown>, value: object, lines: LineIndex, offset: number): void {
  for (const source of Array.isArray(value) ? value : [value]) {
    if (typeof source !== 'object' || source === null || Array.isArray(source)) {
      throw new YamlSyntaxError(lines.lineAt(offset), lines.columnAt(offset), 'a merge key (<<) takes a mapping or a list of mappings');
    }
    for (const [name, merged] of Object.entries(source as Record<string, unknown>)) {
      if (!Object.hasOwn(target, name)) define(target, name, merged);
    }
  }
}

// `__proto__` as a key must stay a key, not reach the prototype.
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function keyText(value: unknown): string {
  if (value === null) return 'null';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

const STR_TAG = /^!!str$|^!<tag:yaml\.org,2002:str>$/;

/**
 * A scalar as YAML 1.2's core schema reads it: only plain scalars resolve to null, booleans and
 * numbers; quoted and block scalars, and anything tagged `!!str`, stay strings.
 */
function scalarValue(text: string, event: ScalarEvent): unknown {
  const value = getScalarValue(text, event);
  if (event.style !== SCALAR_STYLE.PLAIN) return value;
  if (event.tagStart >= 0 && STR_TAG.test(text.slice(event.tagStart, event.tagEnd))) return value;
  return resolvePlain(value);
}

const MAY_RESOLVE: readonly boolean[] = (() => {
  const table: boolean[] = [];
  for (const char of '~.+-0123456789nNtTfF') table[char.charCodeAt(0)] = true;
  return table;
})();
const INT = /^[-+]?[0-9]+$/;
const FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

export function resolvePlain(value: string): unknown {
  if (value === '') return null;
  // Most values (names, paths, URLs) start with a character no null, boolean or number starts with.
  if (!MAY_RESOLVE[value.charCodeAt(0)]) return value;
  switch (value) {
    case '~': case 'null': case 'Null': case 'NULL': return null;
    case 'true': case 'True': case 'TRUE': return true;
    case 'false': case 'False': case 'FALSE': return false;
    case '.inf': case '.Inf': case '.INF': case '+.inf': case '+.Inf': case '+.INF': return Infinity;
    case '-.inf': case '-.Inf': case '-.INF': return -Infinity;
    case '.nan': case '.NaN': case '.NAN': return NaN;
  }
  if (INT.test(value)) return Number(value);
  if (/^0o[0-7]+$/.test(value)) return parseInt(value.slice(2), 8);
  if (/^0x[0-9a-fA-F]+$/.test(value)) return parseInt(value.slice(2), 16);
  if (FLOAT.test(value)) return Number(value);
  return value;
}

/**
 * js-yaml's own message carries a snippet of the source, which may be a key or a password:
 * only its reason is kept, with anything quoted in it cut out.
 */
function syntaxError(error: unknown, lines: LineIndex): unknown {
  if (!(error instanceof YAMLException)) return error;
  const mark = error.mark as { line?: number; column?: number; position?: number } | undefined;
  const reason = String(error.reason ?? 'not valid YAML').replace(/"[^"]*"|'[^']*'|!<[^>]*>/g, '(…)');
  if (mark?.line !== undefined && mark.column !== undefined) return new YamlSyntaxError(mark.line + 1, mark.column + 1, reason);
  const position = mark?.position ?? 0;
  return new YamlSyntaxError(lines.lineAt(position), lines.columnAt(position), reason);
}

/** Offsets to 1-based lines and columns, by binary search over the line starts. */
class LineIndex {
  private starts: Int32Array | undefined;

  constructor(private readonly text: string) {}

  lineAt(offset: number): number {
    const starts = this.lineStarts();
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  }

  columnAt(offset: number): number {
    return offset - this.lineStarts()[this.lineAt(offset) - 1]! + 1;
  }

  private lineStarts(): Int32Array {
    if (this.starts) return this.starts;
    const found = [0];
    for (let index = this.text.indexOf('\n'); index !== -1; index = this.text.indexOf('\n', index + 1)) found.push(index + 1);
    this.starts = Int32Array.from(found);
    return this.starts;
  }
}
