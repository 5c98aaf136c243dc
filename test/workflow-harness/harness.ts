// Runs a GitHub Actions workflow file locally, the way GitHub would, for end-to-end tests of the
// example workflows. The file is read by GitHub's own parser (@actions/workflow-parser: a schema
// error fails the run before anything starts) and every `${{ }}` is evaluated by GitHub's own
// evaluator (@actions/expressions, see evaluate.ts). See README.md in this folder.
//
// What it runs for real:
//   - `uses: ./actions/<name>` and `uses: <owner>/kong-upgrade-actions/actions/<name>@<ref>`: the
//     bundled dist/<name>/index.js through test/helpers/run-action.ts (INPUT_* with action.yml
//     defaults, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_ENV, RUNNER_TEMP per job);
//   - reusable workflows (`uses: ./.github/workflows/<file>` or `<owner>/<repo>/...@<ref>`, both
//     from this checkout): inputs, secrets and outputs as `on.workflow_call` declares them;
//   - actions/checkout, actions/cache, actions/upload-artifact, actions/download-artifact: small
//     built-in stand-ins (a workspace copy, nothing, and a folder per artifact);
//   - `run:` steps only when their id is in `runScripts` (executed with bash exactly as written,
//     `${{ }}` substituted as the runner does); every other `run:` step must have a test command
//     in `commands` (by id or name), or the run fails: no step is ever skipped silently.
// Jobs run one after another in `needs` order; the combinations of a matrix run side by side up
// to `max-parallel`. Cancelling (fail-fast, a timeout, a concurrency group) takes effect between
// steps, as the runner's `if:` evaluation sees it; only a timeout kills the step in progress.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isMapping, isString } from '@actions/workflow-parser';
import type { ActionTemplate } from '@actions/workflow-parser/actions/index';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import { REPO_ROOT } from '../helpers/paths.js';
import { builtinActions, listFiles } from './builtins.js';
import { ConcurrencyGroups } from './concurrency.js';
import { evaluateCondition, evaluateStrings, evaluateText, evaluateToken, toText, type Scope, type StatusFunctions, type Value } from './evaluate.js';
import { expandMatrix, type Combination } from './matrix.js';
import { runCommand, runScript, runStandIn, runSuiteAction, suiteAction, type Execution } from './steps.js';
import type { Conclusion, Deployment, JobResult, RunWorkflowOptions, StepContext, StepResult, WorkflowIdentity, WorkflowRun } from './types.js';
import {
  child, eventToken, jobToken, loadAction, loadWorkflow, resolveReusable, stepTokens,
  type Job, type LoadedWorkflow, type ReusableWorkflowJob, type Step,
} from './workflow.js';

export type * from './types.js';
export { ConcurrencyGroups } from './concurrency.js';
export { expandMatrix } from './matrix.js';
export { loadWorkflow, WorkflowParseError } from './workflow.js';

/** GitHub's default `timeout-minutes` of a job. */
const DEFAULT_JOB_TIMEOUT_MINUTES = 360;
/** @actions/workflow-parser's default maxReusableWorkflowDepth. */
const MAX_CALL_DEPTH = 4;

/** A cancellation (fail-fast, a timeout, a concurrency group) seen by everything below it. */
class Cancellation {
  private own: string | undefined;
  constructor(private readonly parent?: Cancellation) {}
  cancel(reason: string): void {
    this.own ??= reason;
  }
  get reason(): string | undefined {
    return this.own ?? this.parent?.reason;
  }
}

/** One workflow's jobs being run: the run's own workflow, or a reusable workflow it calls. */
interface Invocation {
  readonly workflow: LoadedWorkflow;
  readonly inputs: Record<string, Value>;
  /** The secrets the workflow sees (environment secrets come on top, per job). */
  readonly secrets: Record<string, string>;
  /** Label prefix of its jobs: '' at the top, `caller / ` inside a call. */
  readonly prefix: string;
  readonly depth: number;
  readonly cancellation: Cancellation;
  /** Concurrency groups its callers hold: asking for one again would wait forever. */
  readonly held: ReadonlySet<string>;
  readonly onlyJobs: readonly string[] | undefined;
  /** The repository and commit the workflow file comes from (the `job` context's workflow_*). */
  readonly identity: WorkflowIdentity;
}

interface Finished {
  readonly result: Conclusion;
  readonly outputs: Record<string, string>;
}

/** Jobs in an order where each comes after its needs (GitHub's parser rejects cycles and unknown needs). */
function jobOrder(jobs: Record<string, { needs?: string | string[] }>): string[] {
  const order: string[] = [];
  const visit = (id: string) => {
    if (order.includes(id)) return;
    const needs = jobs[id]?.needs ?? [];
    for (const need of Array.isArray(needs) ? needs : [needs]) if (need in jobs) visit(need);
    order.push(id);
  };
  for (const id of Object.keys(jobs)) visit(id);
  return order;
}

/** Runs the workflow's jobs in `needs` order and returns what happened. */
export async function runWorkflow(options: RunWorkflowOptions): Promise<WorkflowRun> {
  const top = await loadWorkflow(options.workflow, options.repository === undefined ? {} : { repository: options.repository });
  const workDir = options.workDir;
  const artifacts = { dir: path.join(workDir, 'artifacts'), names: [] as string[] };
  const logDir = path.join(workDir, 'logs');
  mkdirSync(artifacts.dir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const builtins = builtinActions(artifacts, options.checkout, options.githubRepository ?? 'example/kong-ops');
  const actions = new Map<string, ActionTemplate>();
  const minuteMs = options.minuteMs ?? 60_000;
  const groups = options.concurrency ?? new ConcurrencyGroups();

  const runId = options.runId ?? '4242';
  const log: string[] = [];
  const argv = new Set<string>();
  const inputs = dispatchInputs(top, options);
  const github: Record<string, Value> = {
    run_id: runId,
    run_number: '1',
    run_attempt: '1',
    repository: options.githubRepository ?? 'example/kong-ops',
    repository_owner: (options.githubRepository ?? 'example/kong-ops').split('/')[0]!,
    event_name: options.event ?? 'workflow_dispatch',
    ref: 'refs/heads/main',
    sha: '0'.repeat(40),
    actor: 'workflow-harness',
    workflow: workflowName(top),
    token: 'ghs_harness-token-not-a-secret',
    api_url: options.apiUrl ?? 'http://127.0.0.1:9/api',
    server_url: 'http://127.0.0.1:9',
    // The event payload carries workflow_dispatch inputs as strings.
    event: { inputs: Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, toText(v)])) },
  };
  const vars = (environment?: string): Record<string, Value> => ({ ...(options.vars ?? {}), ...(environment ? options.environments?.[environment]?.vars : {}) });
  const jobResults: JobResult[] = [];

  const runCancellation = new Cancellation();
  const scope = (contexts: Record<string, Value>, extra: Partial<Scope> = {}): Scope => ({ contexts, files: top.files, ...extra });
  const groupToken = child(top.root, 'concurrency');
  const workflowGroup = groupToken ? concurrencySetting(groupToken, scope({ github, inputs, vars: vars() }), top) : undefined;
  const topIdentity: WorkflowIdentity = {
    repository: String(github.repository), sha: String(github.sha), ref: `${String(github.repository)}/${top.file}@${String(github.ref)}`, filePath: top.file,
  };
  let conclusion: WorkflowRun['conclusion'] = 'success';
  const claim = workflowGroup && (await groups.acquire(workflowGroup.group, { label: `run ${runId}`, ...workflowGroup, cancel: (reason) => runCancellation.cancel(reason) }));
  if (claim && !claim.acquired) {
    log.push(`run ${runId} | cancelled: ${claim.reason}`);
    conclusion = 'cancelled';
  } else {
    try {
      const { entries } = await runJobs({
        workflow: top, inputs, secrets: { ...(options.secrets ?? {}) }, prefix: '', depth: 0, cancellation: runCancellation,
        held: new Set(workflowGroup ? [workflowGroup.group.toLowerCase()] : []), onlyJobs: options.jobs?.filter((id) => !id.includes(' / ')), identity: topIdentity,
      });
      jobResults.push(...entries);
    } finally {
      if (claim?.acquired) claim.release();
    }
    conclusion = jobResults.some((j) => j.result === 'failure') ? 'failure' : jobResults.some((j) => j.result === 'cancelled') ? 'cancelled' : 'success';
  }

  /** The jobs of one workflow in needs order: what each did, and their results by job id. */
  async function runJobs(inv: Invocation): Promise<{ byId: Map<string, Finished>; entries: JobResult[] }> {
    const entries: JobResult[] = [];
    const jobs = inv.workflow.template.jobs.filter((job) => !inv.onlyJobs || inv.onlyJobs.includes(job.id.value));
    const byId = new Map<string, Finished>();
    const defs = Object.fromEntries(jobs.map((job) => [job.id.value, { needs: (job.needs ?? []).map((n) => n.value) }]));
    for (const jobId of jobOrder(defs)) {
      const job = jobs.find((j) => j.id.value === jobId)!;
      // A need on a job left out by options.jobs counts as succeeded with no outputs.
      const needs = defs[jobId]!.needs.filter((n) => n in defs);
      const needsContext: Record<string, Value> = Object.fromEntries(needs.map((n) => [n, { result: byId.get(n)!.result, outputs: byId.get(n)!.outputs }]));
      const ancestorFailed = (ids: string[]): boolean => ids.some((n) => byId.get(n)?.result === 'failure' || ancestorFailed(defs[n]?.needs.filter((m) => m in defs) ?? []));
      const done = await runJob(inv, job, needsContext, {
        success: () => !inv.cancellation.reason && needs.every((n) => byId.get(n)!.result === 'success'),
        failure: () => ancestorFailed(needs),
        cancelled: () => inv.cancellation.reason !== undefined,
      });
      entries.push(...done.entries);
      byId.set(jobId, { result: done.result, outputs: done.outputs });
    }
    return { byId, entries };
  }

  /** One job: its `if:`, its matrix, each combination (side by side up to max-parallel). */
  async function runJob(inv: Invocation, job: Job | ReusableWorkflowJob, needs: Record<string, Value>, status: StatusFunctions): Promise<Finished & { entries: JobResult[] }> {
    const jobId = job.id.value;
    const label = `${inv.prefix}${jobId}`;
    const base = { github, needs, vars: vars(), inputs: inv.inputs };
    const fail = (reason: string) => {
      log.push(`${label} | failure: ${reason}`);
      return { result: 'failure' as const, outputs: {}, entries: [{ id: label, name: jobId, result: 'failure' as const, environment: undefined, outputs: {}, steps: [], reason }] };
    };
    let runs: boolean;
    let strategy: Record<string, Value>;
    let combos: Combination[];
    try {
      runs = evaluateCondition(job.if, scope(base, { status }));
      const evaluated = job.strategy ? evaluateToken(job.strategy, scope(base)) : {};
      strategy = isObject(evaluated) ? evaluated : {};
      combos = runs ? expandMatrix(strategy.matrix) : [];
    } catch (error) {
      return fail((error as Error).message);
    }
    if (!runs) {
      const reason = status.success() || job.if.expression !== 'success()' ? `if: ${job.if.expression} is false` : `a needed job did not succeed (${Object.entries(needs).map(([n, r]) => `${n}: ${(r as { result: string }).result}`).join(', ')})`;
      log.push(`${label} | skipped: ${reason}`);
      return { result: 'skipped', outputs: {}, entries: [{ id: label, name: jobId, result: 'skipped', environment: undefined, outputs: {}, steps: [], reason }] };
    }
    const failFast = strategy['fail-fast'] !== false;
    const maxParallel = typeof strategy['max-parallel'] === 'number' && strategy['max-parallel'] > 0 ? strategy['max-parallel'] : combos.length;
    const group = new Cancellation(inv.cancellation);
    const legs: JobResult[][] = combos.map(() => []);
    const finished: { result: Conclusion; outputs: Record<string, string>; continueOnError: boolean }[] = [];
    let next = 0;
    const worker = async () => {
      while (next < combos.length) {
        const index = next++;
        const matrix = combos[index]!;
        const legLabel = Object.keys(matrix).length ? `${label} (${Object.values(matrix).map(toText).join(', ')})` : label;
        if (group.reason) {
          legs[index]!.push({ id: legLabel, name: jobId, result: 'cancelled', environment: undefined, outputs: {}, steps: [], reason: group.reason, matrix });
          log.push(`${legLabel} | cancelled: ${group.reason}`);
          finished.push({ result: 'cancelled', outputs: {}, continueOnError: false });
          continue;
        }
        const strategyContext = { 'fail-fast': failFast, 'job-index': index, 'job-total': combos.length, 'max-parallel': maxParallel };
        const leg = await runLeg(inv, job, legLabel, { ...base, strategy: strategyContext, matrix }, matrix, group);
        legs[index]!.push(...leg.entries);
        finished.push(leg);
        if (leg.result === 'failure' && !leg.continueOnError && failFast && combos.length > 1) group.cancel(`fail-fast: ${legLabel} failed`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(maxParallel, combos.length) }, worker));
    const counted = finished.filter((leg) => !(leg.result === 'failure' && leg.continueOnError));
    const result: Conclusion = counted.some((l) => l.result === 'failure') ? 'failure' : counted.some((l) => l.result === 'cancelled') ? 'cancelled' : 'success';
    // Matrix outputs: a later combination's non-empty value wins.
    const outputs: Record<string, string> = {};
    for (const leg of finished) for (const [key, value] of Object.entries(leg.outputs)) if (value !== '' || !(key in outputs)) outputs[key] = value;
    return { result, outputs, entries: legs.flat() };
  }

  /** One combination of a job: concurrency, timeout, environment, then its steps or its call. */
  async function runLeg(inv: Invocation, job: Job | ReusableWorkflowJob, label: string, contexts: Record<string, Value>, matrix: Combination, group: Cancellation) {
    const jobId = job.id.value;
    const cancellation = new Cancellation(group);
    const raw = jobToken(inv.workflow, jobId);
    const at = (extra: Record<string, Value> = {}) => scope({ ...contexts, ...extra });
    const record = (fields: Partial<JobResult> & Pick<JobResult, 'result'>): JobResult => ({
      id: label, name, environment: undefined, outputs: {}, steps: [], ...(Object.keys(matrix).length > 0 && { matrix }), ...fields,
    });
    let name = jobId;
    let continueOnError = false;
    let timeoutMinutes = DEFAULT_JOB_TIMEOUT_MINUTES;
    let setting: ReturnType<typeof concurrencySetting> | undefined;
    let runsOn: Value | undefined;
    try {
      name = job.name ? evaluateText(job.name, at()) : jobId;
      const timeout = child(raw, 'timeout-minutes');
      if (timeout) timeoutMinutes = number(evaluateToken(timeout, at()), 'timeout-minutes');
      const coe = child(raw, 'continue-on-error');
      continueOnError = coe ? evaluateToken(coe, at()) === true : false;
      setting = job.concurrency ? concurrencySetting(job.concurrency, at(), inv.workflow) : undefined;
      runsOn = job.type === 'job' && job['runs-on'] ? evaluateToken(job['runs-on'], at()) : undefined;
    } catch (error) {
      const entry = record({ name, result: 'failure', reason: (error as Error).message });
      log.push(`${label} | failure: ${entry.reason}`);
      return { entries: [entry], result: entry.result, outputs: {}, continueOnError };
    }
    const described = { name, timeoutMinutes, ...(runsOn !== undefined && { runsOn }), ...(setting && { concurrency: { group: setting.group, cancelInProgress: setting.cancelInProgress } }) };
    const groupKey = setting?.group.toLowerCase();
    if (setting && groupKey && inv.held.has(groupKey)) {
      const entry = record({ ...described, result: 'cancelled', reason: `concurrency group '${setting.group}' is already held by the workflow this job belongs to: it would wait for itself` });
      log.push(`${label} | cancelled: ${entry.reason}`);
      return { entries: [entry], result: entry.result, outputs: {}, continueOnError };
    }
    const claimed = setting && (await groups.acquire(setting.group, { label, ...setting, cancel: (reason) => cancellation.cancel(reason) }));
    if (claimed && !claimed.acquired) {
      const entry = record({ ...described, result: 'cancelled', reason: claimed.reason });
      log.push(`${label} | cancelled: ${claimed.reason}`);
      return { entries: [entry], result: entry.result, outputs: {}, continueOnError };
    }
    try {
      const deadline = { at: Date.now() + timeoutMinutes * minuteMs, reason: `The job has exceeded the maximum execution time of ${duration(timeoutMinutes)}` };
      const entries = job.type === 'reusableWorkflowJob'
        ? await runCall({ ...inv, held: groupKey ? new Set([...inv.held, groupKey]) : inv.held }, job, label, contexts, cancellation, described)
        : [await runSteps(inv, job, label, contexts, cancellation, deadline, described)];
      const own = entries.at(-1)!;
      return { entries, result: own.result, outputs: own.outputs, continueOnError };
    } finally {
      if (claimed?.acquired) claimed.release();
    }
  }

  /** A job with steps, on its own runner temp and workspace. */
  async function runSteps(
    inv: Invocation, job: Job, label: string, contexts: Record<string, Value>, cancellation: Cancellation,
    deadline: { at: number; reason: string }, described: Partial<JobResult> & { name: string },
  ): Promise<JobResult> {
    const jobId = job.id.value;
    const files = inv.workflow.files;
    if (job.container || job.services) throw new Error(`job '${label}': the harness starts no container and no service`);
    let environment: string | undefined;
    let urlToken: TemplateToken | undefined;
    try {
      if (job.environment) {
        const nameToken = isMapping(job.environment) ? child(job.environment, 'name') : job.environment;
        urlToken = isMapping(job.environment) ? child(job.environment, 'url') : undefined;
        environment = nameToken ? evaluateText(nameToken, { contexts, files }) : undefined;
      }
    } catch (error) {
      log.push(`${label} | failure: ${(error as Error).message}`);
      return { id: label, ...described, result: 'failure', environment: undefined, outputs: {}, steps: [], reason: (error as Error).message };
    }
    const envConfig = environment === undefined ? undefined : options.environments?.[environment];
    if (environment !== undefined && !envConfig) {
      // GitHub creates a missing environment on the fly (no secrets): tests must declare theirs.
      throw new Error(`job '${label}' uses environment '${environment}', which the test did not declare`);
    }
    const reviewers = envConfig?.reviewers ?? [];
    if (envConfig?.approve !== undefined && reviewers.length === 0) throw new Error(`environment '${environment}': a decision (approve) without reviewers`);
    const approve = envConfig?.approve ?? true;
    const approved = typeof approve === 'function' ? approve(jobId) : approve;
    const deployment = (url: string | undefined): { deployment?: Deployment } =>
      environment === undefined ? {} : { deployment: { environment, url, reviewers, waitedForReviewers: reviewers.length > 0, approved } };
    if (reviewers.length > 0) log.push(`${label} | waiting for review of the deployment to '${environment}' by ${reviewers.join(', ')}`);
    if (!approved) {
      log.push(`${label} | deployment to '${environment}' rejected by the reviewers`);
      return { id: label, ...described, result: 'failure', environment, ...deployment(undefined), outputs: {}, steps: [], reason: `reviewers rejected the deployment to ${environment}` };
    }

    const slug = label.replace(/[^A-Za-z0-9._-]+/g, '_');
    const jobDir = path.join(workDir, 'jobs', slug);
    const runnerTemp = path.join(jobDir, 'runner-temp');
    const workspace = path.join(jobDir, 'workspace');
    mkdirSync(runnerTemp, { recursive: true });
    mkdirSync(workspace, { recursive: true });

    const secrets: Record<string, string> = { GITHUB_TOKEN: String(github.token), ...inv.secrets, ...(envConfig?.secrets ?? {}) };
    const masks = new Set(Object.values(secrets).filter(Boolean));
    const steps: Record<string, Value> = {};
    const results: StepResult[] = [];
    let failed = false;
    const exported: Record<string, string> = {};
    const jobGithub = { ...github, job: jobId, workspace };
    const runner = { temp: runnerTemp, os: 'Linux', arch: 'X64', name: 'workflow-harness', environment: 'self-hosted' };
    const stepContexts = (env: Record<string, string>): Record<string, Value> => ({
      ...contexts, github: jobGithub, vars: vars(environment), secrets, runner, env, steps,
      job: {
        status: cancellation.reason ? 'cancelled' : failed ? 'failure' : 'success',
        workflow_repository: inv.identity.repository, workflow_sha: inv.identity.sha, workflow_ref: inv.identity.ref, workflow_file_path: inv.identity.filePath,
      },
    });
    const stepStatus: StatusFunctions = {
      success: () => !failed && !cancellation.reason,
      failure: () => failed,
      cancelled: () => cancellation.reason !== undefined,
    };
    let jobEnv: Record<string, string>;
    try {
      // env: the workflow's, then the job's, each evaluated with what is visible at its level.
      const workflowEnv = evaluateStrings(child(inv.workflow.root, 'env'), { contexts: { github: jobGithub, secrets, inputs: inv.inputs, vars: vars(environment) }, files });
      jobEnv = { ...workflowEnv, ...evaluateStrings(job.env, { contexts: { ...contexts, vars: vars(environment), secrets }, files }) };
    } catch (error) {
      log.push(`${label} | failure: ${(error as Error).message}`);
      return { id: label, ...described, result: 'failure', environment, ...deployment(undefined), outputs: {}, steps: [], reason: (error as Error).message };
    }

    const raws = stepTokens(inv.workflow, jobId);
    const posts: (() => Promise<Execution>)[] = [];
    for (const [index, step] of job.steps.entries()) {
      const raw = raws[index];
      const id = child(raw, 'id') ? step.id : undefined;
      const tag = `${label}/${id ?? index}`;
      const started = Date.now();
      if (Date.now() >= deadline.at) cancellation.cancel(deadline.reason);
      const envBefore = { ...jobEnv, ...exported };
      const ifScope: Scope = { contexts: without(stepContexts(envBefore), 'secrets'), status: stepStatus, workspace, files };
      let name = displayName(step);
      let run: boolean;
      let stepEnv: Record<string, string> = envBefore;
      let full: Scope = { contexts: stepContexts(envBefore), workspace, files };
      try {
        run = 'if' in step && step.if ? evaluateCondition(step.if, ifScope) : !cancellation.reason && !failed;
        if (run) {
          stepEnv = { ...envBefore, ...evaluateStrings('env' in step ? step.env : undefined, full) };
          full = { contexts: stepContexts(stepEnv), workspace, files };
          if (step.name) name = evaluateText(step.name, full);
        }
      } catch (error) {
        const result = blank(id, name, 'failure', started, (error as Error).message);
        results.push(result);
        record(id, result);
        failed = true;
        log.push(`${tag} | harness: ${result.error}`);
        continue;
      }
      if (!run) {
        const result = blank(id, name, 'skipped', started);
        results.push(result);
        record(id, result);
        log.push(`${tag} | skipped (if: ${'if' in step && step.if ? step.if.expression : ''})`);
        continue;
      }
      await options.beforeStep?.(label, { id, name });
      const ctx: StepContext = { job: jobId, environment, id, name, env: stepEnv, runnerTemp, workspace, workflow: inv.identity, log: (line) => log.push(`${tag} | ${line}`) };
      const sampler = options.sampleArgvMs ? startArgvSampler(options.sampleArgvMs, argv) : undefined;
      let execution: Execution | undefined;
      let result: StepResult;
      let stepLimit = Infinity;
      try {
        const timeout = child(raw, 'timeout-minutes');
        if (timeout) stepLimit = number(evaluateToken(timeout, full), 'timeout-minutes') * minuteMs;
        // Past the job's limit only always()/cancelled() steps get here: they keep their own limits.
        const jobLeft = deadline.at - started;
        const deadlineMs = Math.min(stepLimit, jobLeft > 0 ? jobLeft : Infinity, options.stepTimeoutMs ?? 120_000);
        execution = await execute(inv, step, raw, { id, name, ctx, deadlineMs, scope: full, stepDir: path.join(jobDir, `step-${id ?? 'run'}-${index}`) });
        result = execution.result;
      } catch (error) {
        result = blank(id, name, 'failure', started, (error as Error).message);
      } finally {
        sampler?.stop();
      }
      if (execution?.post) posts.push(execution.post);
      if (execution) {
        Object.assign(exported, execution.exported);
        for (const value of execution.masked) masks.add(value);
        if (execution.timedOut) {
          // Whose limit ran out: the job's (the job is cancelled) or the step's (the step fails).
          if (started < deadline.at && Date.now() >= deadline.at) {
            cancellation.cancel(deadline.reason);
            result = { ...result, outcome: 'cancelled', conclusion: 'cancelled', error: 'The operation was canceled.' };
          } else if (Date.now() - started >= stepLimit) {
            result = { ...result, error: `The action '${name}' has timed out after ${stepLimit / minuteMs} minutes.` };
          } else {
            result = { ...result, error: `harness: the step did not finish within stepTimeoutMs (${options.stepTimeoutMs ?? 120_000} ms)` };
          }
        }
      }
      for (const line of `${result.stdout}${result.stderr}`.split('\n')) if (line !== '') log.push(`${tag} | ${line}`);
      if (result.error) log.push(`${tag} | harness: ${result.error}`);
      writeFileSync(path.join(logDir, `${slug}.${String(index).padStart(2, '0')}.${(id ?? 'step').replace(/[^A-Za-z0-9._-]/g, '_')}.log`), `${result.stdout}\n--- stderr\n${result.stderr}\n--- summary\n${result.summary}\n--- outputs\n${JSON.stringify(result.outputs, null, 2)}\n`);
      if (result.outcome === 'failure') {
        let continueOnError = false;
        try {
          const coe = step['continue-on-error'];
          continueOnError = typeof coe === 'boolean' ? coe : coe ? evaluateToken(coe, full) === true : false;
        } catch (error) {
          log.push(`${tag} | harness: ${(error as Error).message}`);
        }
        if (continueOnError) result = { ...result, conclusion: 'success' };
      }
      results.push(result);
      record(id, result);
      if (result.conclusion === 'failure') failed = true;
    }

    // `post:` steps when the job ends, last first, whatever the job's status (post-if: always()).
    const postResults: StepResult[] = [];
    for (const post of posts.reverse()) {
      const ran = await post().then((e) => e.result, (error: Error) => blank(undefined, 'Post', 'failure', Date.now(), error.message));
      for (const line of `${ran.stdout}${ran.stderr}`.split('\n')) if (line !== '') log.push(`${label}/post | ${line}`);
      if (ran.error) log.push(`${label}/post | harness: ${ran.error}`);
      postResults.push(ran);
      if (ran.conclusion === 'failure') failed = true;
    }

    const finalEnv = { ...jobEnv, ...exported };
    const finalScope: Scope = { contexts: stepContexts(finalEnv), files };
    const outputs: Record<string, string> = {};
    let url: string | undefined;
    let error: string | undefined;
    try {
      for (const [key, value] of Object.entries(evaluateStrings(job.outputs, finalScope))) {
        // The runner drops a job output that holds a secret rather than pass it on.
        if ([...masks].some((secret) => value.includes(secret))) log.push(`${label} | Skip output '${key}' since it may contain secret.`);
        else outputs[key] = value;
      }
      url = urlToken ? evaluateText(urlToken, { contexts: without(finalScope.contexts, 'secrets'), files }) : undefined;
    } catch (e) {
      error = (e as Error).message;
      failed = true;
    }
    const result: Conclusion = cancellation.reason ? 'cancelled' : failed ? 'failure' : 'success';
    writeFileSync(path.join(jobDir, 'summary.md'), [...results, ...postResults].map((r) => r.summary).join('\n'));
    log.push(`${label} | ${result}${error ? `: ${error}` : ''}`);
    const reason = error ?? cancellation.reason;
    return { id: label, ...described, result, environment, ...deployment(url), outputs, steps: results, posts: postResults, ...(reason && { reason }) };

    function record(stepId: string | undefined, r: StepResult): void {
      if (stepId) steps[stepId] = { outputs: r.outputs, outcome: r.outcome, conclusion: r.conclusion };
    }
  }

  /** Runs one step's body: a suite action, a stand-in, a test command or a whitelisted script. */
  async function execute(
    inv: Invocation, step: Step, raw: TemplateToken | undefined,
    s: { id: string | undefined; name: string; ctx: StepContext; deadlineMs: number; scope: Scope; stepDir: string },
  ): Promise<Execution> {
    const env = {
      ...(options.processEnv ?? {}), ...s.ctx.env,
      RUNNER_TEMP: s.ctx.runnerTemp, GITHUB_RUN_ID: runId, GITHUB_REPOSITORY: String(github.repository), GITHUB_JOB: s.ctx.job, GITHUB_WORKFLOW: String(github.workflow),
      GITHUB_API_URL: String(github.api_url), GITHUB_ACTOR: String(github.actor),
    };
    const common = { id: s.id, name: s.name, ctx: s.ctx, env, deadlineMs: s.deadlineMs };
    if ('uses' in step) {
      const uses = step.uses.value;
      const given = evaluateStrings(child(raw, 'with'), s.scope);
      const action = suiteAction(uses);
      if (action) {
        // `./<dir>/actions/<name>`: the runner reads it from the workspace, so it must have been checked out.
        const local = /^\.\/(.+)\/actions\/[a-z-]+$/.exec(uses);
        if (local && !existsSync(path.join(s.ctx.workspace, uses, 'action.yml'))) throw new Error(`${uses}: no action.yml in the workspace (check the repository out first)`);
        return runSuiteAction({ ...common, uses, action, inputs: withActionDefaults(action, given, s.scope) });
      }
      const bare = uses.replace(/@.*$/, '');
      const standIn = options.actions?.[bare] ?? builtins[bare];
      if (!standIn) throw new Error(`no stand-in for action ${uses}`);
      return runStandIn({ ...common, uses, inputs: given, standIn });
    }
    if (!('run' in step)) throw new Error(`step '${s.id ?? s.name}' has neither uses nor run`);
    // The runner substitutes `${{ }}` into the script text before the shell sees it: so does the
    // parser's format(), so a workflow that interpolates an input into a script is as injectable
    // here as there. Evaluated even where a test command stands in: an error fails the step.
    const script = evaluateText(step.run, s.scope);
    const shell = child(raw, 'shell');
    const workingDirectory = child(raw, 'working-directory');
    const how = {
      shell: shell ? evaluateText(shell, s.scope) : undefined,
      workingDirectory: workingDirectory ? evaluateText(workingDirectory, s.scope) : undefined,
    };
    const command = (s.id && options.commands?.[s.id]) || options.commands?.[s.name];
    if (command) return runCommand({ ...common, command });
    if (s.id && options.runScripts?.includes(s.id)) return runScript({ ...common, script, stepDir: s.stepDir, ...how });
    throw new Error(`run step '${s.id ?? s.name}' has no test command and is not in runScripts: the harness never runs a shell step it was not told to`);
  }

  /**
   * A job that calls a reusable workflow: `with:` checked against `on.workflow_call.inputs`
   * (types, defaults, required), `secrets:` (named or inherit) against its secrets, its jobs run
   * as `label / job`, its `outputs` mapped back to this job's.
   */
  async function runCall(
    inv: Invocation, job: ReusableWorkflowJob, label: string, contexts: Record<string, Value>, cancellation: Cancellation, described: Partial<JobResult> & { name: string },
  ): Promise<JobResult[]> {
    const ref = job.ref.value;
    const fail = (reason: string): JobResult[] => {
      log.push(`${label} | failure: ${reason}`);
      return [{ id: label, ...described, result: 'failure', environment: undefined, outputs: {}, steps: [], calls: ref, reason }];
    };
    let called: LoadedWorkflow;
    let inputs: Record<string, Value>;
    let secrets: Record<string, string>;
    let group: ReturnType<typeof concurrencySetting> | undefined;
    let identity: WorkflowIdentity;
    try {
      identity = calledIdentity(ref, inv.identity);
      if (inv.depth + 1 > MAX_CALL_DEPTH) throw new Error(`${ref}: more than ${MAX_CALL_DEPTH} levels of reusable workflows`);
      called = await loadWorkflow(resolveReusable(ref, inv.workflow.repository), { repository: inv.workflow.repository });
      const files = inv.workflow.files;
      const given = job['input-values'] ? evaluateToken(job['input-values'], { contexts, files }) : {};
      inputs = callInputs(called, isObject(given) ? given : {}, { github, vars: vars() });
      const callerSecrets = { ...inv.secrets };
      secrets = job['inherit-secrets'] ? callerSecrets : evaluateStrings(job['secret-values'], { contexts: { ...contexts, secrets: { GITHUB_TOKEN: String(github.token), ...callerSecrets } }, files });
      for (const [secret, required] of declaredSecrets(called)) {
        if (required && !Object.keys(secrets).some((key) => key.toLowerCase() === secret.toLowerCase())) {
          throw new Error(`${ref}: Secret ${secret} is required, but not provided while calling.`);
        }
      }
      const groupToken = child(called.root, 'concurrency');
      group = groupToken ? concurrencySetting(groupToken, { contexts: { github, inputs, vars: vars() } }, called) : undefined;
    } catch (error) {
      return fail((error as Error).message);
    }
    // The called workflow's own `concurrency`: held for all its jobs. A group its caller already
    // holds can never be had: GitHub cancels the call ("deadlock").
    const groupKey = group?.group.toLowerCase();
    if (group && groupKey && inv.held.has(groupKey)) {
      const reason = `Canceling since a deadlock for concurrency group '${group.group}' was detected between '${label}' and its caller`;
      log.push(`${label} | cancelled: ${reason}`);
      return [{ id: label, ...described, result: 'cancelled', environment: undefined, outputs: {}, steps: [], calls: called.file, reason }];
    }
    const claim = group && (await groups.acquire(group.group, { label, ...group, cancel: (reason) => cancellation.cancel(reason) }));
    if (claim && !claim.acquired) {
      log.push(`${label} | cancelled: ${claim.reason}`);
      return [{ id: label, ...described, result: 'cancelled', environment: undefined, outputs: {}, steps: [], calls: called.file, reason: claim.reason }];
    }
    let byId: Map<string, Finished>;
    let nested: JobResult[];
    try {
      ({ byId, entries: nested } = await runJobs({
        workflow: called, inputs, secrets, prefix: `${label} / `, depth: inv.depth + 1, cancellation,
        held: groupKey ? new Set([...inv.held, groupKey]) : inv.held, onlyJobs: nestedJobs(label), identity,
      }));
    } finally {
      if (claim?.acquired) claim.release();
    }
    const results = [...byId.values()].map((r) => r.result);
    const result: Conclusion = results.includes('failure') ? 'failure' : results.includes('cancelled') ? 'cancelled' : 'success';
    const outputs: Record<string, string> = {};
    try {
      const jobsContext = Object.fromEntries([...byId].map(([id, r]) => [id, { result: r.result, outputs: r.outputs }]));
      for (const { key, value } of mappingOf(child(eventToken(called, 'workflow_call'), 'outputs'))) {
        const valueToken = child(value, 'value');
        if (valueToken) outputs[key] = evaluateText(valueToken, { contexts: { github, jobs: jobsContext, vars: vars(), inputs }, files: called.files });
      }
    } catch (error) {
      return [...nested, ...fail((error as Error).message)];
    }
    log.push(`${label} | ${result} (${called.file})`);
    return [...nested, { id: label, ...described, result, environment: undefined, outputs, steps: [], calls: called.file }];
  }

  /** `options.jobs` entries `<label> / <job>`: only those jobs of the call run; none given, all of them. */
  function nestedJobs(label: string): string[] | undefined {
    const nested = options.jobs?.filter((id) => id.startsWith(`${label} / `)).map((id) => id.slice(label.length + 3));
    return nested && nested.length > 0 ? nested : undefined;
  }

  /** action.yml's inputs: `with:` plus the defaults (expressions evaluated), read by GitHub's action parser. */
  function withActionDefaults(name: string, given: Record<string, string>, at: Scope): Record<string, string> {
    const file = path.join(REPO_ROOT, 'actions', name, 'action.yml');
    const metadata = actions.get(name) ?? loadAction(file);
    actions.set(name, metadata);
    const declared = metadata.inputs ?? [];
    // GitHub only warns about an input the action does not declare; a misspelt input in an
    // example workflow would be silently ignored, so here it is an error.
    const unknown = Object.keys(given).filter((key) => !declared.some((input) => input.id === key));
    if (unknown.length > 0) throw new Error(`actions/${name} has no input(s) ${unknown.join(', ')}`);
    const all: Record<string, string> = {};
    for (const input of declared) {
      if (input.id in given) all[input.id] = given[input.id]!;
      else if (input.default) all[input.id] = evaluateText(input.default, at);
    }
    return all;
  }

  writeFileSync(path.join(workDir, 'run.log'), `${log.join('\n')}\n`);
  writeFileSync(path.join(workDir, 'jobs.json'), JSON.stringify(jobResults.map((j) => ({ id: j.id, result: j.result, outputs: j.outputs, reason: j.reason, deployment: j.deployment, steps: j.steps.map((s) => ({ id: s.id, name: s.name, outcome: s.outcome, outputs: s.outputs })) })), null, 2));
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
    artifactsDir: artifacts.dir,
    artifactNames: artifacts.names,
    argv: [...argv],
    concurrencyGroup: workflowGroup?.group,
  };
  return run;
}

/**
 * The workflow identity of a called file: `./…` is the caller's repository at the caller's commit;
 * `<owner>/<repo>/<path>@<ref>` is that repository at the commit its ref names (here a stable
 * stand-in SHA derived from repository and ref, since the harness has one checkout).
 */
function calledIdentity(uses: string, caller: WorkflowIdentity): WorkflowIdentity {
  if (uses.startsWith('./')) return { repository: caller.repository, sha: caller.sha, ref: `${caller.repository}/${uses.slice(2)}@${caller.ref.split('@').pop()}`, filePath: uses.slice(2) };
  const match = /^([^/@]+\/[^/@]+)\/([^@]+)@(.+)$/.exec(uses);
  if (!match) throw new Error(`${uses}: not ./<path> nor <owner>/<repo>/<path>@<ref>`);
  const [, repository, filePath, version] = match as unknown as [string, string, string, string];
  const sha = createHash('sha1').update(`${repository}@${version}`).digest('hex');
  return { repository, sha, ref: `${repository}/${filePath}@${version.startsWith('refs/') || /^[0-9a-f]{40}$/.test(version) ? version : `refs/tags/${version}`}`, filePath };
}

/** workflow_dispatch inputs as the run sees them: given values typed, declared defaults, errors for the rest. */
function dispatchInputs(workflow: LoadedWorkflow, options: RunWorkflowOptions): Record<string, Value> {
  const given = options.inputs ?? {};
  const declared = inputDefinitions(workflow, 'workflow_dispatch');
  for (const key of Object.keys(given)) if (!declared.has(key)) throw new Error(`input '${key}' is not declared by the workflow`);
  const result: Record<string, Value> = {};
  for (const [key, spec] of declared) {
    const raw = key in given ? given[key] : spec.default === undefined ? undefined : evaluateToken(spec.default, { contexts: {} });
    if (raw === undefined && spec.required) throw new Error(`Required input '${key}' not provided`);
    const value = typed(key, spec.type, raw ?? null);
    if (spec.type === 'choice' && !spec.options.includes(String(value))) throw new Error(`input '${key}': ${String(value)} is not one of ${spec.options.join(', ')}`);
    if (spec.type === 'environment' && !(String(value) in (options.environments ?? {}))) throw new Error(`input '${key}': no environment '${String(value)}'`);
    result[key] = value;
  }
  return result;
}

/** The called workflow's `inputs`: each declared input from `with:`, or its default, typed. */
function callInputs(called: LoadedWorkflow, given: Record<string, Value>, contexts: Record<string, Value>): Record<string, Value> {
  const declared = inputDefinitions(called, 'workflow_call');
  for (const key of Object.keys(given)) if (!declared.has(key)) throw new Error(`${called.file}: Invalid input, ${key} is not defined in the referenced workflow.`);
  const result: Record<string, Value> = {};
  for (const [key, spec] of declared) {
    const raw = key in given ? given[key] : spec.default === undefined ? undefined : evaluateToken(spec.default, { contexts: { ...contexts, inputs: {} }, files: called.files });
    if (raw === undefined && spec.required) throw new Error(`${called.file}: Input ${key} is required, but not provided while calling.`);
    if (raw === undefined) {
      result[key] = spec.type === 'boolean' ? false : spec.type === 'number' ? null : '';
      continue;
    }
    const value = raw;
    if (spec.type === 'boolean' && typeof value !== 'boolean') throw new Error(`${called.file}: input '${key}' is a boolean; the caller gave ${JSON.stringify(value)}`);
    if (spec.type === 'number' && typeof value !== 'number') throw new Error(`${called.file}: input '${key}' is a number; the caller gave ${JSON.stringify(value)}`);
    result[key] = spec.type === 'string' ? toText(value) : value;
  }
  return result;
}

interface InputSpec {
  readonly type: string;
  readonly required: boolean;
  readonly default: TemplateToken | undefined;
  readonly options: string[];
}

function inputDefinitions(workflow: LoadedWorkflow, event: string): Map<string, InputSpec> {
  const specs = new Map<string, InputSpec>();
  for (const { key, value } of mappingOf(child(eventToken(workflow, event), 'inputs'))) {
    const type = child(value, 'type');
    const required = child(value, 'required');
    const options = child(value, 'options');
    specs.set(String(key), {
      type: type && isString(type) ? type.value : 'string',
      required: required !== undefined && evaluateToken(required, { contexts: {} }) === true,
      default: child(value, 'default'),
      options: options ? (evaluateToken(options, { contexts: {} }) as Value[]).map(toText) : [],
    });
  }
  return specs;
}

function declaredSecrets(workflow: LoadedWorkflow): Map<string, boolean> {
  const secrets = new Map<string, boolean>();
  for (const { key, value } of mappingOf(child(eventToken(workflow, 'workflow_call'), 'secrets'))) {
    const required = child(value, 'required');
    secrets.set(String(key), required !== undefined && evaluateToken(required, { contexts: {} }) === true);
  }
  return secrets;
}

function typed(key: string, type: string, raw: Value): Value {
  if (type === 'boolean') {
    if (raw === null || raw === false || raw === 'false') return false;
    if (raw === true || raw === 'true') return true;
    throw new Error(`input '${key}' is a boolean: ${JSON.stringify(raw)} is neither true nor false`);
  }
  if (type === 'number') {
    if (raw === null || raw === '') return null;
    const n = Number(raw);
    if (!Number.isFinite(n)) throw new Error(`input '${key}' is a number: ${JSON.stringify(raw)} is not`);
    return n;
  }
  return raw === null ? '' : toText(raw);
}

/** `concurrency:` as a group name or `{ group, cancel-in-progress, queue }`, evaluated. */
function concurrencySetting(token: TemplateToken, at: Scope, workflow: LoadedWorkflow): { group: string; cancelInProgress: boolean; queue: 'single' | 'max' } {
  const value = evaluateToken(token, { ...at, files: workflow.files });
  if (!isObject(value)) return { group: toText(value), cancelInProgress: false, queue: 'single' };
  return { group: toText(value.group ?? ''), cancelInProgress: value['cancel-in-progress'] === true, queue: value.queue === 'max' ? 'max' : 'single' };
}

function mappingOf(token: TemplateToken | undefined): { key: string; value: TemplateToken }[] {
  return token && isMapping(token) ? [...token].map((pair) => ({ key: String(pair.key), value: pair.value })) : [];
}

function workflowName(workflow: LoadedWorkflow): string {
  const name = child(workflow.root, 'name');
  return name && isString(name) ? name.value : path.basename(workflow.file);
}

/** Contexts less one (`secrets` where GitHub does not offer it). */
function without(contexts: Record<string, Value>, key: string): Record<string, Value> {
  return Object.fromEntries(Object.entries(contexts).filter(([name]) => name !== key));
}

function displayName(step: Step): string {
  if ('uses' in step) return `Run ${step.uses.value}`;
  if ('run' in step) return `Run ${String(step.run).split('\n')[0]}`;
  return step.id;
}

function blank(id: string | undefined, name: string, outcome: Conclusion, started: number, error?: string): StepResult {
  return {
    id, name, kind: 'skipped', outcome, conclusion: outcome, outputs: {}, stdout: '', stderr: '', summary: '', annotations: [], ...(error && { error }),
    seconds: (Date.now() - started) / 1000,
  };
}

function number(value: Value, what: string): number {
  if (typeof value !== 'number' || !(value > 0)) throw new Error(`${what}: ${JSON.stringify(value)} is not a positive number`);
  return value;
}

/** Minutes as GitHub prints a job's limit: 1m0s, 6h0m0s. */
function duration(minutes: number): string {
  const seconds = Math.round(minutes * 60);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return `${h ? `${h}h` : ''}${m}m${seconds % 60}s`;
}

function isObject(value: Value | undefined): value is { [key: string]: Value } {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
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
