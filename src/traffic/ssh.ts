import { rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import { stepError } from '../lib/errors.js';
import { execCommand } from '../lib/exec.js';
import { quoteRemote } from '../lib/log-text.js';
import { createRunDir } from '../lib/run-dir.js';
import { shellQuote, type HostShell } from './host-shell.js';

/** `[user@]host[:port]`, as the user wrote it and as ssh is given it. */
export interface SshHost {
  readonly spec: string;
  readonly user: string | undefined;
  readonly host: string;
  readonly port: number;
}

/** The host, or why `spec` is not one. A leading `-` is never a host: ssh would read an option. */
export function parseSshHost(spec: string): SshHost | { readonly problem: string } {
  const allowed = 'expected [user@]host[:port], e.g. deploy@10.0.0.5 or deploy@lb1.example.com:2222 ([v6 address] in brackets)';
  const match = /^(?:([A-Za-z0-9._][A-Za-z0-9._-]*)@)?(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?))(?::(\d{1,5}))?$/.exec(spec);
  if (match === null) return { problem: `${JSON.stringify(spec)}: ${allowed}` };
  const host = match[2] ?? match[3]!;
  if (match[2] !== undefined && isIP(host) !== 6) return { problem: `${JSON.stringify(spec)}: [${host}] is not an IPv6 address` };
  const port = match[4] === undefined ? 22 : Number(match[4]);
  if (port < 1 || port > 65535) return { problem: `${JSON.stringify(spec)}: port ${port} is not 1..65535` };
  return { spec, user: match[1], host, port };
}

export interface SshOptions {
  /** The private key (OpenSSH or PEM text, no passphrase); already masked by the caller. */
  readonly privateKey: string;
  /** known_hosts lines for every host (`[host]:port` form for a port other than 22). */
  readonly knownHosts: string;
  /** Where the private run folder is made (RUNNER_TEMP in an action). */
  readonly workDir: string;
  readonly connectTimeoutMs: number;
}

/**
 * Shells on hosts over SSH through the system's `ssh` client: the key and the known hosts are
 * written 0600 into a private run folder (0700) made on first use and removed when the process
 * exits; `StrictHostKeyChecking=yes` against those known hosts only (a host whose key is absent
 * or different is refused, never trusted on first use); `BatchMode` so nothing can prompt; one
 * multiplexed connection per host (ControlMaster) so a step costs one key exchange, not one per
 * command. The remote command is each argument single-quoted: the remote login shell sees
 * literal strings, never syntax.
 */
export function createSshShells(hosts: readonly SshHost[], options: SshOptions): HostShell[] {
  let prepared: Promise<string[]> | undefined;
  const prepare = () => (prepared ??= (async () => {
    const dir = await createRunDir(options.workDir);
    removeAtExit(dir.path);
    const key = path.join(dir.path, 'ssh-key');
    const known = path.join(dir.path, 'known_hosts');
    // ssh refuses a key whose last line has no line break.
    await writeFile(key, options.privateKey.endsWith('\n') ? options.privateKey : `${options.privateKey}\n`, { mode: 0o600 });
    await writeFile(known, options.knownHosts.endsWith('\n') ? options.knownHosts : `${options.knownHosts}\n`, { mode: 0o600 });
    const control = path.join(dir.path, 'cm-%C');
    // A unix socket path has room for 107 bytes; %C expands to 40, and ssh binds the master's
    // socket at the path plus a 17-byte random suffix before renaming it.
    const multiplex = Buffer.byteLength(control) - 2 + 40 + 17 <= 107
      ? ['-o', 'ControlMaster=auto', '-o', `ControlPath=${control}`, '-o', 'ControlPersist=15']
      : ['-o', 'ControlMaster=no'];
    return [
      '-i', key, '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none',
      '-o', 'BatchMode=yes',
      '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${known}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'UpdateHostKeys=no',
      '-o', `ConnectTimeout=${Math.max(1, Math.ceil(options.connectTimeoutMs / 1000))}`, '-o', 'ServerAliveInterval=5', '-o', 'ServerAliveCountMax=2',
      '-o', 'LogLevel=ERROR',
      ...multiplex,
    ];
  })());

  return hosts.map((host) => ({
    name: host.spec,
    remote: true,
    async run(argv, run) {
      const common = await prepare();
      const args = [...common, '-p', String(host.port), ...(host.user === undefined ? [] : ['-l', host.user]), '--', host.host, argv.map(shellQuote).join(' ')];
      const result = await execCommand({ command: 'ssh', args, stdin: run.stdin, timeoutMs: run.timeoutMs });
      // 255: ssh itself failed (connection, authentication, host key); anything else is the command's.
      if (result.exitCode === 255 || result.signal !== undefined) throw sshError(host, result.stderr, result.signal);
      return result;
    },
  }));
}

const removals = new Set<string>();

/** The key leaves with the process when it exits (a cancelled promote handles SIGINT/SIGTERM and exits). */
function removeAtExit(folder: string): void {
  if (removals.size === 0) process.once('exit', () => removals.forEach((f) => rmSync(f, { recursive: true, force: true })));
  removals.add(folder);
}

function sshError(host: SshHost, stderr: string, signal: string | undefined): Error {
  const text = stderr.trim();
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/i.test(text)) {
    return stepError('ssh', `${host.spec}: host key verification failed (${quoteRemote(text, 300)}): the known hosts input must hold this host's key${host.port === 22 ? '' : ` as [${host.host}]:${host.port}`}; take it from the host itself (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) or check ssh-keyscan's output against it`);
  }
  if (/Permission denied/.test(text)) return stepError('ssh', `${host.spec}: the key was refused (${quoteRemote(text, 300)}): is its public half in the user's authorized_keys?`);
  if (signal !== undefined && text === '') return stepError('ssh', `${host.spec}: no answer in time (ssh ended by ${signal})`);
  return stepError('ssh', `${host.spec}: ${quoteRemote(text || 'ssh failed with exit code 255', 300)}`);
}
