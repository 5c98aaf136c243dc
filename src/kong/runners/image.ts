import { execCommand, type ExecRequest } from '../../lib/exec.js';
import { SECRET_KONG_VARIABLES } from '../kong-env.js';
import { renderEnvironment, shellQuote, type KongRunner } from './types.js';

/** Where a mounted kong.conf appears inside the container. */
export const CONTAINER_CONF_PATH = '/kong-upgrade/kong.conf';

/** `docker run --rm <image> kong …`: the Kong image of the hop's version. */
export interface ImageSpec {
  /** The docker CLI (`docker`, or `podman` which takes the same flags). */
  readonly docker: string;
  readonly image: string;
  /** `--network`: where the database is reachable from the container (e.g. a compose network, `host`). */
  readonly network: string | undefined;
  /** KONG_* database settings and plugins (kong-env.ts), the password among them. */
  readonly env: Readonly<Record<string, string>>;
  /** The user's kong.conf on this machine, mounted read-only at CONTAINER_CONF_PATH. */
  readonly confFile: string | undefined;
}

/**
 * The one function that assembles a container run. Docker's `-e NAME` without `=value` copies
 * the variable from docker's own environment, so every database setting goes in as a name and
 * the values (the password among them) travel in the child process's environment: nothing
 * secret is ever in docker's argv, which any user of the machine can read (/proc/<pid>/cmdline).
 */
export function dockerRunCommand(spec: ImageSpec, args: readonly string[], containerName: string): ExecRequest {
  const argv = ['run', '--rm', '--name', containerName];
  if (spec.network !== undefined) argv.push('--network', spec.network);
  for (const name of Object.keys(spec.env)) argv.push('-e', name);
  if (spec.confFile !== undefined) argv.push('-v', `${spec.confFile}:${CONTAINER_CONF_PATH}:ro`);
  // The official images' entrypoint runs its arguments as the command, as the Helm chart's
  // migration Jobs do with `args: [ "kong", "migrations", "up" ]`.
  argv.push(spec.image, 'kong', ...args);
  return { command: spec.docker, args: argv, env: { ...spec.env } };
}

export function imageRunner(spec: ImageSpec, nameFor: (purpose: string) => string): KongRunner {
  return {
    kind: 'image',
    confPath: spec.confFile === undefined ? undefined : CONTAINER_CONF_PATH,
    describe: () => `${spec.docker} run ${spec.image}${spec.network === undefined ? '' : ` (network ${spec.network})`}`,
    run: (args, options) => execCommand({ ...dockerRunCommand(spec, args, nameFor(options.purpose)), ...(options.onLine && { onLine: options.onLine }) }),
    render: (args, purpose) => renderDockerRun(dockerRunCommand(spec, args, nameFor(purpose))),
  };
}

export function renderDockerRun(request: ExecRequest): string {
  return [...renderEnvironment(request.env ?? {}, SECRET_KONG_VARIABLES), [request.command, ...request.args].map(shellQuote).join(' ')].join('\n') + '\n';
}
