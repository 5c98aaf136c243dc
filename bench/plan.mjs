// Benchmarks of the plan, printed as ratios against the bare tool:
//  1. an offline plan 1.5.0 → latest OSS, in-process (target ≤ 100 ms), against parsing the
//     request alone;
//  2. cold start of the bundled fetch-changelog action run as the runner runs it, against a
//     bare action that only imports @actions/core and sets one output (target ≤ 1.5×);
//  3. the whole plan 2.8.4 → 3.9.3 with a 20 MB decK file (services each with a route and a
//     plugin, the shape enterprises keep), against js-yaml's plain load of the same file
//     (target ≤ 1.5×), each in a fresh process, with peak memory; every finding's line is
//     checked against where the generator wrote the path.
// Run: npm run bench (builds first when build/ or dist/ is missing).
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(path.join(root, 'build/changelog/plan.js'))) {
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
}

const { buildPlan } = await import(path.join(root, 'build/changelog/plan.js'));
const { readPlanRequest } = await import(path.join(root, 'build/changelog/plan-request.js'));

const inputs = (values) => ({ get: (name) => values[name] ?? '', mask: () => {} });
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const quiet = { log: () => {} };

// 1. The plan, in-process. The first run pays module and data initialisation; report both.
const planInputs = inputs({ from: '1.5.0', to: 'latest', offline: 'true' });
let started = performance.now();
const first = await buildPlan(await readPlanRequest(planInputs), quiet);
const firstMs = performance.now() - started;
const planTimes = [];
const requestTimes = [];
for (let i = 0; i < 30; i++) {
  started = performance.now();
  const request = await readPlanRequest(planInputs);
  requestTimes.push(performance.now() - started);
  started = performance.now();
  await buildPlan(request, quiet);
  planTimes.push(performance.now() - started);
}
const planMs = median(planTimes);
console.log(`offline plan ${first.from} -> ${first.to} (${first.hops.length} hops, ${first.releases.length} releases):`);
console.log(`  first run ${firstMs.toFixed(1)} ms, median of 30 ${planMs.toFixed(2)} ms (target <= 100 ms: ${planMs <= 100 ? 'met' : 'MISSED'})`);
console.log(`  ratio to reading the request alone: ${(planMs / median(requestTimes)).toFixed(1)}x`);

// 2. Cold start: the bundled action vs a bare @actions/core action, each bundled by ncc.
const work = mkdtempSync(path.join(tmpdir(), 'bench-plan-'));
try {
  const bareSource = path.join(root, 'build', 'bench-bare-action.js');
  writeFileSync(bareSource, "import * as core from '@actions/core';\ncore.setOutput('ready', 'true');\n");
  execFileSync(path.join(root, 'node_modules/.bin/ncc'), ['build', bareSource, '-o', path.join(work, 'bare'), '-q'], { cwd: root });
  rmSync(bareSource);

  const runnerEnv = (extra) => {
    const output = path.join(work, 'output');
    const summary = path.join(work, 'summary');
    writeFileSync(output, '');
    writeFileSync(summary, '');
    return { ...process.env, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, RUNNER_TEMP: work, ...extra };
  };
  const time = (script, env) => {
    const start = performance.now();
    const result = spawnSync(process.execPath, [script], { env, stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`${script} exited ${result.status}`);
    return performance.now() - start;
  };
  const actionEnv = { INPUT_FROM: '2.8.4', INPUT_TO: '3.4.2', INPUT_OFFLINE: 'true' };
  const bare = [];
  const ours = [];
  for (let i = 0; i < 15; i++) {
    bare.push(time(path.join(work, 'bare/index.js'), runnerEnv({})));
    ours.push(time(path.join(root, 'dist/fetch-changelog/index.js'), runnerEnv(actionEnv)));
  }
  const ratio = median(ours) / median(bare);
  console.log('cold start, median of 15 runs:');
  console.log(`  bare @actions/core action ${median(bare).toFixed(1)} ms, fetch-changelog (offline plan 2.8.4 -> 3.4.2) ${median(ours).toFixed(1)} ms`);
  console.log(`  ratio ${ratio.toFixed(2)}x (target <= 1.5x: ${ratio <= 1.5 ? 'met' : 'MISSED'})`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

// 3. A 20 MB declarative file: the plan against js-yaml's plain load, each in its own process.
const big = mkdtempSync(path.join(tmpdir(), 'bench-plan-20mb-'));
try {
  const file = path.join(big, 'kong.yaml');
  const lines = ['_format_version: "1.1"', 'services:'];
  const regexLines = [];
  for (let i = 0; i < 72_000; i++) {
    lines.push(`- name: service-${i}`, `  url: http://upstream-${i % 97}.internal:8080/v1`, '  retries: 5', '  routes:', `  - name: route-${i}`, '    paths:');
    if (i % 1000 === 0) {
      lines.push(`    - /api/v1/items-${i}/\\d+`);
      regexLines.push(lines.length);
    } else lines.push(`    - /api/v1/resource-${i}`);
    lines.push('    strip_path: true', '    methods: [GET, POST]', '  plugins:', '  - name: rate-limiting', '    config:', '      minute: 100', '      policy: local');
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  const megabytes = readFileSync(file).length / 1e6;
  const runChild = (code) => {
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (result.status !== 0) throw new Error(result.stderr);
    return JSON.parse(result.stdout.trim().split('\n').at(-1));
  };
  const measure = (body) => `
    const started = performance.now();
    const out = await (async () => { ${body} })();
    console.log(JSON.stringify({ ms: performance.now() - started, rssMb: process.resourceUsage().maxRSS / 1024, out }));`;
  const jsYaml = measure(`const { load } = await import('js-yaml'); const { readFileSync } = await import('node:fs'); load(readFileSync(${JSON.stringify(file)}, 'utf8')); return null;`);
  const plan = measure(`
    const { buildPlan } = await import(${JSON.stringify(path.join(root, 'build/changelog/plan.js'))});
    const { readPlanRequest } = await import(${JSON.stringify(path.join(root, 'build/changelog/plan-request.js'))});
    const values = { from: '2.8.4', to: '3.9.3', offline: 'true', 'declarative-config': ${JSON.stringify(file)}, 'declarative-consumer': 'db-less' };
    const plan = await buildPlan(await readPlanRequest({ get: (name) => values[name] ?? '', mask: () => {} }), { log: () => {} });
    return plan.impacts.filter((i) => i.rule === 'route-regex-prefix').map((i) => i.where);`);
  const runs = 3;
  const loads = [];
  const plans = [];
  let wheres = [];
  for (let i = 0; i < runs; i++) {
    loads.push(runChild(jsYaml));
    const result = runChild(plan);
    plans.push(result);
    wheres = result.out;
  }
  const loadMs = median(loads.map((r) => r.ms));
  const planMs = median(plans.map((r) => r.ms));
  const expected = regexLines.map((line) => `${file}:${line}`);
  const linesRight = wheres.length === expected.length && wheres.every((where, i) => where === expected[i]);
  const ratio = planMs / loadMs;
  console.log(`${megabytes.toFixed(1)} MB declarative file (${lines.length} lines), median of ${runs} runs, each in a fresh process:`);
  console.log(`  js-yaml load ${loadMs.toFixed(0)} ms (peak ${median(loads.map((r) => r.rssMb)).toFixed(0)} MB); whole plan 2.8.4 -> 3.9.3 ${planMs.toFixed(0)} ms (peak ${median(plans.map((r) => r.rssMb)).toFixed(0)} MB)`);
  console.log(`  ratio ${ratio.toFixed(2)}x (target <= 1.5x: ${ratio <= 1.5 ? 'met' : 'MISSED'}); ${wheres.length} regex-path findings, lines ${linesRight ? 'all right' : 'WRONG'}`);
} finally {
  rmSync(big, { recursive: true, force: true });
}
