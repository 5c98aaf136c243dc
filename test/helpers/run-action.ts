import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { evaluateText } from '../workflow-harness/evaluate.js';
import { loadAction } from '../workflow-harness/workflow.js';
import { REPO_ROOT } from './paths.js';

export interface RunActionOptions {
  /** Working directory and GITHUB_WORKSPACE; default a fresh empty temp dir. */
  readonly cwd?: string;
  /** Extra environment (e.g. GITHUB_TOKEN, GITHUB_REPOSITORY). */
  readonly env?: Readonly<Record<string, string>>;
  /** Run this file instead of dist/<name>/index.js (the helper's own tests use it). */
  readonly entry?: string;
  readonly timeoutMs?: number;
  /** Run the action's `post:` step (dist/<name>/post/index.js) instead of its main. */
  readonly post?: boolean;
  /** What the main step saved (core.saveState), given to the post step as STATE_<name>. */
  readonly state?: Readonly<Record<string, string>>;
}

export type AnnotationLevel = 'error' | 'warning' | 'notice';

export interface Annotation {
  readonly level: AnnotationLevel;
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
  readonly title?: string;
  /** Every property as written (file, line, endLine, col, endColumn, title). */
  readonly properties: Readonly<Record<string, string>>;
}

export interface ActionRun {
  readonly exitCode: number;
  readonly outputs: Record<string, string>;
  /** Variables the action exported through GITHUB_ENV. */
  readonly exportedEnv: Record<string, string>;
  readonly summary: string;
  readonly annotations: Annotation[];
  /** Values registered with `::add-mask::`. */
  readonly masked: string[];
  /** What the step saved for its post step (GITHUB_STATE). */
  readonly state: Record<string, string>;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a bundled action, `dist/<name>/index.js`, with `node` the way the GitHub runner does:
 * inputs as `INPUT_<NAME>` variables, the file commands (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY,
 * GITHUB_ENV, GITHUB_STATE, GITHUB_PATH) in a temp dir, and stdout parsed for workflow commands.
 */
export async function runAction(
  name: string,
  inputs: Readonly<Record<string, string | number | boolean>>,
  options: RunActionOptions = {},
): Promise<ActionRun> {
  const entry = options.entry ?? path.join(REPO_ROOT, 'dist', name, ...(options.post ? ['post'] : []), 'index.js');
  const temp = mkdtempSync(path.join(os.tmpdir(), `run-action-${name}-`));
  try {
    const files = {
      GITHUB_OUTPUT: path.join(temp, 'output'),
      GITHUB_STEP_SUMMARY: path.join(temp, 'summary'),
      GITHUB_ENV: path.join(temp, 'env'),
      GITHUB_STATE: path.join(temp, 'state'),
      GITHUB_PATH: path.join(temp, 'path'),
    };
    for (const file of Object.values(files)) writeFileSync(file, '');
    const runnerTemp = path.join(temp, 'runner-temp');
    mkdirSync(runnerTemp);
    const cwd = options.cwd ?? path.join(temp, 'workspace');
    mkdirSync(cwd, { recursive: true });

    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) {
      // Nothing of the machine's own runner or a previous action leaks in.
      if (value !== undefined && !/^(INPUT_|GITHUB_|RUNNER_|STATE_)/.test(key)) env[key] = value;
    }
    // The runner passes every declared default the workflow did not override; an action must
    // work with them (a default once made pg-port look set on every real run).
    const given = { ...(options.entry === undefined ? actionDefaults(name) : {}), ...inputs };
    for (const [input, value] of Object.entries(given)) env[inputVariable(input)] = String(value);
    Object.assign(env, files, {
      RUNNER_TEMP: runnerTemp,
      GITHUB_WORKSPACE: cwd,
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      ...Object.fromEntries(Object.entries(options.state ?? {}).map(([key, value]) => [`STATE_${key}`, value])),
      ...options.env,
    });

    const { exitCode, stdout, stderr } = await runNode(entry, cwd, env, options.timeoutMs ?? 60_000);
    return {
      exitCode,
      outputs: parseFileCommand(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
      exportedEnv: parseFileCommand(readFileSync(files.GITHUB_ENV, 'utf8')),
      state: parseFileCommand(readFileSync(files.GITHUB_STATE, 'utf8')),
      summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
      annotations: parseAnnotations(stdout),
      masked: parseMasks(stdout),
      stdout,
      stderr,
    };
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

/**
 * Defaults from actions/<name>/action.yml, read by GitHub's action parser and evaluated by its
 * expression evaluator as a runner would for a workflow without a token: `github.token` empty,
 * `github.api_url` GitHub's public API.
 */
export function actionDefaults(name: string): Record<string, string> {
  const metadata = loadAction(path.join(REPO_ROOT, 'actions', name, 'action.yml'));
  const github = { token: '', api_url: 'https://api.github.com' };
  const defaults: Record<string, string> = {};
  for (const input of metadata.inputs ?? []) if (input.default) defaults[input.id] = evaluateText(input.default, { contexts: { github } });
  return defaults;
}

/** The runner's name for an input: upper-cased, spaces to `_`, hyphens kept (`INPUT_KONG-VERSION`). */
export function inputVariable(input: string): string {
  return `INPUT_${input.replace(/ /g, '_').toUpperCase()}`;
}

function runNode(entry: string, cwd: string, env: Record<string, string>, timeoutMs: number) {
  return new Promise<{ exitCode: number; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [entry], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && code === null) {
        reject(new Error(`${entry} did not finish within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
      } else {
        resolve({ exitCode: code ?? 1, stdout, stderr });
      }
    });
  });
}

/**
 * GITHUB_OUTPUT / GITHUB_ENV content: `name=value` lines and the `name<<DELIM` … `DELIM` form
 * that @actions/core writes for every value.
 */
export function parseFileCommand(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const heredoc = /^([^=]+?)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, key, delimiter] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!);
      if (i >= lines.length) throw new Error(`unterminated ${key}<<${delimiter} in file command`);
      result[key!] = value.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`unparsable file command line: ${line}`);
    result[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return result;
}

/** `::error file=a.ts,line=3,title=T::message` (and warning, notice) lines of stdout. */
export function parseAnnotations(stdout: string): Annotation[] {
  const annotations: Annotation[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const match = /^::(error|warning|notice)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!match) continue;
    const [, level, props = '', message = ''] = match;
    const properties: Record<string, string> = {};
    for (const pair of props.split(',')) {
      const eq = pair.indexOf('=');
      if (eq > 0) properties[pair.slice(0, eq).trim()] = unescapeProperty(pair.slice(eq + 1));
    }
    annotations.push({
      level: level as AnnotationLevel,
      message: unescapeData(message),
      ...(properties.file !== undefined && { file: properties.file }),
      ...(properties.line !== undefined && { line: Number(properties.line) }),
      ...(properties.title !== undefined && { title: properties.title }),
      properties,
    });
  }
  return annotations;
}

export function parseMasks(stdout: string): string[] {
  return stdout
    .split(/\r?\n/)
    .flatMap((line) => {
      const match = /^::add-mask::(.*)$/.exec(line);
      return match ? [unescapeData(match[1]!)] : [];
    });
}

// The escaping @actions/core applies to workflow command data and properties.
function unescapeData(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

function unescapeProperty(text: string): string {
  return unescapeData(text.replace(/%3A/g, ':').replace(/%2C/g, ','));
}
