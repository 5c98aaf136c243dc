// Reusable workflows through the harness: the fixtures under fixtures/reusable are a repository of
// their own (its .github/workflows), so `./` and `<owner>/<repo>/...@ref` both resolve there.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorkflow, WorkflowParseError } from './harness.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'reusable', '.github', 'workflows');
const SCRIPTS = ['version', 'apply', 'report'];
/** How errors and `calls` name the fixtures: from the repository root. */
const NAMED = 'test/workflow-harness/fixtures/reusable/.github/workflows';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'wf-reusable-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const call = (file: string, secrets: Record<string, string>, name = file) =>
  runWorkflow({ workflow: path.join(FIXTURES, file), workDir: path.join(dir, name), inputs: file === 'caller.yml' ? { cluster: 'eu' } : {}, secrets, runScripts: SCRIPTS });

describe('reusable workflows', () => {
  it('passes with: and secrets (named, inherit) to the called workflow, applies typed defaults, maps its outputs back', async () => {
    const run = await call('caller.yml', { DEPLOY_TOKEN: 'deploy-token-1', token: 'inherited-token-2' });
    expect(run.conclusion, run.log.join('\n')).toBe('success');
    expect(run.jobs.map((j) => [j.id, j.result])).toEqual([
      ['prepare', 'success'],
      ['first / apply', 'success'],
      ['first', 'success'],
      ['second / apply', 'success'],
      ['second', 'success'],
      ['report', 'success'],
    ]);
    expect(run.job('first')).toMatchObject({ calls: `${NAMED}/deploy.yml`, outputs: { deployed: 'eu@3.4.2', waves: '2' } });
    expect(run.job('second')).toMatchObject({ calls: `${NAMED}/deploy.yml`, outputs: { deployed: 'second@eu@3.4.2', waves: '5' } });
    // Inputs: given, boolean given, number default / given, a default that is an expression.
    expect(run.step('first / apply', 'apply').stdout).toBe('dry-run=true waves=2 label=kong-4242 token=true\n');
    expect(run.step('second / apply', 'apply').stdout).toBe('dry-run=false waves=5 label=kong-4242 token=true\n');
    expect(run.step('report', 'report').stdout).toBe('eu@3.4.2 second@eu@3.4.2 2/5\n');
    // The secrets reach the called job as its own `secrets` context, and nowhere in the log.
    expect(run.log.join('\n')).not.toMatch(/deploy-token-1|inherited-token-2/);
  });

  it('a required secret that `inherit` does not have fails the call with the parser\'s words; nothing of it runs', async () => {
    const run = await call('caller.yml', { DEPLOY_TOKEN: 'deploy-token-1' }, 'inherit-missing');
    expect(run.conclusion).toBe('failure');
    expect(run.job('first').result).toBe('success');
    expect(run.job('second')).toMatchObject({
      result: 'failure',
      reason: 'someone/kong-upgrade-actions/.github/workflows/deploy.yml@v1: Secret token is required, but not provided while calling.',
    });
    expect(run.jobs.map((j) => j.id)).not.toContain('second / apply');
    expect(run.job('report').result).toBe('skipped');
  });

  it('a call without a required secret, or with an input the workflow does not declare, is rejected by GitHub\'s parser before anything runs', async () => {
    const error = await call('missing-secret.yml', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowParseError);
    expect((error as WorkflowParseError).errors).toEqual([
      `${NAMED}/missing-secret.yml (Line: 11, Col: 15): Invalid input, colour is not defined in the referenced workflow.`,
      `${NAMED}/missing-secret.yml (Line: 7, Col: 11): Secret token is required, but not provided while calling.`,
    ]);
  });

  it('a matrix of calls runs each call with its own inputs; the called jobs are listed under each combination', async () => {
    const run = await call('fan-out.yml', { DEPLOY_TOKEN: 'deploy-token-1' });
    expect(run.jobs.map((j) => [j.id, j.result])).toEqual([
      ['fan (eu) / apply', 'success'],
      ['fan (eu)', 'success'],
      ['fan (us) / apply', 'success'],
      ['fan (us)', 'success'],
    ]);
    expect(run.job('fan (us)').outputs).toEqual({ deployed: 'us@3.4.2', waves: '2' });
  });

  it('a string for a boolean input fails the calling job, naming the input', async () => {
    const run = await call('wrong-type.yml', { token: 't' });
    expect(run.job('deploy')).toMatchObject({ result: 'failure', reason: `${NAMED}/deploy.yml: input 'dry-run' is a boolean; the caller gave "yes"` });
    expect(run.jobs).toHaveLength(1);
  });
});
