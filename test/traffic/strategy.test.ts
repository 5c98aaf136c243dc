import { describe, expect, it } from 'vitest';
import type { FrontCounts, SplitState, TrafficBackend } from '../../src/traffic/backend.js';
import { sideWeights, shareFromWeights } from '../../src/traffic/backend.js';
import { combine, judgeFront, type Gate, type GateStatus, type Measurement } from '../../src/traffic/gates.js';
import { parseSteps } from '../../src/traffic/options.js';
import { runPromotion, type StrategyOptions } from '../../src/traffic/strategy.js';

/** A backend that keeps its split in memory and records every apply. */
function fakeBackend(initial: number | 'unknown' = 0) {
  let green = initial;
  const applied: number[] = [];
  const backend: TrafficBackend = {
    kind: 'haproxy',
    supportsPartial: true,
    describe: () => 'fake',
    read: async (): Promise<SplitState> => (green === 'unknown' ? { kind: 'unknown', detail: 'weights all 0' } : { kind: 'split', green, detail: `green=${green}` }),
    apply: async (w) => {
      applied.push(w);
      green = w;
      return { green: w, actions: [`set ${w}`] };
    },
    render: async (w) => `would set ${w}`,
  };
  return { backend, applied, get green() { return green; } };
}

/** A gate answering from a script per weight (default pass). */
function scriptedGate(script: (green: number, n: number) => GateStatus): Gate & { calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    async measure(green): Promise<Measurement> {
      calls.push(green);
      const status = script(green, calls.filter((c) => c === green).length);
      return { at: new Date().toISOString(), green, status, figures: [{ name: 'probes', status, measured: status, threshold: 'x', details: `scripted ${status}` }] };
    },
  };
}

const options = (overrides: Partial<StrategyOptions> = {}): StrategyOptions => ({
  command: 'promote', strategy: 'canary', steps: [10, 25, 50, 100], pauseMs: 20, intervalMs: 10,
  failureLimit: 0, failureCounting: 'consecutive', stepDeadlineMs: 200, onInconclusive: 'revert', onPartial: 'resume', dryRun: false,
  ...overrides,
});

describe('promotion strategy', () => {
  it('canary: pre-gate with no traffic, each step gated pause/interval times, ends at 100% green', async () => {
    const fake = fakeBackend();
    const gate = scriptedGate(() => 'pass');
    const result = await runPromotion(options(), { backend: fake.backend, gate, log: () => {} });
    expect(result).toMatchObject({ outcome: 'promoted', live: 'green', finalWeight: 100 });
    expect(fake.applied).toEqual([10, 25, 50, 100]);
    expect(gate.calls).toEqual([0, 10, 10, 25, 25, 50, 50, 100, 100]);
  });

  it('switch: gate at 0%, then 100% at once', async () => {
    const fake = fakeBackend();
    const result = await runPromotion(options({ strategy: 'switch' }), { backend: fake.backend, gate: scriptedGate(() => 'pass'), log: () => {} });
    expect(result.outcome).toBe('promoted');
    expect(fake.applied).toEqual([100]);
    expect(result.steps.map((s) => s.green)).toEqual([0, 100]);
  });

  it('a failure at 25% reverts to 0 at once and names the gate', async () => {
    const fake = fakeBackend();
    const result = await runPromotion(options(), { backend: fake.backend, gate: scriptedGate((g) => (g === 25 ? 'fail' : 'pass')), log: () => {} });
    expect(result).toMatchObject({ outcome: 'failed', live: 'blue', finalWeight: 0 });
    expect(fake.applied).toEqual([10, 25, 0]);
    expect(result.reason).toMatch(/gate failed at green 25%.*probes: scripted fail/);
    expect(result.steps.at(-1)?.decision).toBe('failed');
  });

  it('failure-limit with consecutive counting: a pass in between resets the count', async () => {
    const fake = fakeBackend();
    // fail, pass, fail, pass at 10% with limit 1: never 2 in a row → passes
    const result = await runPromotion(options({ failureLimit: 1, pauseMs: 20 }), { backend: fake.backend, gate: scriptedGate((g, n) => (g === 10 && n % 2 === 1 ? 'fail' : 'pass')), log: () => {} });
    expect(result.outcome).toBe('promoted');
    // the same with cumulative counting fails at the second failure
    const fake2 = fakeBackend();
    const cumulative = await runPromotion(options({ failureLimit: 1, failureCounting: 'cumulative' }), { backend: fake2.backend, gate: scriptedGate((g, n) => (g === 10 && n % 2 === 1 ? 'fail' : 'pass')), log: () => {} });
    expect(cumulative.outcome).toBe('failed');
    expect(cumulative.reason).toMatch(/2 cumulative failure\(s\), limit 1/);
  });

  it('inconclusive (too few samples) holds the step and never passes: revert at the deadline, or hold', async () => {
    const fake = fakeBackend();
    const result = await runPromotion(options({ stepDeadlineMs: 60, pauseMs: 20 }), { backend: fake.backend, gate: scriptedGate((g) => (g === 10 ? 'inconclusive' : 'pass')), log: () => {} });
    expect(result).toMatchObject({ outcome: 'failed', live: 'blue', finalWeight: 0 });
    expect(result.reason).toMatch(/stayed inconclusive/);
    expect(fake.applied).toEqual([10, 0]);
    const held = fakeBackend();
    const holding = await runPromotion(options({ stepDeadlineMs: 60, pauseMs: 20, onInconclusive: 'hold' }), { backend: held.backend, gate: scriptedGate((g) => (g === 10 ? 'inconclusive' : 'pass')), log: () => {} });
    expect(holding).toMatchObject({ outcome: 'held', live: 'split', finalWeight: 10 });
    expect(held.green).toBe(10);
  });

  it('reads the split back first: resumes at the live weight (gated again), or reverts first', async () => {
    const fake = fakeBackend(25);
    const gate = scriptedGate(() => 'pass');
    const resumed = await runPromotion(options(), { backend: fake.backend, gate, log: () => {} });
    expect(resumed.outcome).toBe('promoted');
    expect(fake.applied).toEqual([50, 100]);
    expect(gate.calls[0]).toBe(25);
    const fake2 = fakeBackend(25);
    const reverted = await runPromotion(options({ onPartial: 'revert' }), { backend: fake2.backend, gate: scriptedGate(() => 'pass'), log: () => {} });
    expect(reverted.outcome).toBe('promoted');
    expect(fake2.applied).toEqual([0, 10, 25, 50, 100]);
  });

  it('already 100% green: nothing to do; unknown state: nothing changed, fails', async () => {
    const done = fakeBackend(100);
    expect(await runPromotion(options(), { backend: done.backend, gate: scriptedGate(() => 'pass'), log: () => {} })).toMatchObject({ outcome: 'already-green', live: 'green' });
    expect(done.applied).toEqual([]);
    const odd = fakeBackend('unknown');
    const result = await runPromotion(options(), { backend: odd.backend, gate: scriptedGate(() => 'pass'), log: () => {} });
    expect(result.outcome).toBe('failed');
    expect(result.reason).toMatch(/cannot read the current split.*weights all 0/);
    expect(odd.applied).toEqual([]);
  });

  it('dry-run shows the steps and changes nothing; revert command puts 100% on blue', async () => {
    const fake = fakeBackend(10);
    const dry = await runPromotion(options({ dryRun: true }), { backend: fake.backend, gate: scriptedGate(() => 'pass'), log: () => {} });
    expect(dry.outcome).toBe('dry-run');
    expect(dry.plan.map((p) => p.green)).toEqual([10, 25, 50, 100]);
    expect(dry.plan[1]?.change).toBe('would set 25');
    expect(fake.applied).toEqual([]);
    const reverted = await runPromotion(options({ command: 'revert' }), { backend: fake.backend, gate: scriptedGate(() => 'pass'), log: () => {} });
    expect(reverted).toMatchObject({ outcome: 'reverted', live: 'blue', finalWeight: 0 });
    expect(fake.applied).toEqual([0]);
  });

  it('a cancelled run reverts to blue at the next wait', async () => {
    const fake = fakeBackend();
    const controller = new AbortController();
    const gate = scriptedGate((g) => {
      if (g === 25) controller.abort();
      return 'pass';
    });
    const result = await runPromotion(options({ pauseMs: 50 }), { backend: fake.backend, gate, log: () => {}, signal: controller.signal });
    expect(result).toMatchObject({ outcome: 'reverted', live: 'blue', finalWeight: 0, reason: 'the run was cancelled' });
  });
});

describe('gate judgement', () => {
  const budgets = { max5xxRate: 0.01, maxTransportErrorRate: 0, minSamples: 100 };
  const counts = (requests: number, status5xx: number, transportErrors = 0): FrontCounts => ({ requests, status5xx, transportErrors, source: 'test' });
  it('too few samples is inconclusive, never pass; a clear failure fails even on few samples', () => {
    expect(judgeFront(counts(40, 0), budgets).status).toBe('inconclusive');
    expect(judgeFront(counts(0, 0), budgets).status).toBe('inconclusive');
    expect(judgeFront(counts(40, 40), budgets).status).toBe('fail');
    expect(judgeFront(counts(1000, 5), budgets).status).toBe('pass');
    expect(judgeFront(counts(1000, 20), budgets).status).toBe('fail');
    expect(judgeFront(counts(1000, 0, 3), budgets).status).toBe('fail');
    expect(combine([])).toBe('inconclusive');
  });
  it('weights: sides keep their share; steps validated', () => {
    expect(sideWeights(25, 1, 1, 2)).toEqual({ blue: 150, green: 50 });
    expect(shareFromWeights([7, 7, 7], [2, 2])).toBe(16);
    const w = sideWeights(10, 3, 2, 10);
    expect(shareFromWeights([w.blue, w.blue, w.blue], [w.green, w.green])).toBe(10);
    expect(parseSteps(['10', '50'], 'canary')).toEqual([10, 50, 100]);
    expect(() => parseSteps(['50', '10'], 'canary')).toThrow(/input 'steps': must increase/);
    expect(() => parseSteps(['0'], 'canary')).toThrow(/whole percent/);
  });
});
