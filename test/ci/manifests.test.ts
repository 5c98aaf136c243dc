// One manifest per action (actions/<name>/manifest.yml) is where its inputs, outputs, defaults and
// descriptions are written; action.yml, the README tables, the adapters' defaults and the CLI's
// flags are generated from it (scripts/gen-actions.mjs). Here: nothing generated has drifted from
// the manifests, each default means what its type says, and the code's own fallback for an input
// is the manifest's default (an action reads the manifest's; a test or a caller without an
// action's defaults reads the code's, and the two must not tell different stories).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPlanRequest } from '../../src/changelog/plan-request.js';
import { readSmokeOptions } from '../../src/checks/options.js';
import { readBackupRequest } from '../../src/database/backup-request.js';
import { readFreezeRequest } from '../../src/drift/freeze-request.js';
import { readPromoteConfig } from '../../src/traffic/options.js';
import { parseRate } from '../../src/checks/options.js';
import { parseDuration, withDefaults, type InputSource } from '../../src/lib/inputs.js';
import { actionNames, generate, readManifest, renderActionYml, stale } from '../../scripts/gen-actions.mjs';
import { REPO_ROOT } from '../helpers/paths.js';

const names = actionNames(REPO_ROOT);

describe('the manifests', () => {
  it('describe every action', () => {
    const folders = readdirSync(path.join(REPO_ROOT, 'actions'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(folders.filter((name) => !names.includes(name))).toEqual([]);
  });

  it('generate exactly the committed action.yml files, README tables, inputs modules and CLI flags', () => {
    expect(stale(REPO_ROOT)).toEqual([]);
  });

  it('generate the action.yml GitHub reads: node24, the bundle, a post step exactly where src/actions has post.ts', () => {
    for (const name of names) {
      const yml = renderActionYml(readManifest(name, REPO_ROOT), name);
      expect(yml).toMatch(/^ {2}using: node24$/m);
      expect(yml).toContain(`  main: ../../dist/${name}/index.js\n`);
      expect(yml.includes(`  post: ../../dist/${name}/post/index.js\n`), name).toBe(existsSync(path.join(REPO_ROOT, 'src/actions', name, 'post.ts')));
    }
  });

  it('document every input and output in the README, between the markers', () => {
    for (const name of names) {
      const readme = readFileSync(path.join(REPO_ROOT, 'actions', name, 'README.md'), 'utf8');
      const manifest = readManifest(name, REPO_ROOT);
      const inputs = /<!-- inputs:start -->([\s\S]*?)<!-- inputs:end -->/.exec(readme)?.[1] ?? '';
      const outputs = /<!-- outputs:start -->([\s\S]*?)<!-- outputs:end -->/.exec(readme)?.[1] ?? '';
      expect(Object.keys(manifest.inputs).filter((input) => !inputs.includes(`| \`${input}\` |`)), name).toEqual([]);
      expect(Object.keys(manifest.outputs).filter((output) => !outputs.includes(`| \`${output}\` |`)), name).toEqual([]);
    }
  });

  it('give each input a default its type accepts', () => {
    const wrong: string[] = [];
    for (const name of names) {
      for (const [input, spec] of Object.entries(readManifest(name, REPO_ROOT).inputs)) {
        const value = spec.default;
        if (value === undefined || value.startsWith('${{')) continue;
        const ok = (() => {
          switch (spec.type) {
            case 'boolean':
              return value === 'true' || value === 'false';
            case 'number':
              return /^\d+(\.\d+)?$/.test(value);
            case 'enum':
              return spec.values!.includes(value);
            case 'duration':
              return parseDuration(value, input) >= 0;
            case 'rate':
              return parseRate(value, input) >= 0;
            default:
              return true;
          }
        })();
        if (!ok) wrong.push(`${name} ${input}: ${value} is not a ${spec.type}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('make a broken manifest fail, naming the input', () => {
    const files = generate(REPO_ROOT);
    expect(files.get('actions/smoke-test/action.yml')).toContain("  request-timeout:\n    description: 'Timeout of each Admin API");
    expect(() => readManifest('no-such-action', REPO_ROOT)).toThrow(/no-such-action/);
  });
});

/** Inputs as a workflow gives them: `values`, everything else empty. */
function given(values: Record<string, string>): InputSource {
  return { get: (name) => values[name] ?? '', mask: () => {} };
}

const defaultsOf = (name: string) => Object.fromEntries(Object.entries(readManifest(name, REPO_ROOT).inputs).flatMap(([input, spec]) => (spec.default === undefined || spec.default.startsWith('${{') ? [] : [[input, spec.default]])));

/**
 * For each input with a default: what the reader makes of the input left empty (the code's
 * fallback) equals what it makes of the manifest's default given. Functions are left out of the
 * comparison (JSON), so what is compared is the options as read.
 */
async function disagreements(name: string, read: (source: InputSource) => unknown, required: Record<string, string>, skip: readonly string[] = []): Promise<string[]> {
  const json = async (source: InputSource) => JSON.stringify(await read(source));
  const bare = await json(given(required));
  const out: string[] = [];
  for (const [input, value] of Object.entries(defaultsOf(name))) {
    if (skip.includes(input) || input in required) continue;
    if ((await json(given({ ...required, [input]: value }))) !== bare) out.push(`${name} ${input}: the code's fallback is not the manifest's ${value}`);
  }
  // And the action's own reading (withDefaults) is the manifest's defaults given.
  if ((await json(withDefaults(given(required), defaultsOf(name)))) !== (await json(given({ ...defaultsOf(name), ...required })))) out.push(`${name}: withDefaults differs`);
  return out;
}

describe("the code's fallbacks are the manifests' defaults", () => {
  it('smoke-test', async () => {
    expect(await disagreements('smoke-test', (s) => readSmokeOptions(s), { 'admin-url': 'http://127.0.0.1:8001', 'proxy-url': 'http://127.0.0.1:8000', 'load-routes': '/' })).toEqual([]);
  });

  it('backup-db, each mode', async () => {
    const env = { RUNNER_TEMP: '/tmp/manifests-test' };
    const db = { 'database-url': 'postgres://kong@127.0.0.1:5432/kong' };
    const modes: Record<string, string>[] = [
      { mode: 'backup', ...db },
      { mode: 'verify', manifest: '/tmp/manifests-test/manifest.json' },
      { mode: 'restore', manifest: '/tmp/manifests-test/manifest.json', 'target-database-url': 'postgres://kong@127.0.0.1:5432/kong_copy' },
      { mode: 'export', 'admin-url': 'http://127.0.0.1:8001' },
      { mode: 'cassandra-snapshot', 'cassandra-hosts': '127.0.0.1' },
    ];
    for (const required of modes) expect(await disagreements('backup-db', (s) => readBackupRequest(s, env), required, ['mode'])).toEqual([]);
  });

  it('fetch-changelog', async () => {
    expect(await disagreements('fetch-changelog', readPlanRequest, { from: '2.8.4', to: '3.4.2' })).toEqual([]);
  });

  it('promote, each backend', async () => {
    const sides = { 'blue-servers': 'blue:8000', 'green-servers': 'green:8000', 'green-proxy-url': 'http://127.0.0.1:8000' };
    const backends: Record<string, string>[] = [
      { backend: 'haproxy', 'haproxy-socket': '/tmp/manifests-test/haproxy.sock', 'blue-servers': 'blue', 'green-servers': 'green' },
      { backend: 'nginx', 'nginx-upstream-file': '/tmp/manifests-test/upstream.conf', ...sides },
      { backend: 'kong-upstream', 'front-admin-url': 'http://127.0.0.1:9001', 'kong-upstream': 'kong', ...sides },
      { backend: 'kubernetes', 'k8s-service': 'kong', 'blue-selector': 'track=blue', 'green-selector': 'track=green', 'green-proxy-url': 'http://127.0.0.1:8000' },
    ];
    // The strategy, gate budgets and probes as read (the backend and the smoke gate are closures).
    const read = async (source: InputSource) => ({ ...(await readPromoteConfig(source)), backend: undefined });
    for (const required of backends) expect(await disagreements('promote', read, { ...required, 'admin-url': 'http://127.0.0.1:8001' }, ['backend'])).toEqual([]);
  });

  it('write-freeze', async () => {
    expect(await disagreements('write-freeze', readFreezeRequest, { 'admin-url': 'http://127.0.0.1:8001', 'admin-route': 'admin-api', 'loopback-url': 'http://127.0.0.1:8000/admin-api' })).toEqual([]);
  });
});
