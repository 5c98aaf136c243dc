import { execCommand, type ExecRequest, type ExecResult } from '../../lib/exec.js';
import { SECRET_KONG_VARIABLES } from '../kong-env.js';
import { renderEnvironment, shellQuote, type KongRunner, type RunOptions } from './types.js';

/** A `kong` on this machine: on PATH (`kong`) or a given path. */
export interface BinarySpec {
  readonly kongPath: string;
  /** KONG_* database settings and plugins (kong-env.ts), the password among them. */
  readonly env: Readonly<Record<string, string>>;
  /** The user's kong.conf, passed as `-c` by the domain. */
  readonly confFile: string | undefined;
}

/** The one function that assembles a binary run: argv without secrets, settings by environment. */
export function binaryCommand(spec: BinarySpec, args: readonly string[]): ExecRequest {
  return { command: spec.kongPath, args: [...args], env: { ...spec.env } };
}

export function binaryRunner(spec: BinarySpec): KongRunner {
  return {
    kind: 'binary',
    confPath: spec.confFile,
    describe: () => `kong binary ${spec.kongPath}`,
    run: (args: readonly string[], options: RunOptions): Promise<ExecResult> =>
      execCommand({ ...binaryCommand(spec, args), ...(options.onLine && { onLine: options.onLine }) }),
    render: (args) => {
      const request = binaryCommand(spec, args);
      return [...renderEnvironment(request.env ?? {}, SECRET_KONG_VARIABLES), [request.command, ...request.args].map(shellQuote).join(' ')].join('\n') + '\n';
    },
  };
}
