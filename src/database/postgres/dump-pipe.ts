import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { stepError } from '../../lib/errors.js';
import { execCommand } from '../../lib/exec.js';

/**
 * The pipe pg_dump writes a streamed dump into. pg_dump writes its custom format in blocks of
 * 4 KiB (its compressor's output, through stdio's buffer): read by this process, each block is a
 * wake-up, a read and a Buffer, some 40,000 for a 200 MB dump, close to a second of CPU taken
 * from pg_dump and the server on a two-core runner (bench/backup.mjs, d). `dd` between them
 * gathers the blocks into 1 MiB ones (POSIX: with `obs` larger than `ibs` it collects input into
 * output blocks, GNU, BSD and BusyBox alike) and this process reads 64 KiB at a time.
 */
export interface DumpPipe {
  /** For pg_dump's stdout (execCommand's stdoutTo). */
  readonly input: Writable;
  /** What pg_dump wrote, in large blocks. */
  readonly output: Readable;
  /** Settles when dd has exited, rejecting when it failed. */
  readonly done: Promise<void>;
}

/** Starts dd; undefined where there is none on PATH (pg_dump's stdout is then read directly). */
export async function openDumpPipe(signal: AbortSignal, env: NodeJS.ProcessEnv = process.env): Promise<DumpPipe | undefined> {
  const dd = await findOnPath('dd', env.PATH ?? '');
  if (dd === undefined) return undefined;
  let input: Writable | undefined;
  let output: Readable | undefined;
  // execCommand starts the process before it returns: both ends are set below.
  const running = execCommand({ command: dd, args: ['ibs=65536', 'obs=1048576'], signal, onStdin: (s) => (input = s), onStdout: (s) => (output = s) });
  const done = running.then((result) => {
    if (result.exitCode === 0 && result.signal === undefined) return;
    if (result.aborted) throw stepError('dd', 'cancelled');
    throw stepError('dd', `passing pg_dump's output on ${result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode}`}: ${result.stderr.trim().split('\n').slice(-3).join(' ')}`);
  });
  done.catch(() => {});
  if (input === undefined || output === undefined) {
    await done; // not started: the signal had aborted
    throw stepError('dd', 'was not started');
  }
  return { input, output, done };
}

async function findOnPath(name: string, searchPath: string): Promise<string | undefined> {
  for (const dir of searchPath.split(path.delimiter).filter((d) => path.isAbsolute(d))) {
    const candidate = path.join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
