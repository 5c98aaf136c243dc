// The `job` context's workflow identity (GitHub docs, "Contexts reference": job.workflow_repository,
// workflow_sha, workflow_ref, workflow_file_path name the file that defines the job, while
// github.repository stays the caller's), the sparse checkout of that repository at that commit,
// a suite action run from it, and a called workflow's own concurrency group (a deadlock with its
// caller's is cancelled, as GitHub does). Also actionlint's exemption for those properties.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isJobWorkflowExemption } from '../../scripts/actionlint.mjs';
import { ConcurrencyGroups, runWorkflow } from './harness.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'reusable', '.github', 'workflows');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'wf-job-context-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('job context and self-checkout', () => {
  it('a called workflow knows its own repository and commit, checks them out sparse and runs a suite action from there', async () => {
    const groups = new ConcurrencyGroups();
    const run = await runWorkflow({ workflow: path.join(FIXTURES, 'self-caller.yml'), workDir: path.join(dir, 'run'), runScripts: ['identity'], concurrency: groups });
    const [repository, sha, ref, file, caller] = run.job('eu').outputs.identity!.split(' ');
    expect(repository).toBe('someone/kong-upgrade-actions');
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(ref).toBe('someone/kong-upgrade-actions/.github/workflows/self-checkout.yml@refs/tags/v1');
    expect(file).toBe('.github/workflows/self-checkout.yml');
    expect(caller).toBe('caller=example/kong-ops');
    expect(run.step('eu / own', 'plan').outputs.to).toBe('3.4.2');
    expect(groups.events).toContain('eu acquired kong-eu');
  });

  it('a called workflow whose group its caller holds is cancelled (deadlock), nothing of it runs', async () => {
    const run = await runWorkflow({ workflow: path.join(FIXTURES, 'self-caller.yml'), workDir: path.join(dir, 'deadlock'), runScripts: ['identity'] });
    expect(run.job('held')).toMatchObject({ result: 'cancelled', reason: expect.stringMatching(/deadlock for concurrency group 'kong-held'/) });
    expect(run.jobs.map((j) => j.id)).not.toContain('held / own');
  });

  it('options.jobs picks jobs of a call: the others never run', async () => {
    const run = await runWorkflow({ workflow: path.join(FIXTURES, 'self-caller.yml'), workDir: path.join(dir, 'jobs'), runScripts: ['identity'], jobs: ['eu', 'eu / own'] });
    expect(run.jobs.map((j) => [j.id, j.result])).toEqual([['eu / own', 'success'], ['eu', 'success']]);
  });

  it('the workflow repository is checked out at job.workflow_sha and sparse only', async () => {
    const repo = path.join(dir, 'repo');
    const workflows = path.join(repo, '.github', 'workflows');
    mkdirSync(workflows, { recursive: true });
    writeFileSync(path.join(workflows, 'caller.yml'), 'on: workflow_dispatch\njobs:\n  call:\n    uses: someone/suite/.github/workflows/called.yml@v1\n');
    const called = (withRef: string, sparse: string) =>
      `on: workflow_call\njobs:\n  own:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v5\n        with:\n          repository: \${{ job.workflow_repository }}\n          ref: ${withRef}\n          path: .suite\n${sparse}`;
    const attempt = async (name: string, content: string) => {
      writeFileSync(path.join(workflows, 'called.yml'), content);
      const run = await runWorkflow({ workflow: path.join(workflows, 'caller.yml'), workDir: path.join(dir, name) });
      return run.job('call / own').steps[0]!.error ?? '';
    };
    expect(await attempt('branch', called('main', '          sparse-checkout: actions\n'))).toMatch(/checked out at job.workflow_sha \([0-9a-f]{40}\) only, not "main"/);
    expect(await attempt('whole', called('\${{ job.workflow_sha }}', ''))).toMatch(/is checked out sparse only/);
    expect(await attempt('sparse', called('\${{ job.workflow_sha }}', '          sparse-checkout: actions\n'))).toBe('');
  });
});

describe("actionlint's job.workflow_* exemption", () => {
  const type = '{container: {id: string; network: string}; services: {string => {id: string; network: string; ports: {string => string}}}; status: string}';
  it('ignores exactly the four documented properties', () => {
    for (const name of ['workflow_repository', 'workflow_sha', 'workflow_ref', 'workflow_file_path']) {
      expect(isJobWorkflowExemption(`property "${name}" is not defined in object type ${type}`), name).toBe(true);
    }
    for (const message of [
      `property "workflow_repo" is not defined in object type ${type}`,
      `property "workflow_sha" is not defined in object type {version: string}`,
      `property "workflow_sha" is not defined in object type ${type} and more`,
      'property "status" is not defined in object type {}',
    ]) {
      expect(isJobWorkflowExemption(message), message).toBe(false);
    }
  });
});
