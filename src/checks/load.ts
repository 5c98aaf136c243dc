import { inputError } from '../lib/errors.js';
import { createHttpPool, type PooledRequest, type TransportErrorKind } from '../lib/http.js';
import { sleep } from '../lib/concurrency.js';
import type { ProxyRequestSpec } from './proxy.js';
import { fail, inconclusive, pass, type CheckResult, type LatencySummary } from './report.js';

/**
 * Latency and error measurement through Kong's proxy: N requests (or a duration) at a given
 * concurrency over keep-alive connections (undici's Pool, src/lib/http.ts), then p50/p95/p99,
 * the 5xx rate and the transport error rate, each against its budget. Transport errors
 * (refused, reset, timed out) are counted apart from 5xx answers: a refused connection is a
 * node that is not there, a 5xx is a node that is there and broken, and an operator needs to
 * know which. Too few samples to judge is `inconclusive`, never `pass`.
 */

export type LoadAmount = { readonly kind: 'requests'; readonly total: number } | { readonly kind: 'duration'; readonly ms: number };

export interface LoadPlan {
  readonly requests: readonly PooledRequest[];
  readonly amount: LoadAmount;
  readonly concurrency: number;
  readonly timeoutMs: number;
}

export interface LoadBudgets {
  readonly p50Ms: number | undefined;
  readonly p95Ms: number | undefined;
  readonly p99Ms: number | undefined;
  /** Share of HTTP answers that may be 5xx, 0..1. */
  readonly max5xxRate: number;
  /** Share of attempts that may end in a transport error, 0..1. */
  readonly maxTransportErrorRate: number;
  /** Fewer latency samples (or attempts, for the rates) than this: inconclusive. */
  readonly minSamples: number;
  /** With a blue cluster: green p95 ≤ ratio × blue p95. */
  readonly maxP95Ratio: number;
}

export interface Measurement extends LatencySummary {
  /** Sorted latencies (ms) of the answers that were not 5xx. */
  readonly latencies: Float64Array;
}

/**
 * Blue p95 below this is taken as this before the ratio: on loopback or in one rack a p95 of
 * 0.3 ms against 0.5 ms is jitter, not a 1.7× regression.
 */
const RATIO_FLOOR_MS = 1;

/** Pause after a transport error, so a refused port is counted, not hammered in a tight loop. */
const ERROR_PAUSE_MS = 10;

/** The requests of a load run: names of proxy requests (their method, host, headers, body) or paths. */
export function loadRequests(items: readonly string[], specs: readonly ProxyRequestSpec[], input: string): PooledRequest[] {
  return items.map((item) => {
    const spec = specs.find((s) => s.name === item);
    if (spec !== undefined) {
      const headers: Record<string, string> = { ...spec.headers };
      if (spec.host !== undefined) headers.host = spec.host;
      return { method: spec.method, path: spec.path, headers, body: spec.body };
    }
    if (item.startsWith('/')) return { method: 'GET', path: item, headers: {}, body: undefined };
    throw inputError(input, `"${item}" is neither a path (starting with /) nor the name of a proxy request (${specs.map((s) => s.name).join(', ') || 'none given'})`);
  });
}

export async function measure(origin: string, plan: LoadPlan): Promise<Measurement> {
  const pool = await createHttpPool(origin, { connections: plan.concurrency, timeoutMs: plan.timeoutMs });
  const latencies: number[] = [];
  const transportErrors: Record<TransportErrorKind, number> = { refused: 0, reset: 0, timeout: 0, other: 0 };
  let attempts = 0;
  let responses = 0;
  let status5xx = 0;
  const started = performance.now();
  const deadline = plan.amount.kind === 'duration' ? started + plan.amount.ms : Number.POSITIVE_INFINITY;
  const total = plan.amount.kind === 'requests' ? plan.amount.total : Number.POSITIVE_INFINITY;
  let issued = 0;
  const worker = async () => {
    while (issued < total && performance.now() < deadline) {
      const request = plan.requests[issued % plan.requests.length]!;
      issued++;
      const outcome = await pool.send(request);
      attempts++;
      if (outcome.kind === 'response') {
        responses++;
        if (outcome.status >= 500) status5xx++;
        else latencies.push(outcome.elapsedMs);
      } else {
        transportErrors[outcome.error]++;
        await sleep(ERROR_PAUSE_MS);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: plan.concurrency }, worker));
  } finally {
    await pool.close();
  }
  const durationMs = performance.now() - started;
  const sorted = Float64Array.from(latencies).sort();
  return {
    target: origin,
    attempts,
    responses,
    samples: sorted.length,
    p50Ms: percentile(sorted, 0.5),
    p95Ms: percentile(sorted, 0.95),
    p99Ms: percentile(sorted, 0.99),
    status5xx,
    transportErrors,
    durationMs: Math.round(durationMs),
    requestsPerSecond: Math.round((attempts / durationMs) * 1000 * 10) / 10,
    latencies: sorted,
  };
}

/** Nearest-rank percentile of sorted values; undefined with no values. */
export function percentile(sorted: Float64Array, q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return Math.round(sorted[rank - 1]! * 100) / 100;
}

export function summary(m: Measurement): LatencySummary {
  const { latencies: _latencies, ...rest } = m;
  return rest;
}

const ms = (value: number | undefined) => (value === undefined ? null : `${value} ms`);
const pct = (value: number) => `${(value * 100).toFixed(2)}%`;

export function evaluateLoad(green: Measurement, blue: Measurement | undefined, budgets: LoadBudgets): CheckResult[] {
  const results: CheckResult[] = [];
  const few = green.samples < budgets.minSamples;
  const sampleNote = `${green.samples} latency sample(s) of ${green.attempts} attempt(s) against ${green.target}`;
  for (const [q, budget, value] of [
    ['p50', budgets.p50Ms, green.p50Ms],
    ['p95', budgets.p95Ms, green.p95Ms],
    ['p99', budgets.p99Ms, green.p99Ms],
  ] as const) {
    if (budget === undefined) continue;
    const base = { name: `latency-${q}`, group: 'latency' as const, measured: ms(value), threshold: `≤ ${budget} ms` };
    if (few || value === undefined) {
      results.push(inconclusive({ ...base, details: `too few samples to judge ${q}: ${sampleNote}, need ${budgets.minSamples}` }));
    } else if (value > budget) {
      results.push(fail({ ...base, details: `${q} ${value} ms is over the budget of ${budget} ms (${sampleNote})` }));
    } else {
      results.push(pass({ ...base, details: `${q} ${value} ms within ${budget} ms (${sampleNote})` }));
    }
  }

  const rate5xx = green.responses === 0 ? 0 : green.status5xx / green.responses;
  const base5xx = { name: 'latency-5xx-rate', group: 'latency' as const, measured: green.responses === 0 ? null : pct(rate5xx), threshold: `≤ ${pct(budgets.max5xxRate)}` };
  if (green.responses < budgets.minSamples) {
    results.push(inconclusive({ ...base5xx, details: `too few HTTP answers to judge the 5xx rate: ${green.responses}, need ${budgets.minSamples}` }));
  } else if (rate5xx > budgets.max5xxRate) {
    results.push(fail({ ...base5xx, details: `${green.status5xx} of ${green.responses} answers were 5xx (${pct(rate5xx)}), over the budget of ${pct(budgets.max5xxRate)}` }));
  } else {
    results.push(pass({ ...base5xx, details: `${green.status5xx} of ${green.responses} answers were 5xx` }));
  }

  const t = green.transportErrors;
  const errors = t.refused + t.reset + t.timeout + t.other;
  const rateT = green.attempts === 0 ? 0 : errors / green.attempts;
  const breakdown = `refused ${t.refused}, reset ${t.reset}, timed out ${t.timeout}, other ${t.other}`;
  const baseT = { name: 'latency-transport-errors', group: 'latency' as const, measured: green.attempts === 0 ? null : pct(rateT), threshold: `≤ ${pct(budgets.maxTransportErrorRate)}` };
  if (green.attempts < budgets.minSamples) {
    results.push(inconclusive({ ...baseT, details: `too few attempts to judge transport errors: ${green.attempts}, need ${budgets.minSamples} (${breakdown})` }));
  } else if (rateT > budgets.maxTransportErrorRate) {
    results.push(fail({ ...baseT, details: `${errors} of ${green.attempts} attempts failed below HTTP (${pct(rateT)}: ${breakdown}), over the budget of ${pct(budgets.maxTransportErrorRate)}` }));
  } else {
    results.push(pass({ ...baseT, details: `${errors} of ${green.attempts} attempts failed below HTTP (${breakdown})` }));
  }

  if (blue !== undefined) {
    const base = {
      name: 'latency-p95-vs-blue',
      group: 'latency' as const,
      measured: green.p95Ms !== undefined && blue.p95Ms !== undefined ? `${(green.p95Ms / Math.max(blue.p95Ms, RATIO_FLOOR_MS)).toFixed(2)}×` : null,
      threshold: `≤ ${budgets.maxP95Ratio}× blue p95`,
    };
    if (few || blue.samples < budgets.minSamples || green.p95Ms === undefined || blue.p95Ms === undefined) {
      results.push(inconclusive({ ...base, details: `too few samples to compare: green ${green.samples}, blue ${blue.samples}, need ${budgets.minSamples} each` }));
    } else {
      const limit = budgets.maxP95Ratio * Math.max(blue.p95Ms, RATIO_FLOOR_MS);
      const text = `green p95 ${green.p95Ms} ms vs blue p95 ${blue.p95Ms} ms (limit ${limit.toFixed(2)} ms${blue.p95Ms < RATIO_FLOOR_MS ? `, blue taken as ${RATIO_FLOOR_MS} ms` : ''})`;
      results.push(green.p95Ms > limit ? fail({ ...base, details: `${text}: green is slower than ${budgets.maxP95Ratio}× blue` }) : pass({ ...base, details: text }));
    }
  }
  return results;
}
