// What the canary tests of the real fronts (HAProxy, nginx) share: the gate, the canary, and the
// failing-green scenario each front must pass the same way.
import { expect } from 'vitest';
import type { TrafficBackend } from '../../src/traffic/backend.js';
import { createGate, type Gate } from '../../src/traffic/gates.js';
import { runPromotion, type PromoteResult, type StepRecord, type StrategyOptions } from '../../src/traffic/strategy.js';
import type { Clusters } from './clusters.js';
import { describeLoad, startLoad, transportTotal, type LoadCounts } from './load.js';

/**
 * Probes green directly; no 5xx beyond 1% and no transport error at all. A front measurement
 * counts with 5 requests to green in its interval: the load's rate falls on a busy machine, and a
 * minimum it may not reach would make a healthy step inconclusive (and revert it) for want of time.
 */
export function greenGate(clusters: Clusters): Gate {
  return createGate({
    budgets: { max5xxRate: 0.01, maxTransportErrorRate: 0, minSamples: 5 },
    probes: { origin: clusters.green.proxyUrl, requests: [{ method: 'GET', path: '/app', headers: {}, body: undefined }], count: 20, concurrency: 4, timeoutMs: 2000 },
    smoke: undefined,
  });
}

/** Canary 10→25→50→100 measured every 500 ms; the first failed measurement reverts. */
export const canary = (overrides: Partial<StrategyOptions> = {}): StrategyOptions => ({
  command: 'promote', strategy: 'canary', steps: [10, 25, 50, 100], pauseMs: 1000, intervalMs: 500,
  failureLimit: 0, failureCounting: 'consecutive', stepDeadlineMs: 10_000, onInconclusive: 'revert', onPartial: 'resume', dryRun: false,
  ...overrides,
});

export interface FailingGreenRun {
  readonly result: PromoteResult;
  readonly counts: LoadCounts;
  readonly step25: StepRecord;
}

/**
 * Green starts answering 500 the moment the canary (1 s pause per step) reaches 25%, under load
 * through the front. Asserts what holds for every front: reverted to blue by the first
 * measurement after the fault (one gate interval; the time it took is printed, not asserted, as
 * a busy machine stretches it), with the 5xx bounded by green's 25% share of the requests sent
 * meanwhile and none from blue. Prints the load and the window's figures; the caller asserts what
 * is particular to its front.
 */
export async function promoteIntoFailingGreen(run: {
  /** Names the front in the printed figures, e.g. `HAProxy`. */
  readonly label: string;
  readonly origin: string;
  readonly clusters: Clusters;
  readonly backend: () => TrafficBackend;
  /** What the printed revert time includes, e.g. ` incl. nginx -t + reload`. */
  readonly revertNote?: string;
}): Promise<FailingGreenRun> {
  const { clusters } = run;
  const options = canary({ pauseMs: 1000, intervalMs: 500 });
  // The previous test may have left green live: the fault must meet a canary from 0%.
  await run.backend().apply(0);
  const load = startLoad(run.origin, { connections: 32, path: '/app', maxRequests: 1_000_000, maxMs: 30_000 });
  let faultAt = 0;
  let requestsAtFault = 0;
  const lines: string[] = [];
  const result = await runPromotion(options, {
    backend: run.backend(),
    gate: greenGate(clusters),
    log: (line) => {
      lines.push(line);
      if (line.startsWith('Green at 25%') && faultAt === 0) {
        faultAt = performance.now();
        requestsAtFault = load.counts.requests;
        void clusters.setFaults('green', { errorRate: 1, errorStatus: 500 });
      }
    },
  });
  const windowMs = performance.now() - faultAt;
  const inWindow = load.counts.requests - requestsAtFault;
  await new Promise((r) => setTimeout(r, 300));
  const counts = await load.stop();
  await clusters.setFaults('green', { errorRate: 0 });
  const bound = Math.ceil(inWindow * 0.25 * 1.3) + 32; // 25% share of the window's requests, + in-flight
  console.log(describeLoad(`${run.label} failing green at 25%`, counts));
  console.log(`fault → reverted to blue: ${windowMs.toFixed(0)} ms (gate interval ${options.intervalMs} ms; revert ${result.revertMs?.toFixed(1)} ms${run.revertNote ?? ''}); requests in the window ${inWindow}; 5xx seen ${counts.status5xx}, bound 25% × window = ${Math.round(inWindow * 0.25)} (+30% and in-flight slack: ${bound}); transport errors ${transportTotal(counts)}`);
  expect(result.outcome, lines.join('\n')).toBe('failed');
  expect(result.live).toBe('blue');
  const step25 = result.steps.find((s) => s.green === 25)!;
  expect(step25.measurements).toHaveLength(1); // the first measurement after the fault caught it
  expect(counts.status5xx).toBeLessThanOrEqual(bound);
  expect(counts.fiveXxByCluster.blue ?? 0).toBe(0);
  return { result, counts, step25 };
}
