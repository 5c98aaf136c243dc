import { execCommand, type ExecResult } from '../lib/exec.js';

/**
 * Where a load balancer's files and commands are: this machine, or a host reached over SSH
 * (src/traffic/ssh.ts). Either way a command is an argument array; over SSH each argument is
 * quoted for the remote shell, so no value is ever read as shell syntax.
 */
export interface HostShell {
  /** Names the host in messages: `local`, or `user@host:port` as given. */
  readonly name: string;
  readonly remote: boolean;
  run(argv: readonly string[], options: { readonly stdin?: string; readonly timeoutMs: number }): Promise<ExecResult>;
}

export const localShell: HostShell = {
  name: 'local',
  remote: false,
  run: (argv, options) => execCommand({ command: argv[0]!, args: argv.slice(1), stdin: options.stdin, timeoutMs: options.timeoutMs }),
};

/** One argument for a POSIX shell: single-quoted, a `'` inside written `'\''`. */
export function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}
