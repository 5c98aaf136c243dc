import { describe, expect, it } from 'vitest';
import { UpgradeError } from '../../src/lib/errors.js';
import { execCommand } from '../../src/lib/exec.js';

const node = process.execPath;

describe('execCommand', () => {
  it('passes each argument verbatim, with no shell in between', async () => {
    const args = ['with space', `"double" 'single'`, '$(touch /tmp/pwned)', '`id`', '$HOME', '*', 'a;b|c&&d', ''];
    const result = await execCommand({
      command: node,
      args: ['-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', ...args],
    });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(args);
  });

  it('gives a secret through env without it appearing in argv', async () => {
    const secret = 'hunter2-not-in-argv';
    const result = await execCommand({
      command: node,
      args: [
        '-e',
        `const fs = require('fs');
         const cmdline = fs.readFileSync('/proc/self/cmdline', 'utf8');
         console.log(JSON.stringify({ env: process.env.PGPASSWORD, inArgv: cmdline.includes(process.env.PGPASSWORD) }));`,
      ],
      env: { PGPASSWORD: secret },
    });
    expect(JSON.parse(result.stdout)).toEqual({ env: secret, inArgv: false });
  });

  it('keeps the parent environment alongside the extra variables', async () => {
    const result = await execCommand({
      command: node,
      args: ['-e', 'process.stdout.write(String(process.env.PATH === undefined))'],
      env: { EXTRA: '1' },
    });
    expect(result.stdout).toBe('false');
  });

  it('returns non-zero exit codes and stderr instead of throwing', async () => {
    const result = await execCommand({
      command: node,
      args: ['-e', 'console.error("it broke"); process.exit(3)'],
    });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('it broke');
  });

  it('feeds stdin', async () => {
    const input = 'line one\nline "two" $(x)\n';
    const result = await execCommand({
      command: node,
      args: ['-e', 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => process.stdout.write(s.toUpperCase()))'],
      stdin: input,
    });
    expect(result.stdout).toBe(input.toUpperCase());
  });

  it('reports each line as it arrives', async () => {
    const lines: string[] = [];
    await execCommand({
      command: node,
      args: ['-e', 'console.log("out 1"); console.error("err 1"); console.log("out 2")'],
      onLine: (line, stream) => lines.push(`${stream}: ${line}`),
    });
    expect(lines).toEqual(expect.arrayContaining(['stdout: out 1', 'stdout: out 2', 'stderr: err 1']));
  });

  it('runs in the given cwd', async () => {
    const result = await execCommand({ command: node, args: ['-e', 'process.stdout.write(process.cwd())'], cwd: '/tmp' });
    expect(result.stdout).toBe('/tmp');
  });

  it('names the command when it cannot be started', async () => {
    const error = await execCommand({ command: '/no/such/tool', args: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpgradeError);
    expect((error as UpgradeError).message).toMatch(/^running \/no\/such\/tool: /);
  });
});
