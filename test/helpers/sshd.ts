// An SSH server on a load balancer "host" (a network namespace of test/helpers/netns.ts): the
// system's sshd (openssh-server) run in the foreground as our child, on a free port of the
// host's address, with a throwaway host key made here. It logs in root with one user key only
// (sshKeyPair(); one pair can open several hosts), as the tests' nginx runs as root there too.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findBinary, startDaemon, tempDir } from './daemon.ts';
import type { NetnsHost } from './netns.ts';

export interface SshKeyPair {
  /** What nginx-ssh-key gets. */
  readonly privateKey: string;
  readonly publicKey: string;
}

export interface SshdServer {
  /** `root@<address>:<port>`, as promote's nginx-ssh-hosts takes it. */
  readonly spec: string;
  readonly port: number;
  /** The known_hosts line for this server's host key (what nginx-ssh-known-hosts gets). */
  readonly knownHosts: string;
  /** A known_hosts line with another key for the same address: a host that is not who it says. */
  readonly wrongKnownHosts: string;
  stop(): Promise<void>;
}

function keygen(file: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'kong-upgrade-test', '-f', file], { stdio: 'ignore' });
}

/** A throwaway user key (ed25519, no passphrase). */
export function sshKeyPair(): SshKeyPair {
  const dir = tempDir('kong-ssh-key-');
  try {
    keygen(path.join(dir, 'key'));
    return { privateKey: readFileSync(path.join(dir, 'key'), 'utf8'), publicKey: readFileSync(path.join(dir, 'key.pub'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** sshd on `host`, letting root in with `user`'s key. */
export async function startSshd(host: NetnsHost, user: SshKeyPair): Promise<SshdServer> {
  const binary = findBinary('sshd', [process.env.SSHD_BIN, '/usr/sbin/sshd'], 'install the openssh-server package (scripts/test.sh does) or set SSHD_BIN');
  const dir = tempDir('kong-sshd-');
  for (const key of ['host_key', 'other_host_key']) keygen(path.join(dir, key));
  writeFileSync(path.join(dir, 'authorized_keys'), user.publicKey, { mode: 0o600 });
  // sshd as root needs its privilege separation user and directory. A machine whose package
  // could not add the user (a read-only /etc/passwd) gets it in this host's view of /etc only.
  try {
    execFileSync('getent', ['passwd', 'sshd'], { stdio: 'ignore' });
  } catch {
    host.overlayEtc('passwd', `${readFileSync('/etc/passwd', 'utf8').trimEnd()}\nsshd:x:${nogroup()}::/run/sshd:/usr/sbin/nologin\n`);
  }
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
  const config = path.join(dir, 'sshd_config');
  const daemon = await startDaemon({
    name: 'sshd',
    binary,
    dir,
    via: host.via,
    host: host.address,
    configure: (port) => {
      writeFileSync(config, [
        `Port ${port}`,
        `ListenAddress ${host.address}`,
        `HostKey ${path.join(dir, 'host_key')}`,
        `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
        'PermitRootLogin prohibit-password',
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'PidFile none',
        // The keys live in a temp folder under /tmp (mode 1777), which StrictModes refuses.
        'StrictModes no',
        '',
      ].join('\n'));
      return ['-D', '-e', '-f', config];
    },
    portTaken: /Address already in use/,
    stopSignal: 'SIGTERM',
  });
  const hostKey = (file: string) => readFileSync(path.join(dir, file), 'utf8').split(' ').slice(0, 2).join(' ');
  const name = `[${host.address}]:${daemon.port}`;
  return {
    spec: `root@${host.address}:${daemon.port}`,
    port: daemon.port,
    knownHosts: `${name} ${hostKey('host_key.pub')}\n`,
    wrongKnownHosts: `${name} ${hostKey('other_host_key.pub')}\n`,
    async stop() {
      // sshd leaves its sessions running when it stops (as a restart must); a client's
      // multiplexed connection keeps one open, so they go too.
      const sessions = descendants(daemon.child.pid ?? 0);
      await daemon.stop();
      for (const pid of sessions) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}

function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    children = text === '' ? [] : text.split(/\s+/).map(Number);
  } catch {
    // gone
  }
  return children.flatMap((child) => [child, ...descendants(child)]);
}

/** `<uid>:<gid>` for the privilege separation user: an unused uid, group nogroup (as Debian's package makes it). */
function nogroup(): string {
  const used = new Set(readFileSync('/etc/passwd', 'utf8').split('\n').map((line) => line.split(':')[2]));
  let uid = 150;
  while (used.has(String(uid))) uid++;
  return `${uid}:65534`;
}
