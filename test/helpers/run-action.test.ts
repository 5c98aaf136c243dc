import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './paths.js';
import { inputVariable, parseAnnotations, parseFileCommand, runAction } from './run-action.js';

// A throwaway "action" that drives the real @actions/core, so the helper is checked against
// what the library writes, not against our own idea of it.
const CORE_URL = pathToFileURL(path.join(REPO_ROOT, 'node_modules/@actions/core/lib/core.js')).href;
const SCRIPT = `
import * as core from ${JSON.stringify(CORE_URL)};
import { writeFileSync } from 'node:fs';
const token = core.getInput('admin-token');
core.setSecret(token);
core.setOutput('kong-version', core.getInput('kong-version', { required: true }));
core.setOutput('multi', 'line one\\nline two');
core.setOutput('flag', core.getInput('dry run'));
core.setOutput('env-seen', JSON.stringify({
  workspace: process.env.GITHUB_WORKSPACE === process.cwd(),
  actions: process.env.GITHUB_ACTIONS,
  runnerTemp: Boolean(process.env.RUNNER_TEMP),
  extra: process.env.EXTRA ?? null,
}));
core.exportVariable('KONG_NEXT', '3.9');
writeFileSync('written-by-action.txt', 'x');
await core.summary.addHeading('Plan').addTable([['a', 'b']]).write();
core.warning('deprecated, plugin', { file: 'kong.yml', startLine: 12, title: 'Plugin: gone' });
core.notice('fyi');
if (core.getInput('fail') === 'yes') core.setFailed('step x: it broke');
`;

let dir: string;
let entry: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'run-action-test-'));
  entry = path.join(dir, 'index.mjs');
  writeFileSync(entry, SCRIPT);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runAction', () => {
  it('runs a script the way the runner does and parses what it wrote', async () => {
    const run = await runAction(
      'throwaway',
      { 'kong-version': '3.9.1', 'admin-token': 'tok-123', 'dry run': true },
      { entry, env: { EXTRA: 'e' } },
    );
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toEqual({
      'kong-version': '3.9.1',
      multi: 'line one\nline two',
      flag: 'true',
      'env-seen': JSON.stringify({ workspace: true, actions: 'true', runnerTemp: true, extra: 'e' }),
    });
    expect(run.exportedEnv).toEqual({ KONG_NEXT: '3.9' });
    expect(run.summary).toContain('<h1>Plan</h1>');
    expect(run.masked).toEqual(['tok-123']);
    expect(run.annotations).toEqual([
      {
        level: 'warning',
        message: 'deprecated, plugin',
        file: 'kong.yml',
        line: 12,
        title: 'Plugin: gone',
        properties: { title: 'Plugin: gone', file: 'kong.yml', line: '12' },
      },
      { level: 'notice', message: 'fyi', properties: {} },
    ]);
  });

  it('reports failure through the exit code and an error annotation', async () => {
    const run = await runAction('throwaway', { 'kong-version': '3.9.1', fail: 'yes' }, { entry });
    expect(run.exitCode).toBe(1);
    expect(run.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual(['step x: it broke']);
  });

  it('fails on a missing required input the way the runner would', async () => {
    const run = await runAction('throwaway', {}, { entry });
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr + run.stdout).toContain('kong-version');
  });

  it('uses the given cwd as the workspace', async () => {
    const workspace = mkdtempSync(path.join(os.tmpdir(), 'run-action-ws-'));
    try {
      const run = await runAction('throwaway', { 'kong-version': '1' }, { entry, cwd: workspace });
      expect(run.exitCode).toBe(0);
      expect(() => writeFileSync(path.join(workspace, 'written-by-action.txt'), '', { flag: 'wx' })).toThrow(/EEXIST/);
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});

describe('parsing', () => {
  it('names inputs as the runner does: upper case, spaces to _, hyphens kept', () => {
    expect(inputVariable('kong-version')).toBe('INPUT_KONG-VERSION');
    expect(inputVariable('dry run')).toBe('INPUT_DRY_RUN');
  });

  it('reads both file-command forms', () => {
    expect(parseFileCommand('a=1\nb<<EOF_x\nline\n\nlast\nEOF_x\nc=x=y\n')).toEqual({ a: '1', b: 'line\n\nlast', c: 'x=y' });
    expect(() => parseFileCommand('b<<D\nnever closed\n')).toThrow(/unterminated/);
  });

  it('unescapes annotation messages and properties', () => {
    expect(parseAnnotations('::error file=a%2Cb.ts,line=3,title=T%3A 50%25::100%25 broken%0Anext\nplain\n')).toEqual([
      { level: 'error', message: '100% broken\nnext', file: 'a,b.ts', line: 3, title: 'T: 50%', properties: { file: 'a,b.ts', line: '3', title: 'T: 50%' } },
    ]);
  });
});
