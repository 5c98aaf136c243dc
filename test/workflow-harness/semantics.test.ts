// GitHub's semantics the harness reproduces, each on a small workflow: status functions, env at
// every level, secrets and vars, hashFiles and the JSON functions, environments, timeouts, the
// matrix (GitHub's own documented example), max-parallel, and concurrency groups.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConcurrencyGroups, expandMatrix, runWorkflow, type RunWorkflowOptions, type WorkflowRun } from './harness.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'wf-semantics-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let runs = 0;
function run(text: string, options: Partial<RunWorkflowOptions> = {}): Promise<WorkflowRun> {
  const name = `wf-${++runs}`;
  const file = path.join(dir, `${name}.yml`);
  writeFileSync(file, text);
  return runWorkflow({ workflow: file, workDir: path.join(dir, name), ...options });
}

/** A promise and its resolve, for commands a test releases when it has seen what it waits for. */
function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('status functions and continue-on-error', () => {
  it('a failed step skips the steps after it except failure()/always(); job-level failure() sees any failed ancestor', async () => {
    const result = await run(`on:
  workflow_dispatch:
    inputs:
      tolerate: { type: boolean, default: true }
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - id: tolerated
        continue-on-error: \${{ inputs.tolerate }}
        run: exit 2
      - id: boom
        run: exit 3
      - id: after
        run: echo never
      - id: on-failure
        if: failure() && steps.tolerated.outcome == 'failure' && steps.tolerated.conclusion == 'success'
        run: echo "boom was \${{ steps.boom.outcome }}"
      - id: always
        if: always()
        run: echo "job status \${{ job.status }}"
      - id: on-cancel
        if: cancelled()
        run: echo never
  b:
    needs: a
    runs-on: ubuntu-latest
    steps: [{ id: b, run: echo never }]
  c:
    needs: b
    if: failure()
    runs-on: ubuntu-latest
    steps:
      - id: c
        run: echo "b was \${{ needs.b.result }}"
  d:
    needs: b
    if: \${{ !cancelled() }}
    runs-on: ubuntu-latest
    steps:
      - id: d
        run: echo "\${{ toJSON(needs.*.result) }}"
  e:
    needs: b
    runs-on: ubuntu-latest
    steps: [{ id: e, run: echo never }]
`, { runScripts: ['tolerated', 'boom', 'after', 'on-failure', 'always', 'on-cancel', 'b', 'c', 'd', 'e'] });
    expect(result.job('a').steps.map((s) => [s.id, s.outcome, s.conclusion])).toEqual([
      ['tolerated', 'failure', 'success'],
      ['boom', 'failure', 'failure'],
      ['after', 'skipped', 'skipped'],
      ['on-failure', 'success', 'success'],
      ['always', 'success', 'success'],
      ['on-cancel', 'skipped', 'skipped'],
    ]);
    expect(result.step('a', 'on-failure').stdout).toBe('boom was failure\n');
    expect(result.step('a', 'always').stdout).toBe('job status failure\n');
    expect(result.jobs.map((j) => [j.id, j.result])).toEqual([['a', 'failure'], ['b', 'skipped'], ['c', 'success'], ['d', 'success'], ['e', 'skipped']]);
    expect(result.step('c', 'c').stdout).toBe('b was skipped\n');
    expect(result.step('d', 'd').stdout).toBe('[\n  skipped\n]\n');
    expect(result.conclusion).toBe('failure');
  });
});

describe('env, secrets and vars', () => {
  it('workflow, job and step env each see the level above; GITHUB_ENV; step env wins; secrets and vars by environment', async () => {
    const result = await run(`on: workflow_dispatch
env:
  LEVEL: workflow
  FROM_WORKFLOW: \${{ vars.REGION }}-\${{ secrets.PLAIN }}
jobs:
  a:
    runs-on: ubuntu-latest
    environment: staging
    env:
      LEVEL: job
      FROM_JOB: \${{ vars.REGION }}-job
    steps:
      - id: export
        run: echo "EXPORTED=from-step" >> "$GITHUB_ENV"
      - id: show
        name: Show \${{ env.LEVEL }} \${{ env.EXPORTED }}
        env:
          LEVEL: step
          TOKEN_SEEN: \${{ secrets.STAGING_TOKEN != '' }}
        run: echo "$LEVEL $FROM_WORKFLOW $FROM_JOB $EXPORTED $TOKEN_SEEN \${{ env.LEVEL }}"
`, {
      runScripts: ['export', 'show'],
      secrets: { PLAIN: 'repo-secret' },
      vars: { REGION: 'repo' },
      environments: { staging: { secrets: { STAGING_TOKEN: 'staging-secret' }, vars: { REGION: 'eu' } } },
    });
    expect(result.conclusion, result.log.join('\n')).toBe('success');
    const show = result.step('a', 'show');
    expect(show.name).toBe('Show step from-step');
    expect(show.stdout).toBe('step eu-repo-secret eu-job from-step true step\n');
  });

  it('a job output holding a secret is dropped, as the runner does', async () => {
    const result = await run(`on: workflow_dispatch
jobs:
  a:
    runs-on: ubuntu-latest
    outputs:
      leaked: x-\${{ secrets.TOKEN }}
      fine: \${{ secrets.TOKEN != '' }}
    steps: [{ id: s, run: 'true' }]
`, { runScripts: ['s'], secrets: { TOKEN: 'do-not-pass-me' } });
    expect(result.job('a').outputs).toEqual({ fine: 'true' });
    expect(result.log).toContain("a | Skip output 'leaked' since it may contain secret.");
  });
});

describe('functions GitHub provides', () => {
  it('hashFiles: SHA-256 over each matched file\'s SHA-256 in the workspace, `!` excluding, empty when nothing matches', async () => {
    const checkout = path.join(dir, 'hash-checkout');
    mkdirSync(path.join(checkout, 'data', 'sub'), { recursive: true });
    writeFileSync(path.join(checkout, 'data', 'a.txt'), 'alpha');
    writeFileSync(path.join(checkout, 'data', 'sub', 'b.txt'), 'beta');
    writeFileSync(path.join(checkout, 'data', 'skip.txt'), 'skipped');
    const result = await run(`on: workflow_dispatch
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v5
      - id: hash
        env:
          ALL: \${{ hashFiles('data/**', '!data/skip.txt') }}
          DIR: \${{ hashFiles('data/sub') }}
          NONE: \${{ hashFiles('nothing/*.lock') }}
        run: echo "$ALL $DIR [$NONE]"
`, { runScripts: ['hash'], checkout });
    const sha = (data: string | Buffer) => createHash('sha256').update(data).digest();
    const expected = (...texts: string[]) => createHash('sha256').update(Buffer.concat(texts.map(sha))).digest('hex');
    expect(result.step('a', 'hash').stdout).toBe(`${expected('alpha', 'beta')} ${expected('beta')} []\n`);
  });

  it('fromJSON and toJSON are GitHub\'s; a fromJSON of bad JSON fails the step naming file and line', async () => {
    const result = await run(`on:
  workflow_dispatch:
    inputs:
      hops: { type: string, default: '[{"from":"2.8.5","to":"3.4.2"}]' }
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - id: json
        env:
          TO: \${{ fromJSON(inputs.hops)[0].to }}
          BACK: \${{ toJSON(fromJSON('{"a":[1,true,null]}')) }}
        run: echo "$TO $BACK"
      - id: bad
        if: always()
        env:
          X: \${{ fromJSON('{no') }}
        run: echo never
`, { runScripts: ['json', 'bad'] });
    expect(result.step('a', 'json').stdout).toBe('3.4.2 {\n  "a": [\n    1,\n    true,\n    null\n  ]\n}\n');
    expect(result.step('a', 'bad')).toMatchObject({ outcome: 'failure', error: expect.stringMatching(/wf-\d+\.yml \(Line: 17, Col: 14\): Error parsing JSON when evaluating fromJson$/) });
  });
});

describe('environments', () => {
  it('records the environment, its URL (evaluated after the steps) and whether reviewers were waited for', async () => {
    const result = await run(`on: workflow_dispatch
jobs:
  stage:
    runs-on: ubuntu-latest
    environment:
      name: staging
      url: \${{ steps.deploy.outputs.url }}
    steps:
      - id: deploy
        run: echo "url=https://staging.example/\${{ github.run_id }}" >> "$GITHUB_OUTPUT"
  prod:
    needs: stage
    runs-on: ubuntu-latest
    environment: production
    steps: [{ id: go, run: 'true' }]
  prod-again:
    needs: prod
    runs-on: ubuntu-latest
    environment: production
    steps: [{ id: again, run: 'true' }]
`, {
      runScripts: ['deploy', 'go', 'again'],
      environments: { staging: {}, production: { reviewers: ['kong-admins'], approve: (job) => job === 'prod' } },
    });
    expect(result.job('stage').deployment).toEqual({ environment: 'staging', url: 'https://staging.example/4242', reviewers: [], waitedForReviewers: false, approved: true });
    expect(result.job('prod')).toMatchObject({ result: 'success', environment: 'production', deployment: { url: undefined, reviewers: ['kong-admins'], waitedForReviewers: true, approved: true } });
    expect(result.job('prod-again')).toMatchObject({ result: 'failure', steps: [], reason: 'reviewers rejected the deployment to production', deployment: { approved: false } });
    expect(result.log).toContain("prod | waiting for review of the deployment to 'production' by kong-admins");
  });
});

describe('timeout-minutes', () => {
  it('a step over its timeout fails with the runner\'s words; the job goes on to if: always()', async () => {
    const result = await run(`on: workflow_dispatch
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - id: hang
        name: Hang
        timeout-minutes: 1
        run: sleep 600
      - id: cleanup
        if: always()
        run: echo cleaned
`, { runScripts: ['hang', 'cleanup'], minuteMs: 300 });
    expect(result.step('a', 'hang')).toMatchObject({ outcome: 'failure', error: "The action 'Hang' has timed out after 1 minutes." });
    expect(result.step('a', 'cleanup').stdout).toBe('cleaned\n');
    expect(result.job('a').result).toBe('failure');
  });

  it('a job over its timeout-minutes is cancelled; steps not yet run are skipped unless always()', async () => {
    const never = new Promise<void>(() => undefined);
    const result = await run(`on: workflow_dispatch
jobs:
  a:
    runs-on: ubuntu-latest
    timeout-minutes: \${{ 1 }}
    steps:
      - id: hang
        run: wait-forever
      - id: next
        run: echo never
      - id: report
        if: always()
        run: echo "status \${{ job.status }}"
`, { runScripts: ['next', 'report'], commands: { hang: () => never }, minuteMs: 300 });
    expect(result.job('a')).toMatchObject({ result: 'cancelled', timeoutMinutes: 1, reason: 'The job has exceeded the maximum execution time of 1m0s' });
    expect(result.job('a').steps.map((s) => [s.id, s.outcome])).toEqual([['hang', 'cancelled'], ['next', 'skipped'], ['report', 'success']]);
    expect(result.step('a', 'report').stdout).toBe('status cancelled\n');
    expect(result.conclusion).toBe('cancelled');
  });
});

describe('matrix', () => {
  it('expands GitHub\'s documented include example exactly', () => {
    expect(expandMatrix({
      fruit: ['apple', 'pear'],
      animal: ['cat', 'dog'],
      include: [{ color: 'green' }, { color: 'pink', animal: 'cat' }, { fruit: 'apple', shape: 'circle' }, { fruit: 'banana' }, { fruit: 'banana', animal: 'cat' }],
    })).toEqual([
      { fruit: 'apple', animal: 'cat', color: 'pink', shape: 'circle' },
      { fruit: 'apple', animal: 'dog', color: 'green', shape: 'circle' },
      { fruit: 'pear', animal: 'cat', color: 'pink' },
      { fruit: 'pear', animal: 'dog', color: 'green' },
      { fruit: 'banana' },
      { fruit: 'banana', animal: 'cat' },
    ]);
    expect(expandMatrix({ os: ['a', 'b'], v: [1, 2], exclude: [{ os: 'b', v: 2 }] })).toEqual([{ os: 'a', v: 1 }, { os: 'a', v: 2 }, { os: 'b', v: 1 }]);
    expect(() => expandMatrix({ cluster: [] })).toThrow(/non-empty sequence/);
    expect(() => expandMatrix({ a: [1], exclude: [{ b: 1 }] })).toThrow(/b is not a key of the matrix/);
  });

  it('a matrix from an expression runs its combinations side by side up to max-parallel, with the strategy context', async () => {
    let running = 0;
    let most = 0;
    const both = gate();
    const result = await run(`on:
  workflow_dispatch:
    inputs:
      clusters: { type: string, default: '["eu","us","ap"]' }
jobs:
  up:
    name: Upgrade \${{ matrix.cluster }}
    runs-on: ubuntu-latest
    strategy:
      max-parallel: 2
      matrix:
        cluster: \${{ fromJSON(inputs.clusters) }}
    steps:
      - id: op
        env:
          WHERE: \${{ matrix.cluster }} \${{ strategy.job-index }}/\${{ strategy.job-total }}
        run: do-it
`, {
      commands: {
        op: async (ctx) => {
          most = Math.max(most, ++running);
          // The first two wait for each other: they only both get here when run side by side.
          if (running === 2) both.open();
          await both.promise;
          running--;
          ctx.log(ctx.env.WHERE ?? '');
        },
      },
    });
    expect(result.jobs.map((j) => [j.id, j.name, j.result])).toEqual([
      ['up (eu)', 'Upgrade eu', 'success'],
      ['up (us)', 'Upgrade us', 'success'],
      ['up (ap)', 'Upgrade ap', 'success'],
    ]);
    expect(most).toBe(2);
    expect(result.log).toEqual(expect.arrayContaining(['up (eu)/op | eu 0/3', 'up (us)/op | us 1/3', 'up (ap)/op | ap 2/3']));
  });
});

describe('concurrency groups', () => {
  it('job level: of three combinations in one group, the one pending when a newer one arrives is cancelled', async () => {
    const result = await run(`on: workflow_dispatch
jobs:
  deploy:
    runs-on: ubuntu-latest
    concurrency: deploy-\${{ github.run_id }}
    strategy:
      matrix:
        n: [1, 2, 3]
    steps: [{ id: go, run: 'true' }]
`, { runScripts: ['go'] });
    expect(result.jobs.map((j) => [j.id, j.result, j.reason])).toEqual([
      ['deploy (1)', 'success', undefined],
      ['deploy (2)', 'cancelled', "Canceling since a higher priority waiting request for 'deploy-4242' exists"],
      ['deploy (3)', 'success', undefined],
    ]);
    expect(result.job('deploy (1)').concurrency).toEqual({ group: 'deploy-4242', cancelInProgress: false });
  });

  it('workflow level, across runs: a second run waits, a third replaces it; cancel-in-progress cancels the one running', async () => {
    const groups = new ConcurrencyGroups();
    const workflow = (cancelInProgress: boolean) => `on:
  workflow_dispatch:
    inputs:
      cluster: { type: string }
concurrency:
  group: Kong-Cluster-\${{ inputs.cluster }}
  cancel-in-progress: ${cancelInProgress}
jobs:
  upgrade:
    runs-on: ubuntu-latest
    steps:
      - id: work
        run: work
      - id: after
        run: echo after
`;
    const first = gate();
    const firstStarted = gate();
    const settled = async (label: string) => {
      while (!groups.events.some((e) => e.startsWith(label))) await new Promise((resolve) => setImmediate(resolve));
    };
    const options = (runId: string, work: () => Promise<void>): Partial<RunWorkflowOptions> => ({ runId, concurrency: groups, inputs: { cluster: 'eu' }, runScripts: ['after'], commands: { work } });
    const one = run(workflow(false), options('1', async () => {
      firstStarted.open();
      await first.promise;
    }));
    await firstStarted.promise;
    const two = run(workflow(false), options('2', async () => undefined));
    await settled('run 2 pending');
    const three = run(workflow(true), options('3', async () => undefined));
    await settled('run 3 pending');
    // The third one's cancel-in-progress reached the first, which ends at its next step.
    first.open();
    const [r1, r2, r3] = await Promise.all([one, two, three]);
    expect(r2).toMatchObject({ conclusion: 'cancelled', jobs: [] });
    expect(r2.log).toEqual(["run 2 | cancelled: Canceling since a higher priority waiting request for 'Kong-Cluster-eu' exists"]);
    expect(r1.conclusion).toBe('cancelled');
    expect(r1.job('upgrade').steps.map((s) => [s.id, s.outcome])).toEqual([['work', 'success'], ['after', 'skipped']]);
    expect(r3.conclusion).toBe('success');
    expect(groups.events).toEqual([
      'run 1 acquired Kong-Cluster-eu', 'run 2 pending Kong-Cluster-eu', 'run 2 cancelled Kong-Cluster-eu', 'run 3 pending Kong-Cluster-eu', 'run 3 acquired Kong-Cluster-eu',
    ]);
    expect(readFileSync(path.join(dir, `wf-${runs}`, 'run.log'), 'utf8')).toMatch(/upgrade \| success/);
  });
});
