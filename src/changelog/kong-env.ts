import { inputError } from '../lib/errors.js';
import { isRecord, recordsIn } from './declarative/values.js';
import { YamlSyntaxError, readYaml, type YamlFile } from './declarative/yaml-reader.js';
import type { KongConfSetting, UserKongConf } from './kong-conf.js';

/** The input name errors about the environment file point at. */
export const KONG_ENV_INPUT = 'kong-env';

/**
 * Kong reads every kong.conf property from `KONG_<NAME>` as well, and the environment wins
 * (kong/conf_loader: defaults < conf file < environment). Deployments keep them in a dotenv
 * file, in the Kong Helm chart's `env:` map (kong.conf names, which the chart turns into
 * KONG_<NAME>: charts/kong/templates/_helpers.tpl), in a Compose file's `environment:` or in a
 * container's `env:` list. Each becomes a kong.conf setting with its file and line; values
 * taken from a Secret or ConfigMap (`valueFrom`) are set but unknown (empty here).
 */
export function parseKongEnv(file: string, text: string): UserKongConf {
  return looksLikeYaml(text) ? fromYaml(file, text) : fromDotenv(file, text);
}

function looksLikeYaml(text: string): boolean {
  return /^\s*(env|environment|services|spec|apiVersion|[A-Za-z0-9_-]+)\s*:\s*(#.*)?$/m.test(text) && !/^\s*(export\s+)?KONG_[A-Z0-9_]+\s*=/m.test(text);
}

const DOTENV = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;

function fromDotenv(file: string, text: string): UserKongConf {
  const settings = new Map<string, KongConfSetting>();
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = DOTENV.exec(line);
    if (!match) {
      throw inputError(KONG_ENV_INPUT, `${file}: line ${index + 1} is not \`NAME=value\` or a \`#\` comment; the line is not shown, as it may hold a password`);
    }
    const name = kongName(match[1]!);
    if (name !== undefined) settings.set(name, { value: unquote(match[2]!), line: index + 1, file });
  });
  return settings;
}

function unquote(value: string): string {
  const quoted = /^(["'])(.*)\1\s*(#.*)?$/.exec(value);
  if (quoted) return quoted[2]!;
  return value.replace(/\s+#.*$/, '').trim();
}

/** `KONG_PG_HOST` → `pg_host`; other variables are not Kong's. */
function kongName(variable: string): string | undefined {
  return /^KONG_[A-Za-z0-9_]+$/.test(variable) ? variable.slice(5).toLowerCase() : undefined;
}

function fromYaml(file: string, text: string): UserKongConf {
  let yaml: YamlFile;
  try {
    yaml = readYaml(text, { keyLines: true });
  } catch (error) {
    if (error instanceof YamlSyntaxError) throw inputError(KONG_ENV_INPUT, `${file}: not valid YAML at ${error.message} (the line is not shown: it may hold a password)`);
    throw error;
  }
  const settings = new Map<string, KongConfSetting>();
  const line = (owner: object, key: string) => yaml.keyLine(owner, key) ?? 0;
  const add = (name: string | undefined, value: unknown, at: number) => {
    if (name !== undefined) settings.set(name, { value: scalarText(value), line: at, file });
  };
  const readEnv = (env: unknown, namesAreKong: boolean) => {
    if (isRecord(env)) {
      for (const [key, value] of Object.entries(env)) add(namesAreKong ? key.toLowerCase() : kongName(key), value, line(env, key));
    } else if (Array.isArray(env)) {
      const lines = yaml.itemLines(env);
      env.forEach((item, index) => {
        const at = lines?.[index] ?? 0;
        if (isRecord(item) && typeof item['name'] === 'string') add(kongName(item['name']), item['value'], at);
        else if (typeof item === 'string' && item.includes('=')) add(kongName(item.slice(0, item.indexOf('='))), item.slice(item.indexOf('=') + 1), at);
      });
    }
  };
  for (const document of yaml.documents) {
    if (!isRecord(document)) continue;
    // Helm values: `env:` at the top, or under a subchart (`gateway.env`, `kong.env`).
    for (const holder of [document, ...Object.values(document).filter(isRecord)]) {
      if ('env' in holder) readEnv(holder['env'], isRecord(holder['env']));
    }
    // Compose: services.<name>.environment (a map or NAME=value items).
    if (isRecord(document['services'])) {
      for (const service of Object.values(document['services']).filter(isRecord)) readEnv(service['environment'], false);
    }
    // Kubernetes: the containers' env lists of a workload.
    const template = isRecord(document['spec']) && isRecord(document['spec']['template']) ? document['spec']['template'] : undefined;
    const pod = template && isRecord(template['spec']) ? template['spec'] : undefined;
    for (const container of pod ? [...recordsIn(pod['containers']), ...recordsIn(pod['initContainers'])] : []) readEnv(container['env'], false);
  }
  // None found is an answer too (Helm values that keep the chart's env): the plan's `inspected` shows 0.
  return settings;
}

function scalarText(value: unknown): string {
  if (value === null || value === undefined || typeof value === 'object') return '';
  return String(value);
}
