// The lifecycle the nginx and HAProxy helpers share: a server run in the foreground as our child,
// on a free loopback port, out of a temp directory that goes with it.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.ts';

export interface DaemonOptions {
  /** Names the server in errors, e.g. `nginx failed to start: …`. */
  readonly name: string;
  readonly binary: string;
  /** From tempDir(); removed when the start fails and by stop(). */
  readonly dir: string;
  /** Writes the config for this port; returns the arguments that run the server in the foreground. */
  readonly configure: (port: number) => string[];
  /** A start that failed with this in its output lost a race for the port: another port is tried. */
  readonly portTaken: RegExp;
  /** Ready takes more than a listening port (HAProxy's admin socket must exist too). */
  readonly ready?: () => boolean;
  /** Where else the server says why it did not start (nginx: its error log, not only stderr). */
  readonly failureLog?: () => string;
  /** The first signal stop() sends; SIGKILL follows after 3 s. */
  readonly stopSignal: NodeJS.Signals;
  /** A command that runs the server on another host (a network namespace: NetnsHost.via). */
  readonly via?: readonly string[];
  /** The address the server listens on, where readiness is checked (default 127.0.0.1). */
  readonly host?: string;
}

export interface Daemon {
  readonly port: number;
  readonly child: ChildProcess;
  /** Stops the server (waits for it to exit) and removes the directory; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * A fresh temp directory, world-readable/traversable: as root, nginx's workers run as `nobody`
 * and must reach what the config names inside it.
 */
export function tempDir(prefix: string, parent = os.tmpdir()): string {
  const dir = mkdtempSync(path.join(parent, prefix));
  chmodSync(dir, 0o755);
  return dir;
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { name, dir } = options;
  let child: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    const args = options.configure(port);
    // `via` execs the server in its own process: the child is the server itself.
    const [command, ...rest] = [...(options.via ?? []), options.binary, ...args];
    child = spawn(command!, rest, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    const started = child;
    // Settles with the timeout error instead of rejecting: after an early exit nobody awaits it.
    const listening = waitUntilListening(name, options.host ?? '127.0.0.1', port, options.ready, 5000).then(() => true, (error: unknown) => error as Error);
    const up = await Promise.race([listening, exited.then(() => false)]);
    if (up === true) break;
    if (up instanceof Error) {
      // Never came up: stop it rather than leave it running with its directory.
      started.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw up;
    }
    const output = stderr + (options.failureLog?.() ?? '');
    if (attempt < 3 && options.portTaken.test(output)) continue;
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${name} failed to start: ${output}`);
  }
  const proc = child;
  // A test process that ends without stop() (a failed hook, a crash) must not leave the server
  // or its directory behind.
  const onExit = () => {
    try {
      proc.kill('SIGKILL');
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  let stopped = false;
  return {
    port,
    child: proc,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', onExit);
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((resolve) => proc.once('exit', resolve));
        proc.kill(options.stopSignal);
        const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The first of `candidates` that exists, else `name` on PATH. */
export function findBinary(name: string, candidates: readonly (string | undefined)[], hint: string): string {
  for (const c of candidates) if (c && existsSync(c)) return c;
  for (const d of (process.env.PATH ?? '').split(':')) if (d && existsSync(path.join(d, name))) return path.join(d, name);
  throw new Error(`${name} not found (${hint})`);
}

async function waitUntilListening(name: string, host: string, port: number, ready: (() => boolean) | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = (ready?.() ?? true) && (await new Promise<boolean>((resolve) => {
      const socket = connect(port, host);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    }));
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${name} did not listen on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}
