import { getExecOutput } from '@actions/exec';
import { stepError } from './errors.js';

/**
 * The one way the suite runs a process: an argument array, never a shell string, so no input
 * can be interpreted by a shell. Secrets go in `env` (e.g. PGPASSWORD), never in `args`.
 */
export interface ExecRequest {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly stdin?: string;
  /** Called with each line of stdout/stderr as it arrives, for progress logs on long steps. */
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function execCommand(request: ExecRequest): Promise<ExecResult> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  Object.assign(env, request.env);
  try {
    const result = await getExecOutput(request.command, [...request.args], {
      env,
      cwd: request.cwd,
      input: request.stdin === undefined ? undefined : Buffer.from(request.stdin),
      silent: true,
      ignoreReturnCode: true,
      listeners: request.onLine && lineListeners(request.onLine),
    });
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  } catch (error) {
    throw stepError(`running ${request.command}`, (error as Error).message, error);
  }
}

function lineListeners(onLine: NonNullable<ExecRequest['onLine']>) {
  return {
    stdline: (line: string) => onLine(line, 'stdout'),
    errline: (line: string) => onLine(line, 'stderr'),
  };
}
