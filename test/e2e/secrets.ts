import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { WorkflowRun } from '../workflow-harness/harness.js';
import { filesContaining, type World } from './rehearsal.js';

/**
 * The planted database password, admin token, backup passphrase, SSH key, kubeconfig and GitOps token appear in no log line
 * (`::add-mask::` lines aside: they are the masking itself, consumed by the runner), no step or
 * job output, no summary, no artifact name, no file the run wrote and no process argv sampled
 * while the steps ran.
 */
export function expectNoSecretAnywhere(run: WorkflowRun, world: World, workDir: string): void {
  const secrets = {
    'database password': world.pg.password, 'admin token': world.adminToken, 'backup passphrase': world.passphrase, 'SSH key': world.sshKey, kubeconfig: world.kubeconfig, 'GitOps token': world.gitopsToken,
  };
  for (const [what, secret] of Object.entries(secrets)) {
    const lines = run.log.filter((line) => line.includes(secret) && !/\| ::add-mask::/.test(line));
    expect(lines, `${what} in the log`).toEqual([]);
    for (const job of run.jobs) {
      expect(JSON.stringify(job.outputs).includes(secret), `${what} in ${job.id} outputs`).toBe(false);
      for (const step of [...job.steps, ...(job.posts ?? [])]) {
        expect(JSON.stringify(step.outputs).includes(secret), `${what} in ${job.id}/${step.id} outputs`).toBe(false);
        expect(step.summary.includes(secret), `${what} in ${job.id}/${step.id} summary`).toBe(false);
      }
    }
    expect(run.artifactNames.filter((name) => name.includes(secret)), `${what} in an artifact name`).toEqual([]);
    expect(run.argv.filter((line) => line.includes(secret)), `${what} in a process argv`).toEqual([]);
    // Step logs on disk keep the ::add-mask:: lines as the raw stdout had them: drop those files' mask lines.
    const files = filesContaining(workDir, secret).filter((file) => !isOnlyMasked(file, secret));
    expect(files, `${what} in files the run wrote`).toEqual([]);
  }
  expect(run.argv.length).toBeGreaterThan(0);
}

function isOnlyMasked(file: string, secret: string): boolean {
  const text = readFileSync(file, 'utf8');
  return text.split('\n').every((line) => !line.includes(secret) || /^(.* \| )?::add-mask::/.test(line));
}
