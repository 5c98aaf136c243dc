import { constants } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { stepError } from '../../lib/errors.js';
import { execCommand } from '../../lib/exec.js';
import type { ChunkSource } from '../object-storage/upload.js';

/**
 * The pipe pg_dump writes a streamed dump into. pg_dump writes its custom format in blocks of
 * 4 KiB (its compressor's output, through stdio's buffer): read by this process, each block is a
 * wake-up, a read and a Buffer, some 40,000 for a 200 MB dump, close to a second of CPU taken
 * from pg_dump and the server on a two-core runner (bench/backup.mjs, d). `dd` between them
 * gathers the blocks into 1 MiB ones (POSIX: with `obs` larger than `ibs` it collects input into
 * output blocks, GNU, BSD and BusyBox alike). dd writes into a local socket this process reads
 * into one reused 1 MiB buffer (net's `onread`): no Buffer per read, so 200 MB read no longer
 * churn 200 MB of memory the collector has to chase (19 full collections per backup before).
 */
export interface DumpPipe {
  /** For pg_dump's stdout (execCommand's stdoutTo). */
  readonly input: Writable;
  /** What pg_dump wrote, in large blocks, as views of one buffer (see ChunkSource). */
  readonly output: ChunkSource;
  /** Settles when dd has exited, rejecting when it failed. */
  readonly done: Promise<void>;
}

const READ_BUFFER_BYTES = 1 << 20;

/** Starts dd; undefined where there is none on PATH (pg_dump's stdout is then read directly). */
export async function openDumpPipe(signal: AbortSignal, env: NodeJS.ProcessEnv = process.env): Promise<DumpPipe | undefined> {
  const dd = await findOnPath('dd', env.PATH ?? '');
  if (dd === undefined) return undefined;
  const socket = await socketReader();
  let input: Writable | undefined;
  let output: Readable | undefined;
  // execCommand starts the process before it returns: the ends are set below.
  const running = execCommand({
    command: dd, args: ['ibs=65536', 'obs=1048576'], signal, onStdin: (s) => (input = s),
    ...(socket ? { stdoutTo: socket.writer } : { onStdout: (s: Readable) => (output = s) }),
  });
  const done = running.then((result) => {
    if (result.exitCode === 0 && result.signal === undefined) return;
    if (result.aborted) throw stepError('dd', 'cancelled');
    throw stepError('dd', `passing pg_dump's output on ${result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode}`}: ${result.stderr.trim().split('\n').slice(-3).join(' ')}`);
  });
  done.catch(() => {});
  const source = socket?.chunks ?? output;
  if (input === undefined || source === undefined) {
    // Not started (the signal had aborted): execCommand closed neither end of the socket.
    socket?.writer.destroy();
    socket?.chunks.destroy();
    await done;
    throw stepError('dd', 'was not started');
  }
  return { input, output: source, done };
}

/**
 * A connected pair of local sockets: `writer` for a child's stdout, `chunks` reading the other
 * end into one buffer, the socket paused from a read until the chunk is consumed. The socket's
 * path lives only until the pair is connected, in a folder of this user's alone (mkdtemp, 0700).
 * Undefined where no such socket can be made (a temp path too long for one, say): dd's stdout
 * is then an ordinary pipe.
 */
async function socketReader(): Promise<{ writer: net.Socket; chunks: ChunkSource } | undefined> {
  const server = net.createServer();
  let dir: string | undefined;
  try {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kong-dump-'));
    const socketPath = path.join(dir, 'pipe');
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, resolve);
    });
    const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
    // One read at a time: the socket pauses after each (the callback's false) until it is
    // consumed. Its end or failure comes after the reads before it.
    let read: number | undefined;
    let last: null | Error | undefined;
    let wake: (() => void) | undefined;
    const settle = (value: null | Error) => {
      last ??= value;
      wake?.();
    };
    const reader = net.connect({
      path: socketPath,
      onread: { buffer, callback: (nread: number) => ((read = nread), wake?.(), false) },
    });
    reader.on('end', () => settle(null)).on('error', (error) => settle(error));
    const writer = await Promise.race([accepted, new Promise<never>((_, reject) => reader.once('error', reject))]);
    const chunks: ChunkSource = {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          while (read === undefined && last === undefined) await new Promise<void>((resolve) => (wake = resolve));
          if (read !== undefined) {
            const size = read;
            read = undefined;
            yield buffer.subarray(0, size);
            reader.resume();
          } else if (last === null) {
            return;
          } else {
            throw last;
          }
        }
      },
      destroy(error) {
        settle(error ?? stepError('dd', 'reading stopped'));
        reader.destroy();
      },
    };
    return { writer, chunks };
  } catch {
    return undefined;
  } finally {
    server.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }
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
