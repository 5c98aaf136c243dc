import { execCommand, type ExecRequest } from '../../lib/exec.js';
import { SECRET_KONG_VARIABLES } from '../kong-env.js';
import { renderEnvironment, shellQuote, type KongRunner } from './types.js';

/** Where a mounted kong.conf appears inside the container. */
export const CONTAINER_CONF_PATH = '/kong-upgrade/kong.conf';

// An image reference as docker and the kubelet parse it (distribution/reference regexp.go,
// referencePat): [domain[:port]/]path[/path…][:tag][@digest]. It never starts with `-`, so a
// value that is really a docker flag (`--privileged`) can't reach docker's argv as one.
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN_PART = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const IMAGE_REFERENCE = new RegExp(`^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`);

/**
 * Why `image` is not an image reference, or undefined when it is. `{version}` stands for a
 * hop's version wherever it appears.
 */
export function imageReferenceProblem(image: string, placeholder: string): string | undefined {
  const sample = image.replaceAll(placeholder, '0.0.0');
  // Length first: docker caps a name at 255 characters, and the pattern need not scan 100 KB.
  if (sample.length > 512 || !IMAGE_REFERENCE.test(sample)) {
    return `is not an image reference: expected [registry/]name[:tag][@digest], e.g. kong:3.4.2 or kong/kong-gateway:${placeholder}${sample.startsWith('-') ? ' (this value would be read by docker as a flag)' : ''}`;
  }
  return undefined;
}

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
