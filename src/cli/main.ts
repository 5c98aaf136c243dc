import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { buildPlan } from '../changelog/plan.js';
import { readPlanRequest } from '../changelog/plan-request.js';
import { serializePlan } from '../changelog/plan-types.js';
import { renderPlanMarkdown } from '../changelog/render/markdown.js';
import { renderPlanText } from '../changelog/render/text.js';
import { errorMessage, inputError } from '../lib/errors.js';
import type { InputSource } from '../lib/inputs.js';

/**
 * `kong-upgrade`: the same domain as the actions, for an operator planning at a terminal.
 * Flags carry the actions' input names, so a plan made here is the plan the workflow makes.
 */
const USAGE = `usage: kong-upgrade plan --from VERSION --to VERSION [options]

  --from, --to             versions (3.4.2 OSS, 3.4.3.5 Enterprise); --to also takes a line (3.10) or latest
  --edition                auto | oss | enterprise (default auto)
  --deployment             traditional | hybrid | db-less (default traditional)
  --database               postgres | cassandra (default postgres)
  --offline                built-in data only (plus --changelog-file / --cache-dir)
  --changelog-file F       a Kong changelog (OSS markdown, Enterprise JSON or markdown)
  --kong-conf F            your kong.conf, checked against the target
  --declarative-config F   decK / DB-less files (repeatable)
  --nginx-template F       your custom nginx template
  --admin-url U            Admin API of the running cluster (--admin-token, --workspace)
  --database-url U         postgres://… to check the server version
  --cache-dir D            keep fetched files between runs
  --github-token T         defaults to $GITHUB_TOKEN
  --format F               text | markdown | json (default text)
  --output F               also write the plan JSON to F`;

const STRING_FLAGS = [
  'from', 'to', 'edition', 'deployment', 'database', 'changelog-file', 'kong-conf', 'nginx-template',
  'admin-url', 'admin-token', 'workspace', 'database-url', 'pg-host', 'pg-port', 'pg-user', 'pg-password',
  'pg-database', 'pg-sslmode', 'cache-dir', 'github-token', 'github-api-url', 'format', 'output',
] as const;

const FORMATS = ['text', 'markdown', 'json'] as const;

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'plan') {
    process.stderr.write(`kong-upgrade: unknown command "${command}"; the command is: plan (see --help)\n`);
    return 2;
  }
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    values = parseArgs({
      args: [...rest],
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(STRING_FLAGS.map((name) => [name, { type: 'string' as const }])),
        'declarative-config': { type: 'string', multiple: true },
        offline: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    process.stderr.write(`kong-upgrade: ${(error as Error).message}\n`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const format = String(values.format ?? 'text');
    if (!(FORMATS as readonly string[]).includes(format)) throw inputError('format', `"${format}" is not one of ${FORMATS.join(', ')}`);
    const request = await readPlanRequest(flagInputs(values));
    const plan = await buildPlan(request, { log: (line) => process.stderr.write(`${line}\n`) });
    const json = serializePlan(plan);
    if (typeof values.output === 'string') await writeFile(values.output, json);
    const rendered = format === 'json' ? json : format === 'markdown' ? `${renderPlanMarkdown(plan, Infinity)}\n` : `${renderPlanText(plan)}\n`;
    process.stdout.write(rendered);
    return 0;
  } catch (error) {
    process.stderr.write(`kong-upgrade: ${errorMessage(error)}\n`);
    return 1;
  }
}

function flagInputs(values: Record<string, string | boolean | string[] | undefined>): InputSource {
  return {
    get(name) {
      const value = values[name];
      if (Array.isArray(value)) return value.join('\n');
      if (typeof value === 'boolean') return String(value);
      if (value === undefined && name === 'github-token') return process.env.GITHUB_TOKEN ?? '';
      return value ?? '';
    },
    // Nothing at a terminal collects logs for later; secrets are simply never printed.
    mask: () => {},
  };
}

process.exitCode = await main(process.argv.slice(2));
