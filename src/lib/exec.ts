import { getExecOutput } from '@actions/exec';
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { stepError } from './errors.js';

/**
 * The one way the suite runs a process: an argument array, never a shell string, so no input
 * can be interpreted by a shell. Secrets go in `env` (e.g. PGPASSWORD) or `stdin`, never in `args`.
 */
export interface ExecRequest {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly stdin?: string;
  /** Piped into stdin after `stdin` (gpg reads a passphrase line, then the data that follows). */
  readonly stdinStream?: Readable;
  /**
   * Takes stdout as a stream instead of collecting it (a dump streamed to object storage): the
   * result's `stdout` is then empty. Called once the process is spawned, before any output.
   */
  readonly onStdout?: (stdout: Readable) => void;
  /**
   * Hands stdin over as a stream instead of writing `stdin` to it: the pipe another process is
   * then started to write into (its `stdoutTo`).
   */
  readonly onStdin?: (stdin: Writable) => void;
  /**
   * Writes stdout straight into that pipe (another process's stdin, from its `onStdin`): the
   * bytes never pass through this process. Our end of the pipe is closed once this process is
   * started, so the reader sees the end of its input when this process exits.
   */
  readonly stdoutTo?: Writable;
  /** Called with each line of stdout/stderr as it arrives, for progress logs on long steps. */
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Aborting sends SIGTERM (SIGKILL 5 s later); the result then has `signal` set. */
  readonly signal?: AbortSignal;
  /** Kill the process (as on abort) after this many milliseconds. */
  readonly timeoutMs?: number;
  /** Called with the child's pid once it runs (e.g. to watch or report a long step). */
  readonly onSpawn?: (pid: number) => void;
}

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The signal that ended the process (killed, timed out, aborted), if any. */
  readonly signal?: NodeJS.Signals;
  /** True when our abort signal or timeout ended it. */
  readonly aborted?: boolean;
}

export async function execCommand(request: ExecRequest): Promise<ExecResult> {
  refuseNul(request);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  Object.assign(env, request.env);
  // Long-running tools (pg_dump, pg_restore) need to be stoppable and to report how they ended,
  // which @actions/exec does not expose: those go through node's spawn with the same contract.
  if (request.signal !== undefined || request.timeoutMs !== undefined || request.onSpawn !== undefined || request.onStdout !== undefined || request.stdinStream !== undefined || request.onStdin !== undefined || request.stdoutTo !== undefined) {
    return spawnCommand(request, env);
  }
  try {
    const result = await getExecOutput(request.command, [...request.args], {
      env,
      cwd: request.cwd,
      input: request.stdin === undefined ? undefined : Buffer.from(request.stdin),
      silent: true,
      ignoreReturnCode: true,
      listeners: request.onLine && lineListeners(request.onLine),
    });
    // @actions/exec resolves a process killed by a signal with exit code null (typed number) and
    // no signal: never report that as success. Callers that must know the signal pass `signal`.
    return { exitCode: (result.exitCode as number | null) ?? 1, stdout: result.stdout, stderr: result.stderr };
  } catch (error) {
    throw stepError(`running ${request.command}`, (error as Error).message, error);
  }
}

/**
 * Node refuses a NUL byte in a child's argv or environment with a TypeError whose message quotes
 * the value (a password in PGPASSWORD, say), thrown where @actions/exec can't catch it. Caught
 * here first, naming the argument or variable but never its value.
 */
function refuseNul(request: ExecRequest): void {
  const where = [
    ...request.args.map((arg, i) => [`argument ${i + 1}`, arg] as const),
    ...Object.entries(request.env ?? {}).map(([name, value]) => [`environment variable ${name}`, value] as const),
  ].find(([, value]) => value.includes('\0'));
  if (where !== undefined) throw stepError(`running ${request.command}`, `${where[0]} holds a NUL byte, which no process can be given`);
}

function lineListeners(onLine: NonNullable<ExecRequest['onLine']>) {
  return {
    stdline: (line: string) => onLine(line, 'stdout'),
    errline: (line: string) => onLine(line, 'stderr'),
  };
}

function spawnCommand(request: ExecRequest, env: Record<string, string>): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    if (request.signal?.aborted) {
      resolve({ exitCode: 1, stdout: '', stderr: 'aborted before start', signal: 'SIGTERM', aborted: true });
      return;
    }
    const child = spawn(request.command, [...request.args], { env, cwd: request.cwd, stdio: ['pipe', request.stdoutTo ?? 'pipe', 'pipe'] });
    request.stdoutTo?.destroy();
    let stdout = '';
    let stderr = '';
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (aborted || child.exitCode !== null) return;
      aborted = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      killTimer.unref();
    };
    const timer = request.timeoutMs === undefined ? undefined : setTimeout(stop, request.timeoutMs);
    request.signal?.addEventListener('abort', stop, { once: true });
    const split = (stream: 'stdout' | 'stderr') => {
      let pending = '';
      return (chunk: string) => {
        if (stream === 'stdout') stdout += chunk;
        else stderr += chunk;
        if (!request.onLine) return;
        pending += chunk;
        const lines = pending.split(/\r?\n/);
        pending = lines.pop() ?? '';
        for (const line of lines) request.onLine(line, stream);
      };
    };
    // No stdout of ours with stdoutTo: it is the other process's pipe.
    if (child.stdout && request.onStdout) request.onStdout(child.stdout);
    else child.stdout?.setEncoding('utf8').on('data', split('stdout'));
    child.stderr!.setEncoding('utf8').on('data', split('stderr'));
    child.stdin!.on('error', () => {}); // a tool that exits without reading stdin
    if (request.onStdin) {
      request.onStdin(child.stdin!);
    } else if (request.stdinStream) {
      child.stdin!.write(request.stdin ?? '');
      request.stdinStream.pipe(child.stdin!);
    } else {
      child.stdin!.end(request.stdin ?? '');
    }
    child.on('spawn', () => {
      if (child.pid !== undefined) request.onSpawn?.(child.pid);
    });
    const cleanup = () => {
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      request.signal?.removeEventListener('abort', stop);
    };
    child.on('error', (error) => {
      cleanup();
      reject(stepError(`running ${request.command}`, error.message, error));
    });
    child.on('close', (code, signal) => {
      cleanup();
      resolve({
        exitCode: code ?? 1,
        stdout,
        stderr,
        ...(signal !== null && { signal }),
        ...(aborted && { aborted: true }),
      });
    });
  });
}
