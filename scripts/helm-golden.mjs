// @ts-check
// Renders the Kong Helm chart at a pinned version with real `helm template`, for the migration
// Job derivation's golden files (test/fixtures/helm/kong-<chart>-<case>.yaml, read by
// test/kong/pod-spec.test.ts):
//
//   node scripts/helm-golden.mjs            # writes test/fixtures/helm/kong-3.4.1-{default,postgres,custom-plugins}.yaml
//
// helm comes through the tool cache (@actions/tool-cache, as the actions install decK) from
// get.helm.sh, its archive checked against the .sha256sum published beside it; the chart is
// pulled at its exact version (`helm pull kong --repo https://charts.konghq.com --version`).
// Neither is committed. The files in the repository were WRITTEN BY HAND from the chart's
// templates: the machine they were made on reaches neither get.helm.sh nor charts.konghq.com.
// Run this where it can, and commit what it writes if the derivation test still passes.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as toolCache from '@actions/tool-cache';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HELM_VERSION = '3.16.4';
const CHART_VERSION = '3.4.1';
const KUBE_VERSION = '1.30.0';
const OUT = path.join(ROOT, 'test/fixtures/helm');
/** case → values file (none: the chart's defaults). */
const CASES = { default: undefined, postgres: 'values-postgres.yaml', 'custom-plugins': 'values-custom-plugins.yaml' };

/** helm from get.helm.sh into the tool cache, the archive's SHA-256 checked first. */
async function installHelm() {
  process.env.RUNNER_TEMP ??= os.tmpdir();
  process.env.RUNNER_TOOL_CACHE ??= path.join(os.tmpdir(), 'kong-upgrade-tool-cache');
  const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
  const cached = toolCache.find('helm', HELM_VERSION, arch);
  if (cached !== '') return path.join(cached, 'helm');
  const url = `https://get.helm.sh/helm-v${HELM_VERSION}-linux-${arch}.tar.gz`;
  const archive = await toolCache.downloadTool(url);
  const expected = readFileSync(await toolCache.downloadTool(`${url}.sha256sum`), 'utf8').trim().split(/\s+/)[0];
  const actual = createHash('sha256').update(readFileSync(archive)).digest('hex');
  if (actual !== expected) throw new Error(`${url} has SHA-256 ${actual}, its .sha256sum says ${expected}`);
  const extracted = await toolCache.extractTar(archive);
  const folder = await toolCache.cacheDir(path.join(extracted, `linux-${arch}`), 'helm', HELM_VERSION, arch);
  return path.join(folder, 'helm');
}

const helm = await installHelm();
const work = mkdtempSync(path.join(os.tmpdir(), 'helm-golden-'));
try {
  execFileSync(helm, ['pull', 'kong', '--repo', 'https://charts.konghq.com', '--version', CHART_VERSION, '--destination', work], { stdio: 'inherit' });
  const chart = path.join(work, `kong-${CHART_VERSION}.tgz`);
  for (const [name, values] of Object.entries(CASES)) {
    const args = ['template', 'kong', chart, '--namespace', 'kong', '--kube-version', KUBE_VERSION, ...(values === undefined ? [] : ['--values', path.join(OUT, values)])];
    const rendered = execFileSync(helm, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
    const header = `# helm template kong kong/kong --version ${CHART_VERSION} --namespace kong --kube-version ${KUBE_VERSION}${values === undefined ? '' : ` --values ${values}`}\n# Rendered by helm ${HELM_VERSION} (scripts/helm-golden.mjs).\n`;
    writeFileSync(path.join(OUT, `kong-${CHART_VERSION}-${name}.yaml`), header + rendered);
    console.log(`wrote test/fixtures/helm/kong-${CHART_VERSION}-${name}.yaml`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
