// Issue 20: values that broke the log or crashed with a stack showing a password, and answers
// that grew without bound, each held to the lib function that now stops it (input-time cases
// are in inputs.test.ts; the same cases through the bundled actions in test/actions).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpgradeError } from '../../src/lib/errors.js';
import { execCommand } from '../../src/lib/exec.js';
import { httpRequest } from '../../src/lib/http.js';
import { logLine, logLines, quoteRemote } from '../../src/lib/log-text.js';
import { commandLines } from './workflow-commands.js';

describe('log lines', () => {
  it('keeps a value with line breaks on one line and disarms workflow commands', () => {
    const hostile = 'backups\n::stop-commands::pwned\r\n::add-mask::x\u2028##[set-env name=A]b\u0000';
    const line = logLine(`Writing into ${hostile}`);
    expect(line.split(/\r\n|\r|\n/)).toHaveLength(1);
    expect(line).toBe('Writing into backups\\n::stop-commands::pwned\\r\\n::add-mask::x\\u2028##\\[set-env name=A]b\\u0000');
    expect(commandLines(line)).toEqual([]);
  });

  it('disarms a whole line that is a command, even indented', () => {
    expect(logLine('  ::error::fake')).toBe('  \\::error::fake');
    expect(logLines('# title\n  ::stop-commands::t\nkong migrations up')).toEqual(['# title', '  \\::stop-commands::t', 'kong migrations up']);
  });

  it('quotes a remote body escaped and cut', () => {
    expect(quoteRemote('bad\n::stop-commands::x')).toBe('"bad\\n::stop-commands::x"');
    expect(quoteRemote('a'.repeat(300), 10)).toBe(`"${'a'.repeat(10)}…"`);
  });
});

describe('a NUL byte for a child process', () => {
  it('is refused naming the variable, not quoting its value (Node quotes it in a TypeError)', async () => {
    const error = await execCommand({ command: process.execPath, args: ['-e', ''], env: { PGPASSWORD: 'sec\0ret-pw' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpgradeError);
    expect((error as Error).message).toMatch(/environment variable PGPASSWORD holds a NUL byte/);
    expect((error as Error).message).not.toContain('ret-pw');
  });
});

describe('HTTP answers past the cap', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    // An answer that never ends: chunks of 1 MiB for as long as the client reads.
    server = createServer((request, response) => {
      const chunk = Buffer.alloc(1 << 20, 'a');
      const write = () => {
        while (response.write(chunk)) if (response.destroyed) return;
      };
      response.on('drain', write);
      write();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('stops reading an endless body at the cap and says so', async () => {
    const error = await httpRequest({ url: `${base}/`, maxBodyBytes: 8 << 20, timeoutMs: 20_000 }, 'Admin API').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpgradeError);
    expect((error as Error).message).toBe(`Admin API: GET ${base}/: the answer is larger than ${8 << 20} bytes, more than any answer this step reads; not read further`);
  });

  it('does the same on the Host-header path (undici request)', async () => {
    const error = await httpRequest({ url: `${base}/`, headers: { host: 'api.test' }, maxBodyBytes: 4 << 20, timeoutMs: 20_000 }, 'proxy').catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^proxy: GET .*: the answer is larger than 4194304 bytes/);
  });
});
