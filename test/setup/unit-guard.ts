// Setup file of the `unit` project (vitest.config.ts): what makes a test an integration test
// throws here, so a file listed as a unit test that starts a process, listens on a port, talks
// to anything but this machine or reads an upstream Kong file fails at once, naming what it did,
// instead of quietly making `npm run test:unit` slow again.
import childProcess, { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { afterEach } from 'vitest';
import { kongDataDirs } from '../../scripts/kong-data.mjs';

const MOVE = 'a unit test starts no process, server or database and reads no upstream Kong file: take this file out of UNIT_TESTS in vitest.config.ts (it then runs with the integration tests)';

export class NotAUnitTest extends Error {
  constructor(what: string) {
    super(`${what}: ${MOVE}`);
    this.name = 'NotAUnitTest';
  }
}

const GUARDED = Symbol.for('kong-upgrade.unit-guard');
type Patchable = Record<string | symbol, unknown>;

// Code under test may catch the error (the exec wrapper turns it into a failed command): what
// was refused is kept and fails the test afterwards all the same. Kept on globalThis: a worker
// patches node's modules once, and this file runs again for each test file.
const refusals = ((globalThis as Patchable)[GUARDED] ??= []) as string[];
afterEach(() => {
  if (refusals.length > 0) throw new NotAUnitTest(refusals.splice(0).join('; '));
});

/** What was refused since the last call, forgotten: for the guard's own test. */
export function takeRefusals(): string[] {
  return refusals.splice(0);
}

function guard<T extends object>(target: T, name: keyof T & string, check: (self: unknown, args: unknown[]) => string | undefined): void {
  const original = target[name] as (...args: unknown[]) => unknown;
  if ((original as unknown as Patchable)[GUARDED]) return;
  const wrapped = function (this: unknown, ...args: unknown[]) {
    const refused = check(this, args);
    if (refused !== undefined) {
      refusals.push(refused);
      throw new NotAUnitTest(refused);
    }
    return original.apply(this, args);
  };
  (wrapped as unknown as Patchable)[GUARDED] = true;
  (target as Patchable)[name] = wrapped;
}

// Every asynchronous child process (spawn, exec, execFile, fork) goes through
// ChildProcess.prototype.spawn, whoever captured `spawn` first; the synchronous ones do not.
guard(ChildProcess.prototype as unknown as { spawn: () => void }, 'spawn', (_self, args) => `starting a process (${(args[0] as { file?: string } | undefined)?.file})`);
for (const name of ['spawnSync', 'execSync', 'execFileSync'] as const) {
  guard(childProcess, name, (_self, args) => `starting a process (child_process.${name} ${String(args[0])})`);
}

// http, https and net servers all listen through net.Server.
guard(net.Server.prototype, 'listen', () => 'listening on a port');

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);
// net.connect and tls.connect hand Socket#connect an array [options, callback]; user code may
// call it with (options), (port, host) or (path).
guard(net.Socket.prototype, 'connect', (_self, args) => {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (typeof first === 'string') return `connecting to the socket ${first}`;
  if (typeof first === 'object' && first !== null) {
    const options = first as { path?: string; host?: string };
    if (options.path !== undefined) return `connecting to the socket ${options.path}`;
    const host = options.host ?? 'localhost';
    return LOOPBACK.has(host) ? undefined : `connecting to ${host}`;
  }
  const host = typeof args[1] === 'string' ? args[1] : 'localhost';
  return LOOPBACK.has(host) ? undefined : `connecting to ${host}`;
});

// Upstream Kong data (scripts/kong-data.mjs): reading it is the integration tests' business.
const dataDirs = kongDataDirs().map(({ dir }) => `${dir}${path.sep}`);
const upstream = (_self: unknown, args: unknown[]) => {
  const file = args[0];
  if (typeof file !== 'string' && !(file instanceof URL)) return undefined;
  const resolved = path.resolve(file instanceof URL ? file.pathname : file);
  return dataDirs.some((dir) => resolved.startsWith(dir)) ? `reading the upstream Kong file ${resolved}` : undefined;
};
for (const name of ['readFileSync', 'readFile', 'createReadStream', 'openSync', 'open'] as const) guard(fs, name, upstream);
for (const name of ['readFile', 'open'] as const) guard(fs.promises, name, upstream);

// ES module imports of node: builtins see the patched functions too.
syncBuiltinESMExports();
