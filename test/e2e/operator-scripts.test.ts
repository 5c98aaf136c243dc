// The shipped operator scripts (workflows-examples/operator/vm.sh and helm.sh), run as the
// reusable workflows run them (`<script> <phase>` with the KONG_UPGRADE_* variables), with ssh,
// helm and kubectl replaced by recorders on PATH: each command is checked as the real tool would
// receive it. vm.sh's remote script runs for real under sh, against recorders of sudo, apt-get,
// dnf and systemctl.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.js';

const execFileAsync = promisify(execFile);
const OPERATOR = path.join(REPO_ROOT, 'workflows-examples', 'operator');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'operator-scripts-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A bin folder of recorders: each appends `name args…` to calls.log, then does its `body`. */
function recorders(name: string, tools: Record<string, string>): { bin: string; calls: () => string[] } {
  const bin = path.join(dir, name, 'bin');
  mkdirSync(bin, { recursive: true });
  const log = path.join(dir, name, 'calls.log');
  writeFileSync(log, '');
  for (const [tool, body] of Object.entries(tools)) {
    writeFileSync(path.join(bin, tool), `#!/bin/sh\nprintf '%s\\n' "${tool} $*" >> ${log}\n${body}\n`);
    chmodSync(path.join(bin, tool), 0o755);
  }
  return { bin, calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

async function run(script: string, phase: string, bin: string, env: Record<string, string>, cwd = dir) {
  try {
    const { stdout, stderr } = await execFileAsync(path.join(OPERATOR, script), [phase], {
      cwd, env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir, ...env }, timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('vm.sh', () => {
  const config = JSON.stringify({ nodes: ['kong@10.0.1.11', 'kong@10.0.1.12'], greenNodes: ['kong@10.0.2.11'], knownHosts: '10.0.1.11 ssh-ed25519 AAAAC3Nz' });
  // The node: ssh runs the remote command under sh with only the node's tools on PATH (recorders
  // of sudo, the one package manager the node has, systemctl and kong).
  const node = (name: string, packageManager: 'apt-get' | 'dnf', enterpriseUnit: boolean) => {
    const remote = recorders(`${name}-node`, {
      sudo: 'exec env "$@"',
      [packageManager]: 'exit 0',
      systemctl: `case "$1 $2" in "list-unit-files kong-enterprise-edition.service") ${enterpriseUnit ? 'exit 0' : 'exit 1'};; esac; exit 0`,
      kong: 'echo "Kong 3.4.2"',
    });
    for (const tool of ['env', 'sh']) symlinkSync(tool === 'sh' ? '/bin/sh' : '/usr/bin/env', path.join(remote.bin, tool));
    const local = recorders(name, {
      'ssh-agent': 'echo "SSH_AUTH_SOCK=/tmp/none; export SSH_AUTH_SOCK; SSH_AGENT_PID=1; export SSH_AGENT_PID;"',
      'ssh-add': 'cat > /dev/null',
      // Options, then the host, then the command, whose script comes on stdin.
      ssh: `while [ $# -gt 0 ]; do case "$1" in -o) shift 2;; -*) shift;; *) shift; break;; esac; done; PATH=${remote.bin} exec /bin/sh -c "$*"`,
    });
    return { bin: local.bin, calls: () => [...local.calls(), ...remote.calls()] };
  };
  const env = (extra: Record<string, string>) => ({ KONG_UPGRADE_OPERATOR_CONFIG: config, KONG_UPGRADE_SSH_KEY: 'PRIVATE-KEY', KONG_UPGRADE_ROLE: 'blue', ...extra });

  it('OSS on apt: installs kong=<version> and restarts the kong unit, one node after the other, known hosts only', async () => {
    const { bin, calls } = node('vm-oss', 'apt-get', false);
    const result = await run('vm.sh', 'start-new', bin, env({ KONG_UPGRADE_VERSION: '3.4.2', KONG_UPGRADE_EDITION: 'oss' }));
    expect(result.code, result.stderr).toBe(0);
    const log = calls();
    const ssh = log.filter((line) => line.startsWith('ssh '));
    expect(ssh.map((line) => line.split(' ').slice(0, 8).join(' '))).toEqual([
      expect.stringMatching(/^ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=\S+known_hosts kong@10\.0\.1\.11/),
      expect.stringMatching(/kong@10\.0\.1\.12$/),
    ]);
    expect(log.filter((line) => /^(apt-get install|systemctl (restart|stop))/.test(line))).toEqual([
      'apt-get install -y -q --allow-downgrades kong=3.4.2', 'systemctl restart kong',
      'apt-get install -y -q --allow-downgrades kong=3.4.2', 'systemctl restart kong',
    ]);
    expect(log.join('\n')).not.toContain('PRIVATE-KEY');
  });

  it('Enterprise on dnf: kong-enterprise-edition-<version>, its own unit, green nodes for deploy-green', async () => {
    const { bin, calls } = node('vm-ee', 'dnf', true);
    const result = await run('vm.sh', 'deploy-green', bin, env({ KONG_UPGRADE_VERSION: '3.4.3.5', KONG_UPGRADE_ROLE: 'green' }));
    expect(result.code, result.stderr).toBe(0);
    expect(calls().filter((line) => /^(ssh |dnf|systemctl restart)/.test(line)).map((line) => line.replace(/^ssh .* (kong@\S+) .*$/s, 'ssh $1'))).toEqual([
      'ssh kong@10.0.2.11', 'dnf install -y kong-enterprise-edition-3.4.3.5', 'systemctl restart kong-enterprise-edition',
    ]);
    expect(calls().some((line) => line.startsWith('apt-get'))).toBe(false);
  });

  it('stop phases stop the unit; an unknown phase, a bad version or no known hosts are refused before any ssh', async () => {
    const { bin, calls } = node('vm-stop', 'apt-get', false);
    expect((await run('vm.sh', 'stop-old', bin, env({}))).code).toBe(0);
    expect(calls().filter((line) => line.startsWith('systemctl stop'))).toEqual(['systemctl stop kong', 'systemctl stop kong']);
    const refused = recorders('vm-refused', { ssh: 'exit 0', 'ssh-agent': 'exit 0', 'ssh-add': 'exit 0' });
    expect(await run('vm.sh', 'reboot', refused.bin, env({}))).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown phase 'reboot'/) });
    expect(await run('vm.sh', 'start-new', refused.bin, env({ KONG_UPGRADE_VERSION: '3.4.2; reboot' }))).toMatchObject({ code: 2, stderr: expect.stringMatching(/not a Kong version/) });
    const noHosts = { KONG_UPGRADE_OPERATOR_CONFIG: JSON.stringify({ nodes: ['kong@10.0.1.11'] }) };
    expect(await run('vm.sh', 'stop-old', refused.bin, env(noHosts))).toMatchObject({ code: 2, stderr: expect.stringMatching(/no knownHosts/) });
    expect(refused.calls().filter((line) => line.startsWith('ssh '))).toEqual([]);
  });
});

describe('helm.sh', () => {
  const config = (extra: object = {}) => JSON.stringify({ namespace: 'kong', release: 'kong', greenRelease: 'kong-green', chartVersion: '2.38.0', ...extra });
  const cluster = (name: string, greenInstalled: boolean) =>
    recorders(name, {
      helm: `case "$1" in
  status) [ "$2" = kong ] || ${greenInstalled ? 'true' : 'exit 1'};;
  get) echo "env:"; echo "  database: postgres"; echo "replicaCount: 3";;
  upgrade|install) test -s "$KUBECONFIG" || exit 9;;
esac
exit 0`,
      kubectl: `case "$*" in
  *"get deployment -l"*) echo "deployment.apps/$(echo "$*" | sed 's/.*instance=\\([^,]*\\).*/\\1/')-kong";;
  *"jsonpath={.spec.replicas}"*) echo 3;;
  *"jsonpath={.metadata.annotations.kong-upgrade/replicas}"*) echo 3;;
esac
exit 0`,
    });
  const env = (extra: Record<string, string>) => ({ KONG_UPGRADE_OPERATOR_CONFIG: config(), KONG_UPGRADE_KUBECONFIG: 'apiVersion: v1\nkind: Config\n', KONG_UPGRADE_ROLE: 'blue', ...extra });

  it('start-new: the repository added, the pinned chart upgraded with the new image and the chart\'s migration Jobs off, replicas restored not written', async () => {
    const { bin, calls } = cluster('helm-in-place', true);
    const result = await run('helm.sh', 'start-new', bin, env({ KONG_UPGRADE_VERSION: '3.4.2', KONG_UPGRADE_EDITION: 'oss' }));
    expect(result.code, result.stderr).toBe(0);
    const log = calls();
    expect(log).toContain('helm repo add kong https://charts.konghq.com');
    expect(log).toContain(
      'helm upgrade kong kong/kong --version 2.38.0 --namespace kong --reuse-values --set image.repository=kong --set image.tag=3.4.2 --set migrations.preUpgrade=false --set migrations.postUpgrade=false --wait --timeout 15m',
    );
    expect(log).toContain('kubectl --namespace kong scale deployment.apps/kong-kong --replicas=3');
    expect(log.join('\n')).not.toMatch(/replicaCount/);
  });

  it('deploy-green, first install: starts from the blue release\'s values, then green\'s file; Enterprise image; no init migrations', async () => {
    const { bin, calls } = cluster('helm-green', false);
    const caller = path.join(dir, 'caller');
    mkdirSync(path.join(caller, 'deploy'), { recursive: true });
    writeFileSync(path.join(caller, 'deploy', 'kong-green-values.yaml'), 'env:\n  pg_database: kong_green\n');
    const result = await run('helm.sh', 'deploy-green', bin, env({
      KONG_UPGRADE_VERSION: '3.4.3.5', KONG_UPGRADE_ROLE: 'green', KONG_UPGRADE_OPERATOR_CONFIG: config({ greenValuesFile: 'deploy/kong-green-values.yaml' }),
    }), caller);
    expect(result.code, result.stderr).toBe(0);
    const log = calls();
    expect(log).toContain('helm get values kong --namespace kong --output yaml');
    const install = log.find((line) => line.startsWith('helm install'))!;
    expect(install).toMatch(/^helm install kong-green kong\/kong --version 2\.38\.0 --namespace kong --values \S+blue-values\.yaml --values deploy\/kong-green-values\.yaml --set image\.repository=kong\/kong-gateway --set image\.tag=3\.4\.3\.5 --set migrations\.preUpgrade=false --set migrations\.postUpgrade=false --set migrations\.init=false --wait/);
  });

  it('stop records the replica count before scaling to zero; no credentials, or an unknown phase, are refused', async () => {
    const { bin, calls } = cluster('helm-stop', true);
    expect((await run('helm.sh', 'stop-old', bin, env({}))).code).toBe(0);
    expect(calls().filter((line) => line.startsWith('kubectl --namespace kong annotate') || line.includes(' scale '))).toEqual([
      'kubectl --namespace kong annotate --overwrite deployment.apps/kong-kong kong-upgrade/replicas=3',
      'kubectl --namespace kong scale deployment.apps/kong-kong --replicas=0',
    ]);
    expect(await run('helm.sh', 'stop-old', bin, env({ KONG_UPGRADE_KUBECONFIG: '' }))).toMatchObject({ code: 2, stderr: expect.stringMatching(/no cluster credentials/) });
    expect(await run('helm.sh', 'upgrade-everything', bin, env({}))).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown phase/) });
    expect(existsSync(path.join(dir, 'kubeconfig'))).toBe(false);
  });
});

describe('gitops.sh', () => {
  const git = (cwd: string, ...args: string[]) => execFileAsync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd });
  const values = '# Kong for production\nimage:\n  repository: kong   # the OSS image\n  tag: "3.4.3.5"\nenv:\n  database: "off"\ningressController:\n  image:\n    tag: "3.4"\n';
  const helmRelease = 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: kong-dp-eu\nspec:\n  chart:\n    spec:\n      chart: kong\n      version: "2.38.0" # pinned\n';
  /** A GitOps repository (a bare one as the remote) holding the release's values and its HelmRelease. */
  async function gitopsRepository(name: string, files: Record<string, string> = { 'apps/kong-dp-eu/values.yaml': values, 'apps/kong-dp-eu/helmrelease.yaml': helmRelease }) {
    const origin = path.join(dir, name, 'origin.git');
    const seed = path.join(dir, name, 'seed');
    mkdirSync(seed, { recursive: true });
    await execFileAsync('git', ['init', '--quiet', '--bare', '--initial-branch=main', origin]);
    await git(seed, 'init', '--quiet', '--initial-branch=main');
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(seed, file)), { recursive: true });
      writeFileSync(path.join(seed, file), text);
    }
    await git(seed, 'add', '.');
    await git(seed, 'commit', '--quiet', '-m', 'seed');
    await git(seed, 'push', '--quiet', origin, 'main');
    const show = async (ref: string, file: string) => (await execFileAsync('git', ['--git-dir', origin, 'show', `${ref}:${file}`])).stdout;
    const branches = async () => (await execFileAsync('git', ['--git-dir', origin, 'branch', '--format=%(refname:short)'])).stdout.split('\n').filter(Boolean);
    return { url: `file://${origin}`, show, branches };
  }
  /** gh answers the pull request's state; kubectl shows the old image once, then the new one. */
  const cluster = (name: string, prState = 'MERGED', newImage = 'kong/kong-gateway:3.10.0.2') =>
    recorders(name, {
      gh: `case "$1 $2" in "pr view") echo ${prState};; esac; exit 0`,
      kubectl: `case "$*" in
  *"get deployment"*) if [ -e "${dir}/${name}/seen" ]; then echo "kong-dp-eu-kong=${newImage}"; else touch "${dir}/${name}/seen"; echo "kong-dp-eu-kong=kong/kong-gateway:3.4.3.5"; fi;;
esac
exit 0`,
    });
  const config = (url: string, gitops: object = {}) =>
    JSON.stringify({ namespace: 'kong', release: 'kong', gitops: { repository: url, branch: 'main', pollSeconds: 0, releases: { 'kong-dp-eu': 'apps/kong-dp-eu/values.yaml' }, ...gitops } });
  const env = (url: string, extra: Record<string, string> = {}, gitops: object = {}) => ({
    KONG_UPGRADE_OPERATOR_CONFIG: config(url, gitops), KONG_UPGRADE_KUBECONFIG: 'apiVersion: v1\nkind: Config\n', KONG_UPGRADE_GITOPS_TOKEN: 'gho_Secret4711',
    KONG_UPGRADE_VERSION: '3.10.0.2', KONG_UPGRADE_BATCH: '["kong-dp-eu"]', KONG_UPGRADE_STRATEGY: 'rolling', KONG_UPGRADE_ENVIRONMENT: 'production', GITHUB_RUN_ID: '42', ...extra,
  });

  it('roll-batch as a pull request: the image and the pinned chart bumped in place (comments kept), merged, then waited for until the release runs it', async () => {
    const repo = await gitopsRepository('gitops-pr');
    const { bin, calls } = cluster('gitops-pr');
    const result = await run('gitops.sh', 'roll-batch', bin, env(repo.url, {}, { chartVersion: '2.52.0', chartFile: 'apps/kong-dp-eu/helmrelease.yaml', chartKey: 'spec.chart.spec.version' }));
    expect(result.code, result.stderr).toBe(0);
    const head = 'kong-upgrade/kong-dp-eu-3.10.0.2-roll-batch-42';
    expect(await repo.branches()).toEqual([head, 'main']);
    expect(await repo.show(head, 'apps/kong-dp-eu/values.yaml')).toBe(values.replace('repository: kong   #', 'repository: "kong/kong-gateway"   #').replace('tag: "3.4.3.5"', 'tag: "3.10.0.2"'));
    expect(await repo.show(head, 'apps/kong-dp-eu/helmrelease.yaml')).toBe(helmRelease.replace('"2.38.0" # pinned', '"2.52.0" # pinned'));
    expect(await repo.show('main', 'apps/kong-dp-eu/values.yaml')).toBe(values);
    const log = calls();
    expect(log[0]).toBe(`gh pr create --repo ${repo.url} --base main --head ${head} --title Kong kong-dp-eu: 3.10.0.2 (rolling roll-batch, production) --body Written by the Kong upgrade workflow after its gates (plan, backup, rehearsal). https://github.com//actions/runs/42`);
    expect(log.filter((line) => line.startsWith('kubectl'))).toEqual([
      'kubectl --namespace kong get deployment -l app.kubernetes.io/instance=kong-dp-eu,app.kubernetes.io/name=kong -o jsonpath={range .items[*]}{.metadata.name}={.spec.template.spec.containers[?(@.name=="proxy")].image}{"\\n"}{end}',
      expect.stringMatching(/^kubectl --namespace kong get deployment/),
      expect.stringMatching(/^kubectl --namespace kong rollout status deployment\/kong-dp-eu-kong --timeout=\d+s$/),
    ]);
    expect(log.join('\n')).not.toContain('gho_Secret4711');
    expect(result.stdout).toContain('Release kong-dp-eu runs kong/kong-gateway:3.10.0.2');
  });

  it('start-new pushed straight to the branch; run again, nothing to commit, and it still waits for the rollout', async () => {
    const repo = await gitopsRepository('gitops-push', { 'apps/kong/values.yaml': values });
    const { bin, calls } = cluster('gitops-push', 'MERGED', 'kong:3.9.1');
    const extra = { KONG_UPGRADE_VERSION: '3.9.1', KONG_UPGRADE_EDITION: 'oss', KONG_UPGRADE_ROLE: 'blue' };
    const first = await run('gitops.sh', 'start-new', bin, env(repo.url, extra, { mode: 'push', valuesFile: 'apps/kong/values.yaml', releases: undefined }));
    expect(first.code, first.stderr).toBe(0);
    expect(await repo.branches()).toEqual(['main']);
    expect(await repo.show('main', 'apps/kong/values.yaml')).toContain('  repository: "kong"   # the OSS image\n  tag: "3.9.1"\n');
    expect(calls().some((line) => line.startsWith('gh '))).toBe(false);
    const again = await run('gitops.sh', 'start-new', bin, env(repo.url, extra, { mode: 'push', valuesFile: 'apps/kong/values.yaml' }));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('already has kong:3.9.1 for kong: nothing to commit');
    expect(calls().filter((line) => line.includes('rollout status'))).toHaveLength(2);
  });

  it('refused before anything is pushed: a stop phase, a values file without image.tag, a bad version; a closed pull request fails without a rollout', async () => {
    const repo = await gitopsRepository('gitops-refused', { 'apps/kong-dp-eu/values.yaml': 'image:\n  repository: kong\n' });
    const { bin, calls } = cluster('gitops-refused', 'CLOSED');
    expect(await run('gitops.sh', 'stop-old', bin, env(repo.url))).toMatchObject({ code: 2, stderr: expect.stringMatching(/stop-old is not done through GitOps/) });
    expect(await run('gitops.sh', 'roll-batch', bin, env(repo.url, { KONG_UPGRADE_VERSION: '3.10; reboot' }))).toMatchObject({ code: 2, stderr: expect.stringMatching(/not a Kong version/) });
    expect(await run('gitops.sh', 'roll-batch', bin, env(repo.url, { KONG_UPGRADE_BATCH: '["kong-dp-us"]' }))).toMatchObject({ code: 2, stderr: expect.stringMatching(/'kong-dp-us' is not in gitops.releases/) });
    expect(await run('gitops.sh', 'roll-batch', bin, env(repo.url))).toMatchObject({ code: 2, stderr: expect.stringMatching(/has no single image.tag to set/) });
    expect(await repo.branches()).toEqual(['main']);
    const closed = await gitopsRepository('gitops-closed');
    expect(await run('gitops.sh', 'roll-batch', bin, env(closed.url))).toMatchObject({ code: 1, stderr: expect.stringMatching(/is CLOSED, not merged: nothing was rolled out/) });
    expect(calls().some((line) => line.startsWith('kubectl'))).toBe(false);
  });
});
