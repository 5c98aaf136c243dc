import type { ExecResult } from '../../lib/exec.js';

/**
 * Where `kong` runs: a binary on this machine, a container image, or a Kubernetes Job. The
 * migrate domain (src/migrate/) builds Kong's arguments (everything after `kong`); a runner only
 * decides how they reach a Kong process and how its output and exit code come back, because
 * Kong's exit codes carry the state (`migrations list`: 0/3/4/5,
 * Kong/kong 3.4.2 kong/cmd/migrations.lua l.105-154).
 */
export type RunnerKind = 'binary' | 'image' | 'kubernetes';

export interface RunOptions {
  /** Each output line as it arrives (kubernetes: stdout and stderr merged, as `kubectl logs` gives them). */
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** What this run is for, e.g. `up` or `list`: kubernetes names the Job after it. */
  readonly purpose: string;
}

export interface KongRunner {
  readonly kind: RunnerKind;
  /** The path of the user's kong.conf as the Kong process sees it (for `-c`), if one was given. */
  readonly confPath: string | undefined;
  /** One line for logs: what runs, never a secret. */
  describe(): string;
  run(args: readonly string[], options: RunOptions): Promise<ExecResult>;
  /** What would run, for `render: true`: a shell line or a manifest, never a secret value. */
  render(args: readonly string[], purpose: string): string;
}

/** POSIX shell quoting for rendered lines (display only: the runners never use a shell). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * `export NAME=value` lines for the non-secret variables and a bare `export NAME` (to be set
 * from a secret store) for the secret ones: what a rendered command needs in its environment.
 */
export function renderEnvironment(env: Readonly<Record<string, string>>, secret: readonly string[]): string[] {
  return Object.keys(env).map((name) =>
    secret.includes(name) ? `export ${name}  # set it from your secret store; it is never put on a command line` : `export ${name}=${shellQuote(env[name]!)}`,
  );
}
