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
