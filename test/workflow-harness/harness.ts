// Runs a GitHub Actions workflow file locally, the way the runner would, for end-to-end tests of
// the example workflows. See README.md in this folder for what is supported and what is not.
//
// What it runs for real:
//   - `uses: ./actions/<name>` and `uses: <owner>/kong-upgrade-actions/actions/<name>@<ref>`: the
//     bundled dist/<name>/index.js through test/helpers/run-action.ts (INPUT_* with action.yml
//     defaults, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_ENV, RUNNER_TEMP per job);
//   - actions/checkout, actions/cache, actions/upload-artifact, actions/download-artifact: small
//     built-in stand-ins (a workspace copy, nothing, and a folder per artifact);
//   - `run:` steps only when their id is in `runScripts` (executed with bash exactly as written,
//     `${{ }}` substituted as the runner does); every other `run:` step must have a test command
//     in `commands` (by id or name), or the run fails: no step is ever skipped silently.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from '../helpers/paths.js';
import { parseAnnotations, parseFileCommand, runAction, type Annotation } from '../helpers/run-action.js';
import { evaluateCondition, interpolate, interpolateText, toText, type EvaluationContext, type Value } from './expressions.js';

export type Conclusion = 'success' | 'failure' | 'skipped' | 'cancelled';

export interface EnvironmentConfig {
  readonly secrets?: Readonly<Record<string, string>>;
  readonly vars?: Readonly<Record<string, string>>;
  /**
   * The required reviewers' decision; default approve. A rejected deployment fails the job
   * without running a step, as GitHub does.
   */
  readonly approve?: boolean | ((job: string) => boolean);
}

export interface StepContext {
  readonly job: string;
  readonly environment: string | undefined;
  /** The step's id (or undefined). */
  readonly id: string | undefined;
  readonly name: string;
  /** The step's `env:` evaluated, over the workflow's and the job's env. */
  readonly env: Readonly<Record<string, string>>;
  /** The job's RUNNER_TEMP and workspace. */
  readonly runnerTemp: string;
  readonly workspace: string;
  /** Writes a line to the run's log (as the step's output). */
  log(line: string): void;
}

/** A test command standing in for a `run:` step (an operator step: "start Kong X"). */
export type StepCommand = (ctx: StepContext) => Promise<void | { outputs?: Record<string, string> }>;

/** A stand-in for a third-party action: inputs in, outputs out. */
export type ActionStandIn = (inputs: Readonly<Record<string, string>>, ctx: StepContext) => Promise<Record<string, string> | void>;

export interface RunWorkflowOptions {
  /** Path of the workflow file (relative to the repository or absolute). */
  readonly workflow: string;
  /** Where everything the run writes goes (logs, summaries, artifacts, runner temps, workspaces). */
  readonly workDir: string;
  readonly event?: string;
  readonly inputs?: Readonly<Record<string, string | boolean | number>>;
  readonly secrets?: Readonly<Record<string, string>>;
  /**
   * Repository variables. Read at each evaluation, so a test command may change one (an operator
   * step that repoints a DNS name: the new node's Admin API is on another port here).
   */
  readonly vars?: Record<string, string>;
  readonly environments?: Readonly<Record<string, EnvironmentConfig>>;
  /** Test commands for `run:` steps, by step id or name. */
  readonly commands?: Readonly<Record<string, StepCommand>>;
  /** Ids of `run:` steps executed for real with bash. Everything else needs a command. */
  readonly runScripts?: readonly string[];
  /** Stand-ins for other `uses:` actions, by `owner/name` (no @ref). */
  readonly actions?: Readonly<Record<string, ActionStandIn>>;
  /** Files copied into each job's workspace by actions/checkout (the repository as checked out). */
  readonly checkout?: string;
  /** Extra environment for every step's process (e.g. PATH with test tools). */
  readonly processEnv?: Readonly<Record<string, string>>;
  /** Run only these jobs (and treat the others as never defined). */
  readonly jobs?: readonly string[];
  /** Sample every process's argv (/proc/<pid>/cmdline) every this many ms while steps run. */
  readonly sampleArgvMs?: number;
  /** github.run_id; default a fixed number. */
  readonly runId?: string;
  /** Called before each step (tests observe the world between steps). */
  readonly beforeStep?: (job: string, step: StepResultPartial) => Promise<void> | void;
  readonly stepTimeoutMs?: number;
}

export interface StepResultPartial {
  readonly id: string | undefined;
  readonly name: string;
}

export interface StepResult extends StepResultPartial {
  readonly kind: 'action' | 'script' | 'command' | 'stand-in' | 'skipped';
  readonly uses?: string;
  /** Inputs as given to the action (after evaluation), secrets included: for assertions only. */
  readonly inputs?: Readonly<Record<string, string>>;
  readonly outcome: Conclusion;
  readonly conclusion: Conclusion;
  readonly outputs: Record<string, string>;
  readonly stdout: string;
  readonly stderr: string;
  readonly summary: string;
  readonly annotations: Annotation[];
  readonly error?: string;
  readonly seconds: number;
}

export interface JobResult {
  readonly id: string;
  readonly result: Conclusion;
  readonly environment: string | undefined;
  readonly outputs: Record<string, string>;
  readonly steps: StepResult[];
  /** Why the job did not run (condition false, a need failed, reviewers rejected). */
  readonly reason?: string;
  readonly matrix?: Record<string, Value>;
}

export interface WorkflowRun {
  readonly conclusion: 'success' | 'failure';
  /** In `needs` order; a matrix job appears once per combination (`id (a, b)`). */
  readonly jobs: JobResult[];
  readonly job: (id: string) => JobResult;
  readonly step: (job: string, id: string) => StepResult;
  /** Every line written to the log, prefixed `job/step | `. */
  readonly log: string[];
  readonly artifactsDir: string;
  readonly artifactNames: string[];
  /** Unique argv lines seen while steps ran (when sampleArgvMs is set). */
  readonly argv: string[];
  readonly concurrencyGroup: string | undefined;
}

interface WorkflowFile {
  name?: string;
  on?: unknown;
  env?: Record<string, unknown>;
  concurrency?: unknown;
  jobs: Record<string, JobDef>;
}

interface JobDef {
  name?: string;
  needs?: string | string[];
  if?: unknown;
  environment?: string | { name: string; url?: string };
  env?: Record<string, unknown>;
  outputs?: Record<string, string>;
  steps?: StepDef[];
  strategy?: { matrix?: Record<string, unknown>; 'fail-fast'?: boolean; 'max-parallel'?: number };
  'continue-on-error'?: boolean;
  uses?: string;
}

interface StepDef {
  id?: string;
  name?: string;
  if?: unknown;
  uses?: string;
  run?: string;
  shell?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  'continue-on-error'?: boolean;
  'working-directory'?: string;
}

const SUITE_ACTION = /^(?:\.\/actions\/([a-z-]+)|[^/\s]+\/kong-upgrade-actions\/actions\/([a-z-]+)@\S+)$/;

export function loadWorkflow(file: string): WorkflowFile {
  const full = path.isAbsolute(file) ? file : path.join(REPO_ROOT, file);
  const doc = parseYaml(readFileSync(full, 'utf8')) as WorkflowFile;
  if (!doc || typeof doc !== 'object' || !doc.jobs) throw new Error(`${file}: no jobs`);
  return doc;
}

/** Jobs in an order where each comes after its needs; a cycle or an unknown need throws. */
export function jobOrder(jobs: Record<string, { needs?: string | string[] }>): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, from?: string) => {
    const job = jobs[id];
    if (!job) throw new Error(`job '${from}' needs unknown job '${id}'`);
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw new Error(`needs cycle through '${id}'`);
    state.set(id, 'visiting');
    for (const need of needsOf(job)) visit(need, id);
    state.set(id, 'done');
    order.push(id);
  };
  for (const id of Object.keys(jobs)) visit(id);
  return order;
}

function needsOf(job: { needs?: string | string[] }): string[] {
  return job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
}

/** The combinations of `strategy.matrix` (arrays crossed, then `include` added, `exclude` removed). */
export function expandMatrix(matrix: Record<string, unknown> | undefined, ctx: EvaluationContext): Record<string, Value>[] {
  if (!matrix) return [{}];
  const resolved = (value: unknown): Value => (typeof value === 'string' ? interpolate(value, ctx) : ((value ?? null) as Value));
  let combos: Record<string, Value>[] = [{}];
  for (const [key, raw] of Object.entries(matrix)) {
    if (key === 'include' || key === 'exclude') continue;
    const values = resolved(raw);
    if (!Array.isArray(values)) throw new Error(`matrix.${key} is not a list`);
    combos = combos.flatMap((combo) => values.map((v) => ({ ...combo, [key]: v })));
  }
  const include = resolved(matrix.include);
  const exclude = resolved(matrix.exclude);
  if (Array.isArray(exclude)) {
    combos = combos.filter((combo) => !exclude.some((ex) => typeof ex === 'object' && ex !== null && !Array.isArray(ex) && Object.entries(ex).every(([k, v]) => combo[k] === v)));
  }
  if (Array.isArray(include)) {
    for (const extra of include) {
      if (typeof extra === 'object' && extra !== null && !Array.isArray(extra)) {
        combos.push({ ...extra });
      }
    }
    // An empty cross product with includes: the includes alone (GitHub does the same).
    if (combos.length > 1 && Object.keys(combos[0]!).length === 0) combos.shift();
  }
  return combos;
}


/** Runs the workflow's jobs in `needs` order and returns what happened. */
export async function runWorkflow(options: RunWorkflowOptions): Promise<WorkflowRun> {
  const wf = loadWorkflow(options.workflow);
  const workDir = options.workDir;
  mkdirSync(workDir, { recursive: true });
  const artifactsDir = path.join(workDir, 'artifacts');
  const logDir = path.join(workDir, 'logs');
  mkdirSync(artifactsDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });

  const runId = options.runId ?? '4242';
  const log: string[] = [];
  const argv = new Set<string>();
  const jobsDefined = Object.fromEntries(
    Object.entries(wf.jobs).filter(([id]) => !options.jobs || options.jobs.includes(id)),
  ) as Record<string, JobDef>;
  for (const job of Object.values(jobsDefined)) {
    // needs on a job left out by options.jobs: that need counts as succeeded with no outputs.
    job.needs = needsOf(job).filter((n) => n in jobsDefined);
  }
  const order = jobOrder(jobsDefined);
  const inputs = declaredInputs(wf, options.inputs ?? {});
  const github: Record<string, Value> = {
    run_id: runId,
    run_number: '1',
    run_attempt: '1',
    repository: 'example/kong-ops',
    repository_owner: 'example',
    event_name: options.event ?? 'workflow_dispatch',
    ref: 'refs/heads/main',
    sha: '0'.repeat(40),
    actor: 'workflow-harness',
    workflow: wf.name ?? path.basename(options.workflow),
    token: 'ghs_harness-token-not-a-secret',
    api_url: 'http://127.0.0.1:9/api',
    server_url: 'http://127.0.0.1:9',
    event: { inputs: inputs as Value },
  };
  const jobResults: JobResult[] = [];
  const byId = new Map<string, { result: Conclusion; outputs: Record<string, string> }>();
  const artifactNames: string[] = [];

  const baseContexts = (): Record<string, Value> => ({
    github: { ...github },
    inputs: inputs as Value,
    vars: { ...(options.vars ?? {}) },
    needs: {},
  });

  const concurrencyGroup = (() => {
    const c = wf.concurrency;
    const group = typeof c === 'string' ? c : typeof c === 'object' && c !== null ? (c as { group?: string }).group : undefined;
    return group === undefined ? undefined : interpolateText(group, { contexts: baseContexts() });
  })();

  for (const jobId of order) {
    const def = jobsDefined[jobId]!;
    const needs = needsOf(def);
    const needsContext: Record<string, Value> = {};
    for (const need of needs) {
      const r = byId.get(need)!;
      needsContext[need] = { result: r.result, outputs: r.outputs };
    }
    const jobCtx: EvaluationContext = {
      contexts: { ...baseContexts(), needs: needsContext },
      status: {
        success: () => needs.every((n) => byId.get(n)?.result === 'success'),
        failure: () => needs.some((n) => byId.get(n)?.result === 'failure'),
        always: () => true,
        cancelled: () => false,
      },
    };
    if (def.uses) throw new Error(`job '${jobId}': reusable workflows are not supported by the harness`);
    if (!evaluateCondition(def.if, jobCtx)) {
      const reason = def.if === undefined ? `a needed job did not succeed (${needs.map((n) => `${n}: ${byId.get(n)?.result}`).join(', ')})` : `if: ${String(def.if)} is false`;
      const skipped: JobResult = { id: jobId, result: 'skipped', environment: undefined, outputs: {}, steps: [], reason };
      jobResults.push(skipped);
      byId.set(jobId, { result: 'skipped', outputs: {} });
      log.push(`${jobId} | skipped: ${reason}`);
      continue;
    }

    const combos = expandMatrix(def.strategy?.matrix, jobCtx);
    const failFast = def.strategy?.['fail-fast'] ?? true;
    let jobResult: Conclusion = 'success';
    let jobOutputs: Record<string, string> = {};
    for (const matrix of combos) {
      const label = Object.keys(matrix).length ? `${jobId} (${Object.values(matrix).map(toText).join(', ')})` : jobId;
      if (jobResult === 'failure' && failFast) {
        jobResults.push({ id: label, result: 'cancelled', environment: undefined, outputs: {}, steps: [], reason: 'fail-fast: an earlier combination failed', matrix });
        log.push(`${label} | cancelled (fail-fast)`);
        continue;
      }
      const result = await runJob(jobId, label, def, matrix, needsContext);
      jobResults.push(result);
      if (result.result === 'failure') jobResult = 'failure';
      jobOutputs = { ...jobOutputs, ...result.outputs };
    }
    byId.set(jobId, { result: jobResult, outputs: jobOutputs });
  }

  async function runJob(jobId: string, label: string, def: JobDef, matrix: Record<string, Value>, needsContext: Record<string, Value>): Promise<JobResult> {
    const preCtx: EvaluationContext = { contexts: { ...baseContexts(), needs: needsContext, matrix } };
    const environment = def.environment === undefined ? undefined : interpolateText(typeof def.environment === 'string' ? def.environment : def.environment.name, preCtx);
    const envConfig = environment === undefined ? undefined : options.environments?.[environment];
    if (environment !== undefined && !envConfig) {
      // GitHub creates a missing environment on the fly (no secrets): tests must declare theirs.
      throw new Error(`job '${jobId}' uses environment '${environment}', which the test did not declare`);
    }
    const approve = envConfig?.approve;
    if (approve === false || (typeof approve === 'function' && !approve(jobId))) {
      log.push(`${label} | deployment to '${environment}' rejected by the reviewers`);
      return { id: label, result: 'failure', environment, outputs: {}, steps: [], reason: `reviewers rejected the deployment to ${environment}`, matrix };
    }

    const slug = label.replace(/[^A-Za-z0-9._-]+/g, '_');
    const jobDir = path.join(workDir, 'jobs', slug);
    const runnerTemp = path.join(jobDir, 'runner-temp');
    const workspace = path.join(jobDir, 'workspace');
    mkdirSync(runnerTemp, { recursive: true });
    mkdirSync(workspace, { recursive: true });

    const secrets: Record<string, string> = { GITHUB_TOKEN: String(github.token), ...(options.secrets ?? {}), ...(envConfig?.secrets ?? {}) };
    const varsNow = (): Record<string, Value> => ({ ...(options.vars ?? {}), ...(envConfig?.vars ?? {}) });
    const steps: Record<string, Value> = {};
    const results: StepResult[] = [];
    let failed = false;
    // GITHUB_ENV additions of earlier steps.
    const exported: Record<string, string> = {};

    const contexts = (env: Record<string, string>): Record<string, Value> => ({
      github: { ...github, job: jobId, workspace },
      inputs: inputs as Value,
      vars: varsNow(),
      secrets,
      needs: needsContext,
      matrix,
      steps,
      env,
      runner: { temp: runnerTemp, os: 'Linux', arch: 'X64', name: 'workflow-harness', environment: 'self-hosted' },
      job: { status: failed ? 'failure' : 'success' },
      strategy: { 'fail-fast': def.strategy?.['fail-fast'] ?? true, 'max-parallel': def.strategy?.['max-parallel'] ?? 1 },
    });
    const stepStatus = {
      success: () => !failed,
      failure: () => failed,
      always: () => true,
      cancelled: () => false,
    };

    // env: workflow's, then the job's (each evaluated with what is visible at its level).
    const workflowEnv = evaluateEnv(wf.env, { contexts: contexts({}) });
    const jobEnv = { ...workflowEnv, ...evaluateEnv(def.env, { contexts: contexts(workflowEnv) }) };

    for (const [index, step] of (def.steps ?? []).entries()) {
      const name = step.name ?? (step.uses ? `Run ${step.uses}` : `Run ${String(step.run).split('\n')[0]}`);
      const envBefore = { ...jobEnv, ...exported };
      const ctx: EvaluationContext = { contexts: contexts(envBefore), status: stepStatus };
      const started = Date.now();
      let run: boolean;
      try {
        run = evaluateCondition(step.if, ctx);
      } catch (error) {
        throw new Error(`job '${jobId}' step '${step.id ?? name}': if: ${(error as Error).message}`, { cause: error });
      }
      if (!run) {
        const skipped = emptyStep(step, name, 'skipped', started);
        results.push(skipped);
        if (step.id) steps[step.id] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
        log.push(`${label}/${step.id ?? index} | skipped (if: ${String(step.if)})`);
        continue;
      }
      await options.beforeStep?.(jobId, { id: step.id, name });
      const stepEnv = { ...envBefore, ...evaluateEnv(step.env, ctx) };
      const stepCtx: StepContext = {
        job: jobId,
        environment,
        id: step.id,
        name,
        env: stepEnv,
        runnerTemp,
        workspace,
        log: (line) => log.push(`${label}/${step.id ?? index} | ${line}`),
      };
      const sampler = options.sampleArgvMs ? startArgvSampler(options.sampleArgvMs, argv) : undefined;
      let result: StepResult;
      try {
        result = await runStep(step, name, ctx, stepCtx, stepEnv, started);
      } catch (error) {
        result = { ...emptyStep(step, name, 'failure', started), error: (error as Error).message };
      } finally {
        sampler?.stop();
      }
      for (const line of `${result.stdout}${result.stderr}`.split('\n')) if (line !== '') log.push(`${label}/${step.id ?? index} | ${line}`);
      if (result.error) log.push(`${label}/${step.id ?? index} | harness: ${result.error}`);
      writeFileSync(path.join(logDir, `${slug}.${String(index).padStart(2, '0')}.${(step.id ?? 'step').replace(/[^A-Za-z0-9._-]/g, '_')}.log`), `${result.stdout}\n--- stderr\n${result.stderr}\n--- summary\n${result.summary}\n--- outputs\n${JSON.stringify(result.outputs, null, 2)}\n`);
      const continueOnError = step['continue-on-error'] === true;
      const finalResult: StepResult = result.outcome === 'failure' && continueOnError ? { ...result, conclusion: 'success' } : result;
      results.push(finalResult);
      if (step.id) steps[step.id] = { outputs: finalResult.outputs, outcome: finalResult.outcome, conclusion: finalResult.conclusion };
      if (finalResult.conclusion === 'failure') failed = true;
    }

    const result: Conclusion = failed ? 'failure' : 'success';
    const outputs: Record<string, string> = {};
    const finalCtx: EvaluationContext = { contexts: contexts({ ...jobEnv, ...exported }), status: stepStatus };
    for (const [key, expr] of Object.entries(def.outputs ?? {})) outputs[key] = interpolateText(expr, finalCtx);
    writeFileSync(path.join(workDir, 'jobs', slug, 'summary.md'), results.map((r) => r.summary).join('\n'));
    log.push(`${label} | ${result}`);
    return { id: label, result, environment, outputs, steps: results, matrix };

    async function runStep(step: StepDef, name: string, ctx: EvaluationContext, stepCtx: StepContext, stepEnv: Record<string, string>, started: number): Promise<StepResult> {
      if (step.uses) {
        const uses = interpolateText(step.uses, ctx);
        const withInputs: Record<string, string> = {};
        for (const [key, value] of Object.entries(step.with ?? {})) withInputs[key] = interpolateText(value, ctx);
        const suite = SUITE_ACTION.exec(uses);
        if (suite) {
          const actionName = (suite[1] ?? suite[2])!;
          const all = withActionDefaults(actionName, withInputs, ctx);
          const entry = path.join(REPO_ROOT, 'dist', actionName, 'index.js');
          if (!existsSync(entry)) throw new Error(`${uses}: dist/${actionName}/index.js does not exist (action not built yet)`);
          const run = await runAction(actionName, all, {
            cwd: workspace,
            timeoutMs: options.stepTimeoutMs ?? 120_000,
            env: {
              ...(options.processEnv ?? {}),
              ...stepEnv,
              RUNNER_TEMP: runnerTemp,
              GITHUB_RUN_ID: runId,
              GITHUB_REPOSITORY: String(github.repository),
              GITHUB_JOB: jobId,
              GITHUB_WORKFLOW: String(github.workflow),
            },
          });
          Object.assign(exported, run.exportedEnv);
          const outcome: Conclusion = run.exitCode === 0 ? 'success' : 'failure';
          return {
            id: step.id, name, kind: 'action', uses, inputs: all, outcome, conclusion: outcome, outputs: run.outputs,
            stdout: run.stdout, stderr: run.stderr, summary: run.summary, annotations: run.annotations, seconds: (Date.now() - started) / 1000,
          };
        }
        const bare = uses.replace(/@.*$/, '');
        const builtinAction = builtin(bare);
        const standIn = options.actions?.[bare];
        if (!builtinAction && !standIn) throw new Error(`no stand-in for action ${uses}`);
        const lines: string[] = [];
        const outputs = ((await (standIn ?? builtinAction!)(withInputs, { ...stepCtx, log: (line) => lines.push(line) })) ?? {}) as Record<string, string>;
        return {
          id: step.id, name, kind: 'stand-in', uses, inputs: withInputs, outcome: 'success', conclusion: 'success', outputs,
          stdout: lines.map((l) => `${l}\n`).join(''), stderr: '', summary: '', annotations: [], seconds: (Date.now() - started) / 1000,
        };
      }
      if (step.run === undefined) throw new Error(`step '${step.id ?? name}' has neither uses nor run`);
      const command = (step.id && options.commands?.[step.id]) || options.commands?.[name];
      if (command) {
        const lines: string[] = [];
        let error: string | undefined;
        let outputs: Record<string, string> = {};
        try {
          outputs = (await command({ ...stepCtx, log: (line) => lines.push(line) }))?.outputs ?? {};
        } catch (e) {
          error = (e as Error).message;
        }
        const outcome: Conclusion = error ? 'failure' : 'success';
        return {
          id: step.id, name, kind: 'command', outcome, conclusion: outcome, outputs,
          stdout: lines.map((l) => `${l}\n`).join(''), stderr: error ? `${error}\n` : '', summary: '', annotations: [], ...(error && { error }),
          seconds: (Date.now() - started) / 1000,
        };
      }
      if (step.id && options.runScripts?.includes(step.id)) {
        // The runner substitutes `${{ }}` into the script text before bash sees it: do the same,
        // so a workflow that interpolates an input into a script is as injectable here as there.
        const script = interpolateText(step.run, ctx);
        return runScript(step, name, script, stepEnv, started);
      }
      throw new Error(`run step '${step.id ?? name}' has no test command and is not in runScripts: the harness never runs a shell step it was not told to`);
    }

    async function runScript(step: StepDef, name: string, script: string, stepEnv: Record<string, string>, started: number): Promise<StepResult> {
      const stepDir = path.join(jobDir, `step-${step.id ?? 'run'}-${Date.now()}`);
      mkdirSync(stepDir, { recursive: true });
      const files = { GITHUB_OUTPUT: path.join(stepDir, 'output'), GITHUB_STEP_SUMMARY: path.join(stepDir, 'summary'), GITHUB_ENV: path.join(stepDir, 'env'), GITHUB_PATH: path.join(stepDir, 'path') };
      for (const f of Object.values(files)) writeFileSync(f, '');
      const scriptFile = path.join(stepDir, 'script.sh');
      writeFileSync(scriptFile, script);
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(INPUT_|GITHUB_|RUNNER_)/.test(k)) env[k] = v;
      Object.assign(env, options.processEnv ?? {}, stepEnv, files, {
        RUNNER_TEMP: runnerTemp, GITHUB_WORKSPACE: workspace, GITHUB_RUN_ID: runId, GITHUB_ACTIONS: 'true', CI: 'true',
      });
      // `shell: bash` (and the default on Linux runners with bash present) runs this command line.
      const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', scriptFile], { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
        child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
        const timer = setTimeout(() => child.kill('SIGKILL'), options.stepTimeoutMs ?? 120_000);
        child.on('error', reject);
        child.on('close', (c) => {
          clearTimeout(timer);
          resolve({ code: c ?? 1, stdout: out, stderr: err });
        });
      });
      const outputs = parseFileCommand(readFileSync(files.GITHUB_OUTPUT, 'utf8'));
      Object.assign(exported, parseFileCommand(readFileSync(files.GITHUB_ENV, 'utf8')));
      const summary = readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8');
      rmSync(scriptFile);
      const outcome: Conclusion = code === 0 ? 'success' : 'failure';
      return {
        id: step.id, name, kind: 'script', outcome, conclusion: outcome, outputs, stdout, stderr, summary,
        annotations: parseAnnotations(stdout), seconds: (Date.now() - started) / 1000, ...(code !== 0 && { error: `exit code ${code}` }),
      };
    }
  }

  function emptyStep(step: StepDef, name: string, outcome: Conclusion, started: number): StepResult {
    return {
      id: step.id, name, kind: 'skipped', outcome, conclusion: outcome, outputs: {}, stdout: '', stderr: '', summary: '', annotations: [],
      seconds: (Date.now() - started) / 1000,
    };
  }

  // actions/checkout, cache, upload-artifact and download-artifact: enough for the workflows'
  // data flow (artifacts carry the plan and backups between jobs, as on GitHub).
  function builtin(bare: string): ActionStandIn | undefined {
    return builtins()[bare];
  }
  function builtins(): Record<string, ActionStandIn> {
    return {
    'actions/checkout': async (_inputs, ctx) => {
      if (options.checkout) cpSync(options.checkout, ctx.workspace, { recursive: true });
    },
    'actions/cache': async () => ({ 'cache-hit': 'false' }),
    'actions/upload-artifact': async (inputs, ctx) => {
      const name = inputs.name || 'artifact';
      if (!/^[^"<>|*?\r\n\\/:]+$/.test(name)) throw new Error(`upload-artifact: invalid artifact name ${JSON.stringify(name)}`);
      const paths = (inputs.path ?? '').split('\n').map((p) => p.trim()).filter(Boolean).map((p) => path.resolve(ctx.workspace, p));
      const present = paths.filter((p) => existsSync(p));
      if (present.length === 0) {
        if ((inputs['if-no-files-found'] ?? 'warn') === 'error') throw new Error(`upload-artifact: no files at ${paths.join(', ')}`);
        ctx.log(`upload-artifact: no files found for ${name}`);
        return undefined;
      }
      // Like upload-artifact: the least common ancestor of the paths is the artifact's root.
      const files = present.flatMap((p) => (statSync(p).isDirectory() ? listFiles(p) : [p]));
      const root = commonDir(present.map((p) => (statSync(p).isDirectory() ? p : path.dirname(p))));
      const dest = path.join(artifactsDir, name);
      if (existsSync(dest)) throw new Error(`upload-artifact: an artifact named ${name} already exists in this run`);
      for (const file of files) {
        const target = path.join(dest, path.relative(root, file));
        mkdirSync(path.dirname(target), { recursive: true });
        cpSync(file, target);
      }
      artifactNames.push(name);
      ctx.log(`uploaded artifact ${name}: ${files.length} file(s)`);
      return { 'artifact-id': String(artifactNames.length) };
    },
    'actions/download-artifact': async (inputs, ctx) => {
      const name = inputs.name;
      if (!name) throw new Error('download-artifact: the harness needs a name');
      const source = path.join(artifactsDir, name);
      if (!existsSync(source)) throw new Error(`download-artifact: no artifact named ${name}`);
      const dest = path.resolve(ctx.workspace, inputs.path || '.');
      cpSync(source, dest, { recursive: true });
      ctx.log(`downloaded artifact ${name}`);
      return { 'download-path': dest };
    },
    };
  }

  const conclusion = jobResults.some((j) => j.result === 'failure' || j.result === 'cancelled') ? 'failure' : 'success';
  writeFileSync(path.join(workDir, 'run.log'), `${log.join('\n')}\n`);
  writeFileSync(path.join(workDir, 'jobs.json'), JSON.stringify(jobResults.map((j) => ({ id: j.id, result: j.result, outputs: j.outputs, reason: j.reason, steps: j.steps.map((s) => ({ id: s.id, name: s.name, outcome: s.outcome, outputs: s.outputs })) })), null, 2));
  const run: WorkflowRun = {
    conclusion,
    jobs: jobResults,
    job(id) {
      const found = jobResults.find((j) => j.id === id);
      if (!found) throw new Error(`no job ${id} in this run (${jobResults.map((j) => j.id).join(', ')})`);
      return found;
    },
    step(jobId, id) {
      const found = run.job(jobId).steps.find((s) => s.id === id);
      if (!found) throw new Error(`no step ${id} in job ${jobId}`);
      return found;
    },
    log,
    artifactsDir,
    artifactNames,
    argv: [...argv],
    concurrencyGroup,
  };
  return run;
}

/** workflow_dispatch inputs with their declared defaults; an undeclared input is an error. */
function declaredInputs(wf: WorkflowFile, given: Readonly<Record<string, string | boolean | number>>): Record<string, Value> {
  const on = wf.on as Record<string, unknown> | undefined;
  const dispatch = (on?.workflow_dispatch ?? on?.workflow_call) as { inputs?: Record<string, { default?: unknown; type?: string; required?: boolean; options?: unknown[] }> } | null | undefined;
  const declared = dispatch?.inputs ?? {};
  const result: Record<string, Value> = {};
  for (const key of Object.keys(given)) if (!(key in declared)) throw new Error(`input '${key}' is not declared by the workflow`);
  for (const [key, spec] of Object.entries(declared)) {
    const raw = key in given ? given[key] : spec.default;
    if (raw === undefined && spec.required) throw new Error(`input '${key}' is required`);
    if (spec.type === 'boolean') result[key] = raw === true || raw === 'true';
    else if (spec.type === 'number') result[key] = raw === undefined ? null : Number(raw);
    else result[key] = raw === undefined ? '' : String(raw);
    if (spec.type === 'choice' && Array.isArray(spec.options) && !spec.options.map(String).includes(String(result[key]))) {
      throw new Error(`input '${key}': ${String(result[key])} is not one of ${spec.options.join(', ')}`);
    }
  }
  return result;
}

function evaluateEnv(env: Record<string, unknown> | undefined, ctx: EvaluationContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env ?? {})) out[key] = interpolateText(value, ctx);
  return out;
}

interface ActionInputSpec {
  default?: unknown;
  required?: boolean;
}

/**
 * The inputs the runner gives an action: `with:` plus action.yml's defaults (expressions in them
 * evaluated). An input the action does not declare is an error here, where GitHub only warns:
 * a misspelt input in an example workflow would otherwise be silently ignored.
 */
function withActionDefaults(name: string, given: Record<string, string>, ctx: EvaluationContext): Record<string, string> {
  const metadata = parseYaml(readFileSync(path.join(REPO_ROOT, 'actions', name, 'action.yml'), 'utf8')) as { inputs?: Record<string, ActionInputSpec> };
  const declared = metadata.inputs ?? {};
  const unknown = Object.keys(given).filter((key) => !(key in declared));
  if (unknown.length > 0) throw new Error(`actions/${name} has no input(s) ${unknown.join(', ')}`);
  const all: Record<string, string> = {};
  for (const [key, spec] of Object.entries(declared)) {
    if (key in given) all[key] = given[key]!;
    else if (spec.default !== undefined) all[key] = interpolateText(spec.default, ctx);
  }
  return all;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? listFiles(full) : [full];
  });
}

function commonDir(dirs: string[]): string {
  let common = dirs[0]!.split(path.sep);
  for (const dir of dirs.slice(1)) {
    const parts = dir.split(path.sep);
    let i = 0;
    while (i < common.length && i < parts.length && common[i] === parts[i]) i++;
    common = common.slice(0, i);
  }
  return common.join(path.sep) || path.sep;
}

/** Polls /proc for every process's argv while a step runs. */
function startArgvSampler(everyMs: number, into: Set<string>): { stop(): void } {
  const sample = () => {
    let entries: string[] = [];
    try {
      entries = readdirSync('/proc');
    } catch {
      return;
    }
    for (const entry of entries) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const line = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
        if (line) into.add(line);
      } catch {
        // the process ended
      }
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
    },
  };
}

/** Every file under `dir` (for "grep everything the run wrote"). */
export function filesUnder(dir: string): string[] {
  return existsSync(dir) ? listFiles(dir) : [];
}
