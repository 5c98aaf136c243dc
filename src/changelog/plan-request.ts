import { readFile } from 'node:fs/promises';
import { inputError } from '../lib/errors.js';
import { maskSecret, readBoolean, readEnum, readHttpUrl, readList, readSecret, readString, type InputSource } from '../lib/inputs.js';
import { maskSecretSettings, parseUserKongConf } from './kong-conf.js';
import { parseKongEnv } from './kong-env.js';
import type { AdminApiTarget } from '../kong/admin-api.js';
import { readAdminInputs } from '../kong/admin-inputs.js';
import type { DatabaseConnection } from '../database/connection.js';
import { readDatabaseInputs } from '../database/connection-inputs.js';
import { DATABASES, DEPLOYMENTS, type DatabaseKind, type Deployment } from '../version/deployment.js';

/**
 * What a plan is asked for, read from the action's inputs or the CLI's flags through the same
 * function, so both validate alike and before anything is fetched.
 */
export const EDITIONS = ['auto', 'oss', 'enterprise'] as const;
export { DATABASES, DEPLOYMENTS };
/** Who reads the declarative files (facts declarative-consumers.md); auto decides from what the plan sees. */
export const DECLARATIVE_CONSUMERS = ['auto', 'deck', 'db-less', 'kic'] as const;

export type { DatabaseKind, Deployment };

/** A file the user gave: its input name (for errors), path and text. */
export interface GivenFile {
  readonly input: string;
  readonly path: string;
  readonly text: string;
}

export interface PlanRequest {
  /** Undefined: read from the Admin API. */
  readonly from: string | undefined;
  readonly to: string;
  readonly edition: (typeof EDITIONS)[number];
  readonly deployment: Deployment;
  readonly database: DatabaseKind;
  readonly offline: boolean;
  readonly github: { readonly token: string | undefined; readonly apiUrl: string };
  readonly cacheDir: string | undefined;
  readonly changelogFile: GivenFile | undefined;
  readonly kongConf: GivenFile | undefined;
  readonly declarativeConfigs: readonly GivenFile[];
  readonly declarativeConsumer: (typeof DECLARATIVE_CONSUMERS)[number];
  /** KONG_* variables as kong.conf: a dotenv file, Helm values' env:, a Compose or container env. */
  readonly kongEnv: GivenFile | undefined;
  readonly nginxTemplate: GivenFile | undefined;
  readonly admin: AdminApiTarget | undefined;
  readonly db: DatabaseConnection | undefined;
}

export async function readPlanRequest(source: InputSource): Promise<PlanRequest> {
  const admin = readAdminInputs(source);
  const from = readString(source, 'from');
  if (from === undefined && admin === undefined) {
    throw inputError('from', 'is required unless admin-url is given (then the running version is read from the Admin API)');
  }
  const to = readString(source, 'to');
  if (to === undefined) throw inputError('to', 'is required: a version (3.4.2, 3.10.0.2), a release line (3.10) or "latest"');
  const request = {
    from,
    to,
    edition: readEnum(source, 'edition', EDITIONS, 'auto'),
    deployment: readEnum(source, 'deployment', DEPLOYMENTS, 'traditional'),
    database: readEnum(source, 'database', DATABASES, 'postgres'),
    declarativeConsumer: readEnum(source, 'declarative-consumer', DECLARATIVE_CONSUMERS, 'auto'),
    offline: readBoolean(source, 'offline', false),
    github: {
      token: readSecret(source, 'github-token'),
      apiUrl: readHttpUrl(source, 'github-api-url') ?? 'https://api.github.com',
    },
    cacheDir: readString(source, 'cache-dir'),
    admin,
    db: readDatabaseInputs(source),
  };
  // Files last: every value is validated before anything is read from disk.
  const [changelogFile, kongConf, kongEnv, nginxTemplate, declarativeConfigs] = await Promise.all([
    readGivenFile(source, 'changelog-file'),
    readGivenFile(source, 'kong-conf'),
    readGivenFile(source, 'kong-env'),
    readGivenFile(source, 'nginx-template'),
    Promise.all(readList(source, 'declarative-config').map((path) => loadFile('declarative-config', path))),
  ]);
  // Their passwords and keys are masked before anything could print them (a finding names the key only).
  const mask = (secret: string) => maskSecret(source, secret);
  if (kongConf !== undefined) maskSecretSettings(parseUserKongConf(kongConf.text, 'kong-conf'), mask);
  if (kongEnv !== undefined) maskSecretSettings(parseKongEnv(kongEnv.path, kongEnv.text), mask);
  return { ...request, changelogFile, kongConf, kongEnv, nginxTemplate, declarativeConfigs };
}

async function readGivenFile(source: InputSource, input: string): Promise<GivenFile | undefined> {
  const path = readString(source, input);
  return path === undefined ? undefined : loadFile(input, path);
}

async function loadFile(input: string, path: string): Promise<GivenFile> {
  try {
    return { input, path, text: await readFile(path, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw inputError(input, `cannot read "${path}": ${reason}`, error);
  }
}
