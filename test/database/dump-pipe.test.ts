import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openDumpPipe } from '../../src/database/postgres/dump-pipe.js';
import type { ChunkSource } from '../../src/database/object-storage/upload.js';
import { execCommand } from '../../src/lib/exec.js';

// The pipe a streamed dump goes through: a process writing 4 KiB at a time (as pg_dump does)
// straight into dd, and this process reading dd's large blocks. The writer's bytes never pass
// through this process, arrive whole and in order, and the reader sees their end when it exits.

const WRITES = 512;
/**
 * Writes WRITES blocks of 4 KiB, each numbered, one write each and a millisecond apart (a reader
 * reading the writer directly gets them one by one), then exits with `code`.
 */
const writer = (code: number) => `
  const fs = require('fs');
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < ${WRITES}; i++) { fs.writeSync(1, Buffer.alloc(4096, i % 251)); Atomics.wait(pause, 0, 0, 1); }
  process.exit(${code});`;

async function collect(output: ChunkSource): Promise<{ bytes: Buffer; chunks: number }> {
  const chunks: Buffer[] = [];
  // A chunk is valid until the next is asked for: copied, as uploadStream copies it into a part.
  for await (const chunk of output) chunks.push(Buffer.from(chunk));
  return { bytes: Buffer.concat(chunks), chunks: chunks.length };
}

describe('the dump pipe (dd between pg_dump and the upload)', () => {
  it('hands a writer\'s small writes on whole, in order and in far fewer reads', async () => {
    const pipe = await openDumpPipe(new AbortController().signal);
    expect(pipe).toBeDefined();
    const received = collect(pipe!.output);
    const wrote = await execCommand({ command: process.execPath, args: ['-e', writer(0)], stdoutTo: pipe!.input });
    await pipe!.done;
    const { bytes, chunks } = await received;
    expect(wrote).toMatchObject({ exitCode: 0, stdout: '' }); // nothing of it came through us
    const expected = Buffer.concat(Array.from({ length: WRITES }, (_, i) => Buffer.alloc(4096, i % 251)));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(createHash('sha256').update(expected).digest('hex'));
    // dd writes only whole 1 MiB blocks (and the rest at the end), however slowly they come; a
    // read takes at most 64 KiB, and the kernel hands a reader whole segments of a large write.
    expect(chunks).toBeLessThan(WRITES / 2);
  });

  it('holds the writer while a chunk is being read: a slow reader still gets every byte', async () => {
    const pipe = await openDumpPipe(new AbortController().signal);
    const copies: Buffer[] = [];
    const received = (async () => {
      for await (const chunk of pipe!.output) {
        await new Promise((resolve) => setTimeout(resolve, 2)); // the next read must wait for this one
        copies.push(Buffer.from(chunk));
      }
    })();
    // As fast as it can: without the pause, the next read would overwrite the chunk being held.
    const fast = `const fs = require('fs'); for (let i = 0; i < ${WRITES}; i++) fs.writeSync(1, Buffer.alloc(4096, i % 251));`;
    await execCommand({ command: process.execPath, args: ['-e', fast], stdoutTo: pipe!.input });
    await Promise.all([pipe!.done, received]);
    const expected = Buffer.concat(Array.from({ length: WRITES }, (_, i) => Buffer.alloc(4096, i % 251)));
    expect(Buffer.concat(copies).equals(expected)).toBe(true);
  });

  it('ends the output when the writer fails, for the caller to refuse what came', async () => {
    const pipe = await openDumpPipe(new AbortController().signal);
    const received = collect(pipe!.output);
    const wrote = await execCommand({ command: process.execPath, args: ['-e', writer(3)], stdoutTo: pipe!.input });
    expect(wrote.exitCode).toBe(3);
    await pipe!.done; // dd itself ended well: it saw the end of its input
    expect((await received).bytes.length).toBe(WRITES * 4096);
  });

  it('falls back to dd\'s own stdout where no local socket can be made (a temp path too long for one)', async () => {
    const tmpdir = process.env.TMPDIR;
    const long = path.join(os.tmpdir(), 'x'.repeat(60), 'y'.repeat(60));
    mkdirSync(long, { recursive: true });
    process.env.TMPDIR = long; // a socket's path is at most 107 bytes: listen fails with EINVAL
    try {
      const pipe = await openDumpPipe(new AbortController().signal);
      expect(pipe!.output).toBeInstanceOf(Readable);
      const received = collect(pipe!.output);
      await execCommand({ command: process.execPath, args: ['-e', writer(0)], stdoutTo: pipe!.input });
      await pipe!.done;
      expect((await received).bytes.equals(Buffer.concat(Array.from({ length: WRITES }, (_, i) => Buffer.alloc(4096, i % 251))))).toBe(true);
      expect(readdirSync(long)).toEqual([]); // its folder removed all the same
    } finally {
      if (tmpdir === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmpdir;
      rmSync(path.dirname(long), { recursive: true, force: true });
    }
  });

  it('falls back the same where the temp folder cannot be written', async () => {
    const tmpdir = process.env.TMPDIR;
    process.env.TMPDIR = '/nonexistent/temp';
    try {
      const pipe = await openDumpPipe(new AbortController().signal);
      expect(pipe!.output).toBeInstanceOf(Readable);
      pipe!.input.destroy(); // no writer: dd sees the end at once
      await pipe!.done;
      expect((await collect(pipe!.output)).bytes.length).toBe(0);
    } finally {
      if (tmpdir === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmpdir;
    }
  });

  it('is not there without dd on PATH (pg_dump is then read directly)', async () => {
    expect(await openDumpPipe(new AbortController().signal, { PATH: '/nonexistent' })).toBeUndefined();
  });

  it('starts no dd when the signal has already aborted', async () => {
    const abort = new AbortController();
    abort.abort();
    await expect(openDumpPipe(abort.signal)).rejects.toThrow(/dd: cancelled/);
  });

  it('stops dd when the signal aborts', async () => {
    const abort = new AbortController();
    const pipe = await openDumpPipe(abort.signal);
    abort.abort(); // dd still waits for input: nobody has written or closed it
    await expect(pipe!.done).rejects.toThrow(/dd: cancelled/);
    pipe!.input.destroy();
    pipe!.output.destroy();
  });
});
