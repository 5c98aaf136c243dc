import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { inputError } from '../lib/errors.js';
import { parseDuration, readBoolean, readDuration, readEnum, readHttpUrl, readList, readPositiveInteger, readString, type InputSource } from '../lib/inputs.js';
import { readAdminInputs } from '../kong/admin-inputs.js';
import { parseKongVersion } from '../version/kong-version.js';
import { readBaseline } from './inventory.js';
import { loadRequests, type LoadAmount } from './load.js';
import { parseProxyRequests, type ProxyRequestSpec } from './proxy.js';
import type { SmokeOptions } from './smoke.js';

/**
 * The smoke test's inputs, read and validated before any request is sent (docs/design.md "Inputs": an invalid
 * value fails naming the input and what it accepts). Shared by the action and the CLI.
 */
/** `proxy-requests` (inline YAML/JSON) or `proxy-requests-file`, not both; none: an empty list. */
export async function readProxyRequests(source: InputSource, cwd: string): Promise<ProxyRequestSpec[]> {
  const inline = readString(source, 'proxy-requests');
  const file = readString(source, 'proxy-requests-file');
  if (inline !== undefined && file !== undefined) throw inputError('proxy-requests', 'give proxy-requests or proxy-requests-file, not both');
  if (inline !== undefined) return parseProxyRequests(inline, 'proxy-requests');
  if (file === undefined) return [];
  const full = path.resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(full, 'utf8');
  } catch (error) {
    throw inputError('proxy-requests-file', `cannot read ${full}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, error);
  }
  return parseProxyRequests(text, 'proxy-requests-file');
}

export async function readSmokeOptions(source: InputSource, cwd = process.cwd()): Promise<SmokeOptions> {
  const admin = readAdminInputs(source);
  if (admin === undefined) throw inputError('admin-url', 'is required: the Admin API of the node to test, e.g. http://127.0.0.1:8001');
  const statusUrl = readHttpUrl(source, 'status-url');
  const expected = readString(source, 'expected-version');
  const proxyUrl = readHttpUrl(source, 'proxy-url');
  const blueProxyUrl = readHttpUrl(source, 'blue-proxy-url');

  const proxyRequests = await readProxyRequests(source, cwd);
  if (proxyRequests.length > 0 && proxyUrl === undefined) throw inputError('proxy-url', 'is required when proxy requests are given');

  const baselineFile = readBaselinePath(source, 'baseline');
  const manifestFile = readBaselinePath(source, 'backup-manifest');
  if (baselineFile !== undefined && manifestFile !== undefined) throw inputError('baseline', 'give baseline or backup-manifest, not both');
  const baseline =
    baselineFile !== undefined
      ? await readBaseline(path.resolve(cwd, baselineFile), 'baseline')
      : manifestFile !== undefined
        ? await readBaseline(path.resolve(cwd, manifestFile), 'backup-manifest')
        : undefined;
  const inventoryEnabled = readBoolean(source, 'inventory', true);
  if (baseline !== undefined && !inventoryEnabled) throw inputError('inventory', 'must be true when a baseline is given');

  const loadRoutes = readList(source, 'load-routes');
  const durationText = readString(source, 'load-duration');
  const amount: LoadAmount =
    durationText !== undefined
      ? { kind: 'duration', ms: parseDuration(durationText, 'load-duration') }
      : { kind: 'requests', total: readPositiveInteger(source, 'load-requests', 200) };
  if (loadRoutes.length > 0 && proxyUrl === undefined) throw inputError('proxy-url', 'is required when load-routes is given');
  if (blueProxyUrl !== undefined && loadRoutes.length === 0) throw inputError('blue-proxy-url', 'needs load-routes: the comparison is of the same measurement on both clusters');

  const minDataPlanes = readNonNegativeInteger(source, 'min-data-planes', 0);
  return {
    admin,
    statusUrl,
    expectedVersion: expected === undefined ? undefined : parseKongVersion(expected, 'expected-version'),
    expectedPlugins: readList(source, 'expected-plugins'),
    waitTimeoutMs: readDuration(source, 'wait-timeout', '60s'),
    requestTimeoutMs: readDuration(source, 'request-timeout', '10s'),
    hybrid: {
      mode: readEnum(source, 'hybrid', ['auto', 'off'] as const, 'auto'),
      maxAgeMs: readDuration(source, 'data-plane-max-age', '90s'),
      minDataPlanes,
    },
    inventory: { enabled: inventoryEnabled, concurrency: readPositiveInteger(source, 'inventory-concurrency', 8), baseline },
    proxyUrl,
    proxyRequests,
    load:
      loadRoutes.length === 0
        ? undefined
        : {
            plan: {
              requests: loadRequests(loadRoutes, proxyRequests, 'load-routes'),
              amount,
              concurrency: readPositiveInteger(source, 'load-concurrency', 10),
              timeoutMs: readDuration(source, 'load-timeout', '5s'),
            },
            budgets: {
              p50Ms: readOptionalDuration(source, 'max-p50'),
              p95Ms: readOptionalDuration(source, 'max-p95') ?? 1000,
              p99Ms: readOptionalDuration(source, 'max-p99'),
              max5xxRate: readRate(source, 'max-5xx-rate', 0.01),
              maxTransportErrorRate: readRate(source, 'max-transport-error-rate', 0),
              minSamples: readPositiveInteger(source, 'min-samples', 100),
              maxP95Ratio: readRatio(source, 'max-p95-ratio', 1.2),
            },
            blueProxyUrl,
          },
  };
}

/** `none` (the action's default) is no baseline, like an input left out. */
function readBaselinePath(source: InputSource, name: string): string | undefined {
  const value = readString(source, name);
  return value === 'none' ? undefined : value;
}

function readOptionalDuration(source: InputSource, name: string): number | undefined {
  const value = readString(source, name);
  return value === undefined ? undefined : parseDuration(value, name);
}

/** `1%`, `0.5%` or a fraction `0.01`; between 0 and 1. */
export function parseRate(text: string, name: string): number {
  const match = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  const value = match === null ? Number.NaN : Number(match[1]) / (match[2] === '%' ? 100 : 1);
  if (!(value >= 0 && value <= 1)) throw inputError(name, `"${text}" is not a rate; use a percentage such as 1% or 0.5%, or a fraction such as 0.01`);
  return value;
}

function readRate(source: InputSource, name: string, fallback: number): number {
  const value = readString(source, name);
  return value === undefined ? fallback : parseRate(value, name);
}

function readRatio(source: InputSource, name: string, fallback: number): number {
  const value = readString(source, name);
  if (value === undefined) return fallback;
  const n = Number(value.replace(/x$/i, ''));
  if (!(n >= 1)) throw inputError(name, `"${value}" is not a ratio ≥ 1, e.g. 1.2`);
  return n;
}

function readNonNegativeInteger(source: InputSource, name: string, fallback: number): number {
  const value = readString(source, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw inputError(name, `"${value}" is not a whole number ≥ 0`);
  return Number(value);
}
