// Load balancers on hosts of their own: network namespaces of this machine, each joined to a
// bridge in the root namespace by a veth pair, addresses in 10.213.<k>.0/24. The test process
// (load, promote) stays in the root namespace, so every request and every runtime API or SSH
// exchange crosses a veth link. The simulated Kong clusters listen on 127.0.0.1 only; a relay
// process makes chosen loopback ports reachable from the namespaces at the bridge's address.
//
// Each network takes a free <k> by creating its bridge `kt<k>br` (the create fails when the name
// is taken, so two test files running at once never share one) and labels it with its pid; a
// network whose owner died without cleaning up (SIGKILL) is removed by the next one that meets
// it. remove() and, failing that, the process's exit take everything down again.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createServer, connect } from 'node:net';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { tempDir } from './daemon.ts';

export interface NetnsHost {
  /** The namespace's name (`ip netns exec <name> …`). */
  readonly name: string;
  /** Its address on the bridge. */
  readonly address: string;
  /**
   * The host's own folder, seen as /srv by what runs on the host: two hosts hold files at the
   * same paths (as load balancers configured alike do) without sharing them. This is the folder
   * as this machine sees it; `onHost` turns a path inside it into the host's path.
   */
  readonly root: string;
  onHost(outside: string): string;
  /** The command prefix that runs a program on the host: its namespace, its /srv. */
  readonly via: readonly string[];
  /** Files this host sees in place of /etc's own (ip-netns(8): /etc/netns/<name>/ is bound over /etc). */
  overlayEtc(file: string, content: string): void;
  /** Takes the host's link down (or up again): nothing reaches it, it reaches nothing. */
  setLink(up: boolean): void;
}

export interface TestNetwork {
  /** The root namespace's address on the bridge: where the namespaces reach this machine. */
  readonly gateway: string;
  readonly hosts: readonly NetnsHost[];
  /** Makes 127.0.0.1:<port> reachable from the namespaces at gateway:<port>. */
  relay(ports: readonly number[]): Promise<void>;
  /** Stops the relay, deletes the namespaces, links and bridge; safe to call twice. */
  remove(): void;
}

const LABEL = 'kong-upgrade-test pid=';
const SRV = '/srv';

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function quietly(action: () => unknown): void {
  try {
    action();
  } catch {
    // already gone
  }
}

let unavailable: string | undefined | null = null;

/** Why network namespaces cannot be used here (not root, no `ip netns`), or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (unavailable !== null) return unavailable;
  if (process.getuid?.() !== 0) return (unavailable = 'needs root for ip netns');
  const probe = `ktprobe${process.pid % 100000}`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    unavailable = undefined;
  } catch (error) {
    unavailable = `ip netns is not permitted here: ${String((error as { stderr?: string }).stderr ?? error).trim()}`;
  }
  return unavailable;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Removes network k's bridge, namespaces (with their veths) and /etc/netns overlays. */
function removeNetwork(k: number): void {
  const prefix = `kt${k}h`;
  for (const line of ip('netns', 'list').split('\n')) {
    const name = line.split(' ')[0] ?? '';
    if (!name.startsWith(prefix)) continue;
    quietly(() => ip('netns', 'del', name));
    rmSync(`/etc/netns/${name}`, { recursive: true, force: true });
  }
  quietly(() => ip('link', 'del', `kt${k}br`));
}

/** Takes a free network number by creating its bridge, clearing one a dead owner left. */
function claimNetwork(): number {
  const start = 1 + (process.pid % 250);
  for (let i = 0; i < 250; i++) {
    const k = 1 + ((start + i) % 250);
    const bridge = `kt${k}br`;
    try {
      ip('link', 'add', bridge, 'type', 'bridge');
    } catch {
      let shown = '';
      quietly(() => (shown = ip('link', 'show', bridge)));
      const alias = /alias (.*)/.exec(shown)?.[1] ?? '';
      const owner = alias.startsWith(LABEL) ? Number(alias.slice(LABEL.length)) : NaN;
      // Being created right now (no label yet) or owned by a live process: someone else's.
      if (Number.isNaN(owner) || alive(owner)) continue;
      removeNetwork(k);
      try {
        ip('link', 'add', bridge, 'type', 'bridge');
      } catch {
        continue;
      }
    }
    ip('link', 'set', bridge, 'alias', `${LABEL}${process.pid}`);
    return k;
  }
  throw new Error('no free test network: 250 bridges kt<k>br exist');
}

/** `hosts` namespaces on one bridge; remove() (or this process's exit) deletes them. */
export async function createNetwork(hosts: number): Promise<TestNetwork> {
  const k = claimNetwork();
  let relay: ChildProcess | undefined;
  let removed = false;
  const roots: string[] = [];
  const remove = () => {
    if (removed) return;
    removed = true;
    process.removeListener('exit', remove);
    relay?.kill('SIGKILL');
    removeNetwork(k);
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  };
  process.on('exit', remove);
  const gateway = `10.213.${k}.1`;
  const bridge = `kt${k}br`;
  try {
    ip('addr', 'add', `${gateway}/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    if (!existsSync(SRV)) mkdirSync(SRV, { mode: 0o755 });
    const made: NetnsHost[] = [];
    for (let i = 0; i < hosts; i++) {
      const name = `kt${k}h${i}`;
      const address = `10.213.${k}.${10 + i}`;
      ip('netns', 'add', name);
      ip('link', 'add', `${name}a`, 'type', 'veth', 'peer', 'name', `${name}b`);
      ip('link', 'set', `${name}a`, 'master', bridge);
      ip('link', 'set', `${name}a`, 'up');
      ip('link', 'set', `${name}b`, 'netns', name);
      ip('-n', name, 'link', 'set', `${name}b`, 'name', 'eth0');
      ip('-n', name, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      ip('-n', name, 'link', 'set', 'eth0', 'up');
      ip('-n', name, 'link', 'set', 'lo', 'up');
      const root = tempDir(`kong-${name}-`);
      roots.push(root);
      made.push({
        name,
        address,
        root,
        onHost: (outside) => path.join(SRV, path.relative(root, outside)),
        // `ip netns exec` gives each program a mount namespace of its own (and /etc/netns/<name>/
        // over /etc); the bind of the host's folder over /srv is made there, so only the host sees it.
        via: ['ip', 'netns', 'exec', name, 'sh', '-c', `mount --bind "$0" ${SRV} && exec "$@"`, root],
        overlayEtc(file, content) {
          mkdirSync(`/etc/netns/${name}`, { recursive: true });
          writeFileSync(`/etc/netns/${name}/${file}`, content);
        },
        setLink(up) {
          ip('-n', name, 'link', 'set', 'eth0', up ? 'up' : 'down');
        },
      });
    }
    return {
      gateway,
      hosts: made,
      async relay(ports) {
        if (relay !== undefined) throw new Error('relay() once per network');
        // A process of its own: the test process runs the load, and must not also carry every byte.
        relay = spawn(process.execPath, [fileURLToPath(import.meta.url), 'relay', gateway, ...ports.map(String)], { stdio: ['pipe', 'pipe', 'inherit'] });
        const started = relay;
        const ready = await new Promise<string>((resolve) => {
          readline.createInterface({ input: started.stdout! }).once('line', resolve);
          started.once('exit', (code) => resolve(`exited with ${code}`));
        });
        if (ready !== 'ready') throw new Error(`relay on ${gateway}: ${ready}`);
      },
      remove,
    };
  } catch (error) {
    remove();
    throw error;
  }
}

/** The relay: `node netns.ts relay <listen address> <port>…`; ends when its stdin closes. */
function runRelay(host: string, ports: readonly number[]): void {
  let pending = ports.length;
  for (const port of ports) {
    const server = createServer((client) => {
      const upstream = connect(port, '127.0.0.1');
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      for (const socket of [client, upstream]) {
        socket.on('error', close);
        socket.on('close', close);
      }
      client.pipe(upstream).pipe(client);
    });
    server.listen(port, host, () => {
      if (--pending === 0) process.stdout.write('ready\n');
    });
  }
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'relay') {
  runRelay(process.argv[3]!, process.argv.slice(4).map(Number));
}
