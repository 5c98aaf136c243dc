import type { SmokeReport } from '../checks/report.js';
import { createHttpPool, type PooledRequest } from '../lib/http.js';
import type { FrontCounts } from './backend.js';

/**
 * The gate at every step, three sources side by side (Argo Rollouts' analysis, Flagger's
 * metrics): green's own share of the real traffic counted at the front, probes sent straight to
 * green's proxy, and the smoke-test library run in-process. Each gives pass, fail or
 * inconclusive; too few samples is inconclusive, never pass (Flagger halts on "no values found").
 */
export type GateStatus = 'pass' | 'fail' | 'inconclusive';

export interface GateFigure {
  readonly name: 'front' | 'probes' | 'smoke';
  readonly status: GateStatus;
  readonly measured: string;
  readonly threshold: string;
  readonly details: string;
}

export interface Measurement {
  readonly at: string;
  readonly green: number;
  readonly status: GateStatus;
  readonly figures: readonly GateFigure[];
}

export interface GateBudgets {
  /** Share of green's answers that may be 5xx, 0..1. */
  readonly max5xxRate: number;
  /** Share of attempts to green that may fail below HTTP, 0..1. */
  readonly maxTransportErrorRate: number;
  /** Fewer of green's requests at the front than this in one interval: inconclusive. */
  readonly minSamples: number;
}

export interface ProbePlan {
  readonly origin: string;
  readonly requests: readonly PooledRequest[];
  readonly count: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
}

export interface GateOptions {
  readonly budgets: GateBudgets;
  readonly probes: ProbePlan | undefined;
  /** Runs the smoke test of green in-process (src/checks); undefined: no smoke gate. */
  readonly smoke: (() => Promise<SmokeReport>) | undefined;
}

export interface Gate {
  /** One measurement at `green` percent; `front` gives green's counts since the last call. */
  measure(green: number, front: (() => Promise<FrontCounts>) | undefined, withSmoke: boolean): Promise<Measurement>;
}

const pct = (value: number) => `${(value * 100).toFixed(2)}%`;

export function createGate(options: GateOptions): Gate {
  const { budgets } = options;
  return {
    async measure(green, front, withSmoke) {
      const figures: GateFigure[] = [];
      const at = new Date().toISOString();
      if (front !== undefined && green > 0) figures.push(judgeFront(await front(), budgets));
      if (options.probes !== undefined) figures.push(await probe(options.probes, budgets));
      if (withSmoke && options.smoke !== undefined) figures.push(judgeSmoke(await options.smoke()));
      return { at, green, status: combine(figures), figures };
    },
  };
}

export function combine(figures: readonly GateFigure[]): GateStatus {
  if (figures.some((f) => f.status === 'fail')) return 'fail';
  // No figure at all (nothing configured to judge by) cannot pass a gate.
  if (figures.length === 0 || figures.some((f) => f.status === 'inconclusive')) return 'inconclusive';
  return 'pass';
}

export function judgeFront(counts: FrontCounts, budgets: GateBudgets): GateFigure {
  const answers = counts.requests - counts.transportErrors;
  const rate5xx = answers === 0 ? 0 : counts.status5xx / answers;
  const rateT = counts.requests === 0 ? 0 : counts.transportErrors / counts.requests;
  const measured = `${counts.requests} req, ${counts.status5xx} 5xx (${pct(rate5xx)}), ${counts.transportErrors} transport errors`;
  const threshold = `≥ ${budgets.minSamples} req, 5xx ≤ ${pct(budgets.max5xxRate)}, transport ≤ ${pct(budgets.maxTransportErrorRate)}`;
  const base = { name: 'front' as const, measured, threshold };
  // A failure is a failure even on few samples: 40 5xx of 40 requests must not wait for 100.
  if (counts.requests > 0 && rate5xx > budgets.max5xxRate && counts.status5xx >= Math.min(budgets.minSamples, 3)) {
    return { ...base, status: 'fail', details: `green answered ${counts.status5xx} of ${answers} requests with 5xx at the front (${counts.source})` };
  }
  if (counts.requests > 0 && rateT > budgets.maxTransportErrorRate && counts.transportErrors >= Math.min(budgets.minSamples, 3)) {
    return { ...base, status: 'fail', details: `${counts.transportErrors} of ${counts.requests} requests to green failed below HTTP at the front (${counts.source})` };
  }
  if (counts.requests < budgets.minSamples) {
    return { ...base, status: 'inconclusive', details: `only ${counts.requests} request(s) reached green at the front in this interval, need ${budgets.minSamples} (${counts.source})` };
  }
  return { ...base, status: 'pass', details: `green served ${counts.requests} requests at the front (${counts.source})` };
}

export async function probe(plan: ProbePlan, budgets: GateBudgets): Promise<GateFigure> {
  const pool = await createHttpPool(plan.origin, { connections: plan.concurrency, timeoutMs: plan.timeoutMs });
  let sent = 0;
  let answers = 0;
  let status5xx = 0;
  let transport = 0;
  const codes = new Set<string>();
  const worker = async () => {
    while (sent < plan.count) {
      const request = plan.requests[sent % plan.requests.length]!;
      sent++;
      const outcome = await pool.send(request);
      if (outcome.kind === 'response') {
        answers++;
        if (outcome.status >= 500) status5xx++;
      } else {
        transport++;
        codes.add(outcome.code);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(plan.concurrency, plan.count) }, worker));
  } finally {
    await pool.close();
  }
  const rate5xx = answers === 0 ? 0 : status5xx / answers;
  const rateT = sent === 0 ? 0 : transport / sent;
  const measured = `${sent} probes, ${status5xx} 5xx (${pct(rate5xx)}), ${transport} transport errors`;
  const threshold = `5xx ≤ ${pct(budgets.max5xxRate)}, transport ≤ ${pct(budgets.maxTransportErrorRate)}`;
  const base = { name: 'probes' as const, measured, threshold };
  if (rateT > budgets.maxTransportErrorRate) return { ...base, status: 'fail', details: `${transport} of ${sent} probes to ${plan.origin} failed below HTTP (${[...codes].join(', ')})` };
  if (rate5xx > budgets.max5xxRate) return { ...base, status: 'fail', details: `${status5xx} of ${answers} probes to ${plan.origin} answered 5xx` };
  if (answers === 0) return { ...base, status: 'inconclusive', details: `no probe got an answer from ${plan.origin}` };
  return { ...base, status: 'pass', details: `${answers} probes to ${plan.origin} answered` };
}

export function judgeSmoke(report: SmokeReport): GateFigure {
  const failed = report.checks.filter((c) => c.status === 'fail');
  const unsure = report.checks.filter((c) => c.status === 'inconclusive');
  const measured = `${report.checks.length} checks: ${failed.length} failed, ${unsure.length} inconclusive`;
  const base = { name: 'smoke' as const, measured, threshold: 'every check passes' };
  if (failed.length > 0) return { ...base, status: 'fail', details: failed.map((c) => `${c.name}: ${c.details}`).join('; ') };
  if (unsure.length > 0 || report.checks.length === 0) return { ...base, status: 'inconclusive', details: unsure.map((c) => `${c.name}: ${c.details}`).join('; ') || 'no checks ran' };
  return { ...base, status: 'pass', details: `smoke test of ${report.target.adminUrl} passed` };
}
