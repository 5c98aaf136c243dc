import { sleep } from '../lib/concurrency.js';
import { errorMessage } from '../lib/errors.js';
import type { FrontCounts, SplitState, TrafficBackend } from './backend.js';
import type { Gate, Measurement } from './gates.js';

/**
 * How traffic moves from blue to green, modelled on Argo Rollouts (setWeight + pause + analysis,
 * failureLimit, abort = weight back to 0) and Flagger (cumulative failed checks, no data halts).
 *
 * - `switch`: gate green while it has no traffic, then 100% at once (blue/green).
 * - `canary`: steps such as 10, 25, 50, 100; at each, the weight is set, then the gate measures
 *   every `interval` until `pause` worth of passing measurements is in.
 * Before any change the split is read back from the backend itself: a run after a cancelled or
 * failed one resumes at the live weight (gating it again) or reverts first (`on-partial`).
 * Any failure beyond `failure-limit` puts 100% on blue at once and ends the run as failed.
 */
export type StrategyKind = 'switch' | 'canary';
export type FailureCounting = 'consecutive' | 'cumulative';
export type Command = 'promote' | 'revert' | 'status';

export interface StrategyOptions {
  readonly command: Command;
  readonly strategy: StrategyKind;
  /** Canary steps in percent, increasing, ending at 100. */
  readonly steps: readonly number[];
  readonly pauseMs: number;
  readonly intervalMs: number;
  /** Failed measurements tolerated (Argo failureLimit; 0: the first failure aborts). */
  readonly failureLimit: number;
  readonly failureCounting: FailureCounting;
  /** A step still without enough passing measurements this long after its pause: inconclusive. */
  readonly stepDeadlineMs: number;
  readonly onInconclusive: 'revert' | 'hold';
  readonly onPartial: 'resume' | 'revert';
  readonly dryRun: boolean;
}

export type Decision = 'passed' | 'failed' | 'inconclusive' | 'reverted' | 'cancelled' | 'planned' | 'error';

export interface StepRecord {
  readonly green: number;
  readonly startedAt: string;
  /** Time the backend took to apply the weight and read it back. */
  readonly applyMs: number;
  readonly actions: readonly string[];
  readonly measurements: Measurement[];
  decision: Decision;
  reason: string;
  durationMs: number;
}

export type Outcome = 'promoted' | 'already-green' | 'reverted' | 'failed' | 'held' | 'dry-run' | 'status';

export interface PromoteResult {
  readonly outcome: Outcome;
  /** Which cluster takes the traffic at the end. */
  readonly live: 'blue' | 'green' | 'split';
  readonly finalWeight: number;
  readonly initial: SplitState;
  readonly steps: StepRecord[];
  readonly reason: string;
  /** From the last gate passing before 100% to 100% applied and read back (ms). */
  readonly lastGateToGreenMs: number | undefined;
  /** From the failing measurement to 100% blue read back (ms). */
  readonly revertMs: number | undefined;
  /** What dry-run would do, per step. */
  readonly plan: { green: number; change: string }[];
}

export interface StrategyDeps {
  readonly backend: TrafficBackend;
  readonly gate: Gate;
  readonly log: (line: string) => void;
  readonly signal?: AbortSignal;
}

function planSteps(options: Pick<StrategyOptions, 'strategy' | 'steps'>): number[] {
  // Step 0 is the gate with no traffic on green (pre-promotion analysis).
  return options.strategy === 'switch' ? [0, 100] : [0, ...options.steps];
}

export async function runPromotion(options: StrategyOptions, deps: StrategyDeps): Promise<PromoteResult> {
  const { backend, log } = deps;
  const initial = await backend.read();
  log(`${backend.describe()}: ${initial.kind === 'split' ? `green ${initial.green}%` : 'state unknown'} (${initial.detail})`);
  const base = { initial, steps: [] as StepRecord[], lastGateToGreenMs: undefined, revertMs: undefined, plan: [] as { green: number; change: string }[] };
  const liveOf = (green: number): PromoteResult['live'] => (green === 0 ? 'blue' : green === 100 ? 'green' : 'split');

  if (options.command === 'status') {
    return { ...base, outcome: 'status', live: initial.kind === 'split' ? liveOf(initial.green) : 'split', finalWeight: initial.kind === 'split' ? initial.green : -1, reason: initial.detail };
  }

  if (options.command === 'revert') {
    if (options.dryRun) {
      return { ...base, outcome: 'dry-run', live: initial.kind === 'split' ? liveOf(initial.green) : 'split', finalWeight: 0, reason: 'dry-run: revert', plan: [{ green: 0, change: await backend.render(0) }] };
    }
    const started = performance.now();
    const applied = await backend.apply(0);
    const record = newRecord(0, applied.actions, performance.now() - started);
    record.decision = 'reverted';
    record.reason = 'revert requested';
    log(`Reverted: 100% blue (${applied.actions.join('; ') || 'already there'})`);
    return { ...base, steps: [record], outcome: 'reverted', live: 'blue', finalWeight: 0, reason: 'revert requested', revertMs: performance.now() - started };
  }

  if (initial.kind === 'unknown') {
    return { ...base, outcome: 'failed', live: 'split', finalWeight: -1, reason: `cannot read the current split, so nothing was changed: ${initial.detail}. Fix the backend's state or run with command: revert` };
  }

  let steps = planSteps(options);
  let revertFirst = false;
  if (initial.green === 100) {
    log('Green already takes 100%: nothing to do');
    return { ...base, outcome: 'already-green', live: 'green', finalWeight: 100, reason: 'green already takes 100% (read back from the backend)' };
  }
  if (initial.green > 0) {
    if (options.onPartial === 'resume') {
      // Gate the live weight again before going further: it was never proven, or we would be past it.
      steps = [initial.green, ...steps.filter((s) => s > initial.green)];
      log(`Found green at ${initial.green}% (a previous run did not finish): resuming from there`);
    } else {
      revertFirst = true;
      log(`Found green at ${initial.green}% (a previous run did not finish): reverting to blue first (on-partial: revert)`);
    }
  }

  if (options.dryRun) {
    const plan = [];
    if (revertFirst) plan.push({ green: 0, change: await backend.render(0) });
    for (const green of steps) plan.push({ green, change: green === initial.green && !revertFirst ? '(already live)' : await backend.render(green) });
    return { ...base, outcome: 'dry-run', live: liveOf(initial.green), finalWeight: initial.green, reason: `dry-run: ${steps.join(' → ')}% green, nothing changed`, plan };
  }

  const records: StepRecord[] = [];
  let current = initial.green;
  let failures = 0;
  let lastGatePassedAt: number | undefined;
  let lastGateToGreenMs: number | undefined;

  const revert = async (reason: string, decision: Decision, failedAt: number): Promise<PromoteResult> => {
    let revertMs: number | undefined;
    let finalWeight = current;
    let message = reason;
    try {
      const applied = await backend.apply(0);
      revertMs = performance.now() - failedAt;
      finalWeight = applied.green;
      log(`Reverted to 100% blue in ${Math.round(revertMs)} ms: ${applied.actions.join('; ') || 'already there'}`);
    } catch (error) {
      message = `${reason}; and the revert to blue failed: ${errorMessage(error)}`;
      log(message);
      finalWeight = await backend.read().then((s) => (s.kind === 'split' ? s.green : -1), () => -1);
    }
    const last = records.at(-1);
    if (last !== undefined) {
      last.decision = decision;
      last.reason = message;
    }
    // -1: the split could not be read back, so it is not claimed to be blue.
    return { ...base, steps: records, outcome: decision === 'cancelled' ? 'reverted' : 'failed', live: finalWeight < 0 ? 'split' : liveOf(finalWeight), finalWeight, reason: message, lastGateToGreenMs, revertMs };
  };

  if (revertFirst) {
    const started = performance.now();
    const applied = await backend.apply(0);
    const record = newRecord(0, applied.actions, performance.now() - started);
    record.decision = 'reverted';
    record.reason = `green was at ${initial.green}% from an unfinished run; reverted before starting (on-partial: revert)`;
    records.push(record);
    current = 0;
  }

  const counter = await backend.frontCounter?.();
  for (const [index, green] of steps.entries()) {
    const stepStart = performance.now();
    let applyMs = 0;
    let actions: readonly string[] = [];
    if (green !== current) {
      try {
        const applied = await backend.apply(green);
        applyMs = performance.now() - stepStart;
        actions = applied.actions;
        current = applied.green;
      } catch (error) {
        records.push(newRecord(green, [], performance.now() - stepStart));
        return revert(`setting green to ${green}% failed: ${errorMessage(error)}`, 'error', performance.now());
      }
      if (green === 100 && lastGatePassedAt !== undefined) lastGateToGreenMs = performance.now() - lastGatePassedAt;
      log(`Green at ${green}% (${Math.round(applyMs)} ms: ${actions.join('; ') || 'no change'})`);
    }
    const record = newRecord(green, actions, applyMs);
    records.push(record);
    // Counts from before this weight belong to the previous step.
    try {
      await counter?.();
    } catch (error) {
      return revert(`reading green's traffic at the front at ${green}% failed: ${errorMessage(error)}`, 'error', performance.now());
    }

    const preGate = green === 0;
    const needed = preGate ? 1 : Math.max(1, Math.round(options.pauseMs / options.intervalMs));
    let passes = 0;
    let consecutive = 0;
    const withSmoke = index === 0;
    for (;;) {
      if (!preGate || record.measurements.length > 0) {
        const waited = await sleep(options.intervalMs, deps.signal);
        if (!waited) return revert('the run was cancelled', 'cancelled', performance.now());
      }
      if (deps.signal?.aborted) return revert('the run was cancelled', 'cancelled', performance.now());
      let measurement: Measurement;
      try {
        measurement = await deps.gate.measure(green, counter as (() => Promise<FrontCounts>) | undefined, withSmoke && record.measurements.length === 0);
      } catch (error) {
        // A front that cannot be read any more (a load balancer gone) proves nothing about green.
        record.durationMs = performance.now() - stepStart;
        return revert(`measuring green at ${green}% failed: ${errorMessage(error)}`, 'error', performance.now());
      }
      record.measurements.push(measurement);
      const line = measurement.figures.map((f) => `${f.name} ${f.status} (${f.measured})`).join(', ');
      log(`  green ${green}% measurement ${record.measurements.length}: ${measurement.status.toUpperCase()} — ${line}`);
      if (measurement.status === 'fail') {
        failures++;
        consecutive++;
        const count = options.failureCounting === 'consecutive' ? consecutive : failures;
        if (count > options.failureLimit) {
          record.durationMs = performance.now() - stepStart;
          const why = measurement.figures.filter((f) => f.status === 'fail').map((f) => `${f.name}: ${f.details}`).join('; ');
          return revert(`gate failed at green ${green}% (${count} ${options.failureCounting} failure(s), limit ${options.failureLimit}): ${why}`, 'failed', performance.now());
        }
      } else {
        consecutive = 0;
        if (measurement.status === 'pass') passes++;
      }
      if (passes >= needed) break;
      // Measurements take time of their own (probes, smoke), so the deadline runs after the pause.
      if (performance.now() - stepStart > (preGate ? 0 : options.pauseMs) + options.stepDeadlineMs) {
        record.durationMs = performance.now() - stepStart;
        const reason = `green ${green}% stayed inconclusive: ${passes} of ${needed} passing measurement(s) within pause + ${Math.round(options.stepDeadlineMs / 1000)}s (too few samples never pass a gate)`;
        if (options.onInconclusive === 'hold') {
          record.decision = 'inconclusive';
          record.reason = `${reason}; holding at ${green}% (on-inconclusive: hold) — re-run to resume, or run command: revert`;
          log(record.reason);
          return { ...base, steps: records, outcome: 'held', live: liveOf(current), finalWeight: current, reason: record.reason, lastGateToGreenMs, revertMs: undefined };
        }
        return revert(reason, 'inconclusive', performance.now());
      }
    }
    record.decision = 'passed';
    record.reason = `${passes} passing measurement(s)`;
    record.durationMs = performance.now() - stepStart;
    lastGatePassedAt = performance.now();
    log(`Gate passed at green ${green}%`);
  }
  return { ...base, steps: records, outcome: 'promoted', live: 'green', finalWeight: current, reason: `green takes 100% after ${records.length} gated step(s)`, lastGateToGreenMs, revertMs: undefined };
}

function newRecord(green: number, actions: readonly string[], applyMs: number): StepRecord {
  return { green, startedAt: new Date().toISOString(), applyMs: Math.round(applyMs), actions, measurements: [], decision: 'planned', reason: '', durationMs: 0 };
}
