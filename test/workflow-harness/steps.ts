// One step of a job, run the way the runner runs it: a suite action from dist/, a stand-in for
// another action, a test command in place of an operator's `run:`, or a whitelisted `run:` under
// bash. The caller has evaluated everything (`with:`, the script, env); this module only executes,
// within a deadline.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../helpers/paths.js';
import { parseAnnotations, parseFileCommand, runAction } from '../helpers/run-action.js';
import type { ActionStandIn, Conclusion, StepCommand, StepContext, StepResult } from './types.js';

/** `uses: ./actions/<name>`, `./<checkout path>/actions/<name>` or `<owner>/kong-upgrade-actions/actions/<name>@<ref>`. */
const SUITE_ACTION = /^(?:\.\/(?:[A-Za-z0-9._-]+\/)?actions\/([a-z-]+)|[^/\s]+\/kong-upgrade-actions\/actions\/([a-z-]+)@\S+)$/;

export function suiteAction(uses: string): string | undefined {
  const match = SUITE_ACTION.exec(uses);
  return match ? (match[1] ?? match[2]) : undefined;
}

export interface Execution {
  readonly result: StepResult;
  /** GITHUB_ENV additions. */
  readonly exported: Record<string, string>;
  /** Values registered with ::add-mask::. */
  readonly masked: string[];
  readonly timedOut: boolean;
  /** A suite action with a `post:` step: runs it, with what the main step saved, when the job ends. */
  readonly post?: () => Promise<Execution>;
}

interface Common {
  readonly id: string | undefined;
  readonly name: string;
  readonly ctx: StepContext;
  /** The step's process environment (workflow, job, GITHUB_ENV and step env). */
  readonly env: Record<string, string>;
  readonly deadlineMs: number;
}

/**
 * A suite action from dist/, inputs complete (action.yml defaults applied by the caller); with
 * `post`, its `post:` step (dist/<name>/post/) given the main step's `state` as STATE_* variables.
 */
export async function runSuiteAction(step: Common & { uses: string; action: string; inputs: Record<string, string>; post?: { readonly state: Record<string, string> } }): Promise<Execution> {
  const started = Date.now();
  const bundle = path.join('dist', step.action, ...(step.post ? ['post'] : []), 'index.js');
  if (!existsSync(path.join(REPO_ROOT, bundle))) throw new Error(`${step.uses}: ${bundle} does not exist (action not built yet)`);
  try {
    const run = await runAction(step.action, step.inputs, { cwd: step.ctx.workspace, timeoutMs: step.deadlineMs, env: step.env, ...(step.post && { post: true, state: step.post.state }) });
    const outcome: Conclusion = run.exitCode === 0 ? 'success' : 'failure';
    return {
      result: {
        id: step.id, name: step.name, kind: 'action', uses: step.uses, inputs: step.inputs, outcome, conclusion: outcome, outputs: run.outputs,
        stdout: run.stdout, stderr: run.stderr, summary: run.summary, annotations: run.annotations, seconds: (Date.now() - started) / 1000,
      },
      exported: run.exportedEnv,
      masked: run.masked,
      timedOut: false,
      ...(!step.post && hasPost(step.action) && { post: () => runSuiteAction({ ...step, name: `Post ${step.name}`, post: { state: run.state } }) }),
    };
  } catch (error) {
    if (Date.now() - started < step.deadlineMs) throw error;
    return { result: failed(step, 'action', started, (error as Error).message), exported: {}, masked: [], timedOut: true };
  }
}

/** actions/<name>/action.yml declares `runs.post`. */
function hasPost(action: string): boolean {
  const metadata = parse(readFileSync(path.join(REPO_ROOT, 'actions', action, 'action.yml'), 'utf8')) as { runs?: { post?: unknown } };
  return typeof metadata.runs?.post === 'string';
}

/** actions/checkout and the other built-ins, or a test's stand-in. */
export async function runStandIn(step: Common & { uses: string; inputs: Record<string, string>; standIn: ActionStandIn }): Promise<Execution> {
  const started = Date.now();
  const lines: string[] = [];
  const done = await within(step.standIn(step.inputs, { ...step.ctx, log: (line) => lines.push(line) }), step.deadlineMs);
  if (done === 'timeout') return { result: failed(step, 'stand-in', started, 'timed out'), exported: {}, masked: [], timedOut: true };
  return {
    result: {
      id: step.id, name: step.name, kind: 'stand-in', uses: step.uses, inputs: step.inputs, outcome: 'success', conclusion: 'success', outputs: done.value ?? {},
      stdout: lines.map((l) => `${l}\n`).join(''), stderr: '', summary: '', annotations: [], seconds: (Date.now() - started) / 1000,
    },
    exported: {},
    masked: [],
    timedOut: false,
  };
}

/** A test command in place of a `run:` step. It cannot be killed: past its deadline it is abandoned. */
export async function runCommand(step: Common & { command: StepCommand }): Promise<Execution> {
  const started = Date.now();
  const lines: string[] = [];
  let done: Awaited<ReturnType<typeof within<void | { outputs?: Record<string, string> }>>> | undefined;
  let error: string | undefined;
  try {
    done = await within(step.command({ ...step.ctx, log: (line) => lines.push(line) }), step.deadlineMs);
  } catch (e) {
    error = (e as Error).message;
  }
  const timedOut = done === 'timeout';
  const outputs = done && done !== 'timeout' ? (done.value?.outputs ?? {}) : {};
  const outcome: Conclusion = error || timedOut ? 'failure' : 'success';
  return {
    result: {
      id: step.id, name: step.name, kind: 'command', outcome, conclusion: outcome, outputs,
      stdout: lines.map((l) => `${l}\n`).join(''), stderr: error ? `${error}\n` : '', summary: '', annotations: [], ...(error && { error }),
      seconds: (Date.now() - started) / 1000,
    },
    exported: {},
    masked: [],
    timedOut,
  };
}

/**
 * A `run:` script, `${{ }}` already substituted as the runner does. The runner's command lines
 * (GitHub docs, "jobs.<job_id>.steps[*].shell"): none given, `bash -e {0}`; `shell: bash`,
 * `bash --noprofile --norc -eo pipefail {0}`; `shell: sh`, `sh -e {0}`.
 */
export async function runScript(step: Common & { script: string; shell: string | undefined; workingDirectory: string | undefined; stepDir: string }): Promise<Execution> {
  const started = Date.now();
  const argv = step.shell === undefined ? ['bash', '-e'] : step.shell === 'bash' ? ['bash', '--noprofile', '--norc', '-eo', 'pipefail'] : step.shell === 'sh' ? ['sh', '-e'] : undefined;
  if (!argv) throw new Error(`shell: ${step.shell}: the harness runs bash and sh scripts only`);
  mkdirSync(step.stepDir, { recursive: true });
  const files = { GITHUB_OUTPUT: 'output', GITHUB_STEP_SUMMARY: 'summary', GITHUB_ENV: 'env', GITHUB_PATH: 'path' };
  for (const [key, name] of Object.entries(files)) files[key as keyof typeof files] = path.join(step.stepDir, name);
  for (const file of Object.values(files)) writeFileSync(file, '');
  const scriptFile = path.join(step.stepDir, 'script.sh');
  writeFileSync(scriptFile, step.script);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(INPUT_|GITHUB_|RUNNER_)/.test(k)) env[k] = v;
  Object.assign(env, step.env, files, { GITHUB_WORKSPACE: step.ctx.workspace, GITHUB_ACTIONS: 'true', CI: 'true' });
  const cwd = step.workingDirectory === undefined ? step.ctx.workspace : path.resolve(step.ctx.workspace, step.workingDirectory);
  const { code, stdout, stderr, timedOut } = await new Promise<{ code: number; stdout: string; stderr: string; timedOut: boolean }>((resolve, reject) => {
    // Its own process group: a timeout ends the script and everything it started, as the runner does.
    const child = spawn(argv[0]!, [...argv.slice(1), scriptFile], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    let killed = false;
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const timer = setTimeout(() => {
      killed = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // the group ended on its own meanwhile
      }
    }, step.deadlineMs);
    child.on('error', reject);
    child.on('close', (c) => {
      clearTimeout(timer);
      resolve({ code: c ?? 1, stdout: out, stderr: err, timedOut: killed });
    });
  });
  const outputs = parseFileCommand(readFileSync(files.GITHUB_OUTPUT, 'utf8'));
  const exported = parseFileCommand(readFileSync(files.GITHUB_ENV, 'utf8'));
  const summary = readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8');
  rmSync(scriptFile);
  const outcome: Conclusion = code === 0 && !timedOut ? 'success' : 'failure';
  return {
    result: {
      id: step.id, name: step.name, kind: 'script', outcome, conclusion: outcome, outputs, stdout, stderr, summary,
      annotations: parseAnnotations(stdout), seconds: (Date.now() - started) / 1000, ...(outcome === 'failure' && { error: timedOut ? 'timed out' : `exit code ${code}` }),
    },
    exported,
    masked: [],
    timedOut,
  };
}

function failed(step: Common, kind: StepResult['kind'], started: number, error: string): StepResult {
  return {
    id: step.id, name: step.name, kind, outcome: 'failure', conclusion: 'failure', outputs: {}, stdout: '', stderr: '', summary: '', annotations: [], error,
    seconds: (Date.now() - started) / 1000,
  };
}

/** The work's value, or 'timeout' once `ms` pass first (the work's later rejection is ignored). */
async function within<T>(work: Promise<T>, ms: number): Promise<{ value: T } | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  work.catch(() => undefined);
  try {
    return await Promise.race([work.then((value) => ({ value })), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
