// The unit project's guard (unit-guard.ts, its setup file) refuses what makes a test an
// integration test, and lets through what a unit test may do.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { kongDataDirs } from '../../scripts/kong-data.mjs';
import { UNIT_TESTS } from '../../vitest.config.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { NotAUnitTest, takeRefusals } from './unit-guard.js';

describe('the unit guard', () => {
  afterEach(() => {
    takeRefusals();
  });

  it('refuses child processes, sync or not, and says where the file belongs', () => {
    expect(() => spawn('true')).toThrow(NotAUnitTest);
    expect(() => execFile('true', () => {})).toThrow(/starting a process \(true\)/);
    expect(() => execFileSync('true')).toThrow(/take this file out of UNIT_TESTS in vitest\.config\.ts/);
    expect(takeRefusals()).toHaveLength(3);
  });

  it('keeps a refusal that the code under test swallowed, for the test to fail on', () => {
    try {
      spawn('true');
    } catch {
      // as a wrapper that reports a failed command might
    }
    expect(takeRefusals()).toEqual(['starting a process (true)']);
  });

  it('refuses servers and connections off this machine, not a connection to loopback', async () => {
    expect(() => createServer().listen(0, '127.0.0.1')).toThrow(/listening on a port/);
    expect(() => net.connect({ host: '192.0.2.1', port: 80 })).toThrow(/connecting to 192\.0\.2\.1/);
    expect(() => net.connect(80, 'example.com')).toThrow(/connecting to example\.com/);
    expect(() => net.connect('/run/postgresql/.s.PGSQL.5432')).toThrow(/connecting to the socket/);
    expect(takeRefusals()).toHaveLength(4);
    // Port 9 on loopback: nothing listens (a unit test cannot start a server), the refusal is the OS's.
    const socket = net.connect({ host: '127.0.0.1', port: 9 });
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => socket.on('error', resolve));
    expect(error.code).toBe('ECONNREFUSED');
    expect(takeRefusals()).toEqual([]);
  });

  it('refuses reading upstream Kong data, not the repository', () => {
    const dataFile = path.join(kongDataDirs()[0]!.dir, 'oss/CHANGELOG.md');
    expect(() => readFileSync(dataFile)).toThrow(/reading the upstream Kong file/);
    expect(takeRefusals()).toHaveLength(1);
    expect(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).toContain('"name"');
  });
});

it('UNIT_TESTS names test files that exist (a renamed one would silently join the integration tests)', () => {
  expect(UNIT_TESTS.filter((file) => !existsSync(path.join(REPO_ROOT, file)))).toEqual([]);
});
