import { inputError } from '../lib/errors.js';
import { hasControl } from '../lib/log-text.js';

/**
 * The nodes a rolling upgrade replaces and the batches it replaces them in. A node is named as
 * the operator script knows it (`KONG_UPGRADE_BATCH` lists these names) and reached as this
 * runner reaches it: its proxy for the smoke requests, its Status API for readiness and the
 * configuration hash, and (DB-less) its Admin API for the configuration check.
 */
export interface RollingNode {
  readonly name: string;
  /** How the control plane lists it in /clustering/data-planes (data planes): default the name. */
  readonly hostname: string;
  readonly proxyUrl: string;
  readonly statusUrl: string | undefined;
  readonly adminUrl: string | undefined;
}

export type Batch = readonly RollingNode[];

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const KEYS = new Set(['name', 'hostname', 'proxy-url', 'status-url', 'admin-url']);

/**
 * `nodes`: a JSON array of `{"name", "hostname", "proxy-url", "status-url", "admin-url"}`
 * (usually an environment variable, so each environment names its own). `adminRequired`: DB-less
 * nodes, whose configuration is checked through their Admin API.
 */
export function parseNodes(text: string, input: string, adminRequired: boolean): RollingNode[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw inputError(input, 'is not JSON: expected an array like [{"name": "dp-1", "proxy-url": "http://10.0.0.11:8000"}]');
  }
  if (!Array.isArray(value) || value.length === 0) throw inputError(input, 'must be a non-empty JSON array of nodes');
  const seen = new Set<string>();
  return value.map((item, index) => {
    const at = `${input}[${index}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw inputError(input, `${at} is not an object`);
    const fields = item as Record<string, unknown>;
    const unknown = Object.keys(fields).filter((key) => !KEYS.has(key));
    if (unknown.length > 0) throw inputError(input, `${at} has unknown key(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')}; allowed: ${[...KEYS].join(', ')}`);
    const name = fields['name'];
    if (typeof name !== 'string' || !NAME.test(name)) throw inputError(input, `${at}.name must be 1-64 of A-Z a-z 0-9 . _ - (starting with a letter or digit)`);
    if (seen.has(name)) throw inputError(input, `${at}.name "${name}" is listed twice`);
    seen.add(name);
    const hostname = fields['hostname'] ?? name;
    if (typeof hostname !== 'string' || hostname === '' || hasControl(hostname) || hostname.length > 253) throw inputError(input, `${at}.hostname must be a host name`);
    const adminUrl = url(fields['admin-url'], `${at}.admin-url`, input);
    if (adminRequired && adminUrl === undefined) throw inputError(input, `${at} needs admin-url: a DB-less node's configuration is checked through its Admin API`);
    const proxyUrl = url(fields['proxy-url'], `${at}.proxy-url`, input);
    if (proxyUrl === undefined) throw inputError(input, `${at} needs proxy-url: the smoke requests go through each new node`);
    return { name, hostname, proxyUrl, statusUrl: url(fields['status-url'], `${at}.status-url`, input), adminUrl };
  });
}

function url(value: unknown, field: string, input: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || hasControl(value)) throw inputError(input, `${field} must be one line of text`);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw inputError(input, `${field} "${value}" is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw inputError(input, `${field} must be http(s)`);
  // A URL is shown in logs and reports: credentials never belong in one.
  if (parsed.username !== '' || parsed.password !== '') throw inputError(input, `${field} must not hold credentials`);
  return value.replace(/\/+$/, '');
}

/**
 * The batches: `batches` (JSON, lists of names, run in order) when given, else `size` nodes at
 * a time in the order listed. Every node is in exactly one batch.
 */
export function planBatches(nodes: readonly RollingNode[], explicit: string | undefined, size: number): Batch[] {
  if (explicit === undefined) {
    const batches: Batch[] = [];
    for (let i = 0; i < nodes.length; i += size) batches.push(nodes.slice(i, i + size));
    return batches;
  }
  let value: unknown;
  try {
    value = JSON.parse(explicit);
  } catch {
    throw inputError('batches', 'is not JSON: expected a list of lists of node names, e.g. [["dp-1","dp-2"],["dp-3"]]');
  }
  if (!Array.isArray(value) || value.length === 0 || !value.every((b) => Array.isArray(b) && b.length > 0 && b.every((n) => typeof n === 'string'))) {
    throw inputError('batches', 'must be a non-empty list of non-empty lists of node names, e.g. [["dp-1","dp-2"],["dp-3"]]');
  }
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const placed = new Set<string>();
  const batches = (value as string[][]).map((names, index) =>
    names.map((name) => {
      const node = byName.get(name);
      if (node === undefined) throw inputError('batches', `batch ${index + 1} names "${name}", which is not in nodes (${[...byName.keys()].join(', ')})`);
      if (placed.has(name)) throw inputError('batches', `"${name}" is in more than one batch`);
      placed.add(name);
      return node;
    }),
  );
  const left = nodes.filter((node) => !placed.has(node.name));
  if (left.length > 0) throw inputError('batches', `leaves out ${left.map((n) => n.name).join(', ')}: every node is upgraded in some batch`);
  return batches;
}
