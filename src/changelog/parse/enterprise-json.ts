import { stepError } from '../../lib/errors.js';
import { YamlSyntaxError, readYaml } from '../declarative/yaml-reader.js';
import type { ChangelogEntry, Release } from '../types.js';
import { isFlaggedBreaking, kindOf } from './kinds.js';
import { flattenMarkdown } from './oss-markdown.js';

/**
 * The Enterprise changelog data of developer.konghq.com (`app/_data/changelogs/gateway.json`):
 * an object keyed by version (`"3.4.3.5"`, a few 3-part) whose values hold one item list per
 * product. Releases come back in the file's key order, with no dates (the file has none).
 */
export function parseEnterpriseChangelogJson(json: string, source = 'Kong Enterprise changelog JSON'): Release[] {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    throw stepError(STEP, `${source}: not valid JSON${whereInvalid(json)} (the text is not shown)`);
  }
  if (!isRecord(data)) throw shapeError(source, `expected an object keyed by version, got ${describe(data)}`);
  const releases = Object.entries(data).map(([version, products]): Release => {
    if (!VERSION_KEY.test(version)) throw shapeError(source, `key "${version}" is not a version`);
    return { version, date: undefined, entries: entriesOf(products, `${source} ${version}`) };
  });
  if (releases.length === 0) throw shapeError(source, 'no release found (the object is empty)');
  return releases;
}

const STEP = 'parse changelog';
const VERSION_KEY = /^\d+(\.\d+)+$/;

/**
 * The products whose items are Gateway changes, and the scope forced on them: Kong Manager
 * items carry core scopes (`Default`, `Core`) that would hide which product they belong to.
 * Other keys (none today) are left out rather than guessed at.
 */
const PRODUCT_SCOPES: ReadonlyMap<string, string | undefined> = new Map([
  ['kong', undefined],
  ['kong-ee', undefined],
  ['kong-manager', 'Kong Manager'],
  ['kong-manager-ee', 'Kong Manager'],
]);

function entriesOf(products: unknown, where: string): ChangelogEntry[] {
  if (!isRecord(products)) throw shapeError(where, `expected an object of product lists, got ${describe(products)}`);
  const entries: ChangelogEntry[] = [];
  for (const [product, items] of Object.entries(products)) {
    if (!PRODUCT_SCOPES.has(product)) continue;
    if (!Array.isArray(items)) throw shapeError(`${where} ${product}`, `expected a list, got ${describe(items)}`);
    for (const item of items) entries.push(entryOf(item, PRODUCT_SCOPES.get(product), `${where} ${product}`));
  }
  return entries;
}

function entryOf(item: unknown, productScope: string | undefined, where: string): ChangelogEntry {
  if (!isRecord(item) || typeof item['message'] !== 'string' || typeof item['type'] !== 'string') {
    throw shapeError(where, `expected items with string "message" and "type", got ${describe(item)}`);
  }
  const text = withPlugins(oneLineMessage(item['message']), item['plugins']);
  const kind = isFlaggedBreaking(text) ? 'breaking' : (kindOf(item['type']) ?? 'other');
  return { kind, scope: productScope ?? scopeOf(item['scope']), text };
}

/** Messages are markdown, some with their own bullet lists; only those need the lexer. */
function oneLineMessage(message: string): string {
  return message.includes('\n') ? flattenMarkdown(message) : message.trim();
}

/** Plugin items do not always name the plugin in the message; the `plugins` list does. */
function withPlugins(text: string, plugins: unknown): string {
  if (!Array.isArray(plugins) || plugins.length === 0 || text.startsWith('**')) return text;
  return `**${plugins.map(String).join(', ')}**: ${text}`;
}

/** The changelog tool writes `Default` for an item without a scope. */
function scopeOf(scope: unknown): string {
  return typeof scope === 'string' && scope !== '' && scope !== 'Default' ? scope : 'General';
}

function shapeError(where: string, detail: string) {
  return stepError(STEP, `${where}: ${detail}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(JSON.stringify(value)).slice(0, 40)}`;
}

/**
 * V8's JSON.parse message quotes the text around the error, which a file given as input may
 * hold secrets in: the line and column come from the YAML reader (JSON is YAML), its text never.
 */
function whereInvalid(json: string): string {
  try {
    readYaml(json);
    return '';
  } catch (error) {
    return error instanceof YamlSyntaxError ? ` at line ${error.line}, column ${error.column}: ${error.expected}` : '';
  }
}
