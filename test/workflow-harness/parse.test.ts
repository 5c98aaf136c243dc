// The shipped workflows under GitHub's own workflow schema (@actions/workflow-parser), and what it
// says about a broken one. The harness runs nothing the parser rejects.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.js';
import { loadWorkflow, runWorkflow, WorkflowParseError } from './harness.js';
import { loadAction } from './workflow.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'wf-parse-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ymlIn = (folder: string) => readdirSync(path.join(REPO_ROOT, folder)).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join(folder, f));

async function rejection(text: string, name = 'broken.yml'): Promise<string[]> {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  const error = await loadWorkflow(file).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowParseError);
  return (error as WorkflowParseError).errors.map((message) => message.replace(`${file} `, ''));
}

describe("GitHub's workflow parser", () => {
  it('parses every file of workflows-examples/ and .github/workflows/ with no error', async () => {
    const files = [...ymlIn('workflows-examples'), ...ymlIn('.github/workflows')];
    expect(files.length).toBeGreaterThanOrEqual(7);
    for (const file of files) {
      const workflow = await loadWorkflow(file);
      expect(workflow.template.errors, file).toBeUndefined();
      expect(workflow.template.jobs.length, file).toBeGreaterThan(0);
    }
  });

  it('parses every actions/*/action.yml under the action schema', () => {
    const actions = readdirSync(path.join(REPO_ROOT, 'actions'), { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(actions.length).toBeGreaterThanOrEqual(5);
    for (const action of actions) {
      const metadata = loadAction(path.join(REPO_ROOT, 'actions', action.name, 'action.yml'));
      expect(metadata.runs, action.name).toMatchObject({ using: 'node24' });
    }
  });

  it('rejects an unknown key, a wrong type and a bad expression, naming line and column', async () => {
    const errors = await rejection(`on: workflow_dispatch
jobs:
  a:
    runs-on: ubuntu-latest
    timeout-minutes: soon
    retries: 3
    steps:
      - run: echo \${{ inputs.to == }}
      - run: echo hi
        if: \${{ nosuch.value }}
`);
    expect(errors).toEqual([
      "(Line: 5, Col: 22): Unexpected value 'soon'",
      "(Line: 6, Col: 5): Unexpected value 'retries'",
      "(Line: 8, Col: 14): Unexpected end of expression: '=='",
      "(Line: 10, Col: 13): Unrecognized named-value: 'nosuch'",
    ]);
  });

  it('rejects a needs cycle, an unknown need and secrets in a step if:', async () => {
    const errors = await rejection(`on: workflow_dispatch
jobs:
  start:
    runs-on: ubuntu-latest
    steps:
      - run: echo start
        if: secrets.TOKEN != ''
  a:
    needs: [start, b]
    runs-on: ubuntu-latest
    steps: [{ run: echo a }]
  b:
    needs: [a, nowhere]
    runs-on: ubuntu-latest
    steps: [{ run: echo b }]
`, 'needs.yml');
    expect(errors).toEqual([
      "(Line: 7, Col: 13): Unrecognized named-value: 'secrets'",
      "(Line: 9, Col: 20): Job 'a' depends on job 'b' which creates a cycle in the dependency graph.",
      "(Line: 13, Col: 13): Job 'b' depends on job 'a' which creates a cycle in the dependency graph.",
      "(Line: 13, Col: 16): Job 'b' depends on unknown job 'nowhere'.",
    ]);
  });

  it('runWorkflow runs nothing of a workflow the parser rejects', async () => {
    const file = path.join(dir, 'typo.yml');
    writeFileSync(file, 'on: workflow_dispatch\njobs:\n  a:\n    runs-on: ubuntu-latest\n    step:\n      - id: op\n        run: do-it\n');
    let ran = false;
    const run = runWorkflow({ workflow: file, workDir: path.join(dir, 'typo-run'), commands: { op: async () => void (ran = true) } });
    await expect(run).rejects.toThrow(`${file}: rejected by GitHub's workflow parser:\n  ${file} (Line: 5, Col: 5): Unexpected value 'step'`);
    expect(ran).toBe(false);
  });
});
