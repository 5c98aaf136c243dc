// Real Admin API answers (GET /, /status, /status/ready) as Kong's docs, its source at the tag
// and public pastes show them (test/fixtures/replay/admin, each file naming its source),
// replayed by a loopback server to the bundled smoke-test action and to `kong-upgrade plan
// --admin-url`. Each must be classified as it is, or refused naming admin-url and what came
// back; nothing unknown is passed off as a pass or as a database failure. Build first.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../helpers/paths.js';
import { actionDefaults, runAction } from '../helpers/run-action.js';
import { replayAdmin, type RecordedAnswer } from './admin-server.js';
import { DIST, OTHER_DIST, record } from './record.js';

const SAMPLES = path.join(REPO_ROOT, 'test/fixtures/replay/admin');

interface AdminSample {
  readonly source: string;
  readonly kong: string;
  readonly responses: Readonly<Record<string, RecordedAnswer>>;
  readonly smoke?: {
    /** smoke-test inputs; `status: true` points status-url at the same server. */
    readonly inputs: Readonly<Record<string, string | boolean>>;
    readonly expect: { readonly exit: number; readonly checks: Readonly<Record<string, string>>; readonly details?: Readonly<Record<string, readonly string[]>> };
  };
  readonly plan?: {
    readonly args: readonly string[];
    readonly expect: { readonly exit: number; readonly from?: string; readonly error?: readonly string[] };
  };
}

interface ReportCheck {
  readonly name: string;
  readonly status: string;
  readonly details: string;
}

const samples = readdirSync(SAMPLES).filter((file) => file.endsWith('.yaml')).sort();
const load = (file: string) => parse(readFileSync(path.join(SAMPLES, file), 'utf8')) as AdminSample;
let work: string;

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'admin-replay-'));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function plan(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(DIST, '../bin/kong-upgrade.js'), 'plan', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('real Admin API answers, replayed to dist/smoke-test', () => {
  it.each(samples.filter((file) => load(file).smoke !== undefined))('%s', async (file) => {
    const sample = load(file);
    const smoke = sample.smoke!;
    const server = await replayAdmin(sample.responses);
    try {
      const report = path.join(work, `${file}.json`);
      const inputs: Record<string, string> = { 'admin-url': server.url, inventory: 'false', hybrid: 'off', 'wait-timeout': '3s', 'report-file': report };
      for (const [name, value] of Object.entries(smoke.inputs)) {
        if (name === 'status') inputs['status-url'] = server.url;
        else inputs[name] = String(value);
      }
      const run = await runAction('smoke-test', OTHER_DIST ? { ...actionDefaults('smoke-test'), ...inputs } : inputs, OTHER_DIST ? { entry: path.join(DIST, 'smoke-test/index.js') } : {});
      const checks = (JSON.parse(readFileSync(report, 'utf8')) as { checks: ReportCheck[] }).checks;
      const byName = Object.fromEntries(checks.map((check) => [check.name, check]));
      record({ kind: 'smoke', sample: file, source: sample.source, exit: run.exitCode, checks: checks.map((c) => `${c.name}: ${c.status}: ${c.details}`) });
      expect(run.exitCode, run.stdout).toBe(smoke.expect.exit);
      for (const [name, status] of Object.entries(smoke.expect.checks)) expect(byName[name]?.status, `${name}: ${byName[name]?.details}`).toBe(status);
      for (const [name, texts] of Object.entries(smoke.expect.details ?? {})) {
        for (const text of texts) expect(byName[name]?.details).toContain(text);
      }
    } finally {
      await server.close();
    }
  }, 60_000);
});

describe('real Admin API answers, replayed to kong-upgrade plan --admin-url', () => {
  it.each(samples.filter((file) => load(file).plan !== undefined))('%s', async (file) => {
    const sample = load(file);
    const want = sample.plan!.expect;
    const server = await replayAdmin(sample.responses);
    try {
      const run = await plan(['--admin-url', server.url, '--offline', '--format', 'json', ...sample.plan!.args]);
      const error = run.stderr.trim().split('\n').at(-1) ?? '';
      const from = run.code === 0 ? (JSON.parse(run.stdout) as { from: string }).from : undefined;
      record({ kind: 'plan', sample: file, source: sample.source, exit: run.code, from, error: run.code === 0 ? '' : error });
      expect(run.code, run.stderr).toBe(want.exit);
      if (want.from !== undefined) expect(from).toBe(want.from);
      for (const text of want.error ?? []) expect(error).toContain(text);
      // One line naming the input, never a stack.
      if (want.exit !== 0) expect(run.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await server.close();
    }
  }, 60_000);
});
