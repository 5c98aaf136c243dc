// @ts-check
// Every action is described once, in actions/<name>/manifest.yml (name, description, branding,
// runs, inputs with description, required, default, type and group, outputs, the CLI command that
// mirrors it). From it this writes what GitHub, readers and the code each need:
//   actions/<name>/action.yml           what the runner reads (and the root action.yml, the plan's)
//   actions/<name>/README.md            the input and output tables between their markers
//   src/actions/<name>/inputs.generated.ts  the defaults the adapter reads its inputs with
//   src/cli/flags.generated.ts          the flags of the CLI commands that mirror an action
// `node scripts/gen-actions.mjs` writes them (npm run build runs it first); `--check` only says
// which differ. test/ci/manifests.test.ts fails when a committed file differs from the manifests.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * @typedef {'text' | 'boolean' | 'number' | 'duration' | 'rate' | 'enum' | 'list' | 'path' | 'url' | 'secret' | 'json'} InputType
 * @typedef {{ description: string, readme?: string, required?: boolean, default?: string, 'default-text'?: string, type: InputType, values?: string[], group: string }} Input
 * @typedef {{ title: string, note?: string }} Group
 * @typedef {{ command: string, inputs?: string[], except?: string[], switches?: string[], repeatable?: string[] }} CliSpec
 * @typedef {{
 *   name: string, description: string, author: string, branding: { icon: string, color: string },
 *   runs?: { post?: boolean, 'post-if'?: string }, groups: Record<string, Group>,
 *   inputs: Record<string, Input>, outputs: Record<string, { description: string, readme?: string }>, cli?: CliSpec,
 * }} Manifest
 */

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TYPES = ['text', 'boolean', 'number', 'duration', 'rate', 'enum', 'list', 'path', 'url', 'secret', 'json'];
const EXPRESSION = /\$\{\{/;
export const MARKERS = /** @type {const} */ (['inputs', 'outputs']);

/** @param {string} root */
export function actionNames(root = ROOT) {
  return readdirSync(path.join(root, 'actions'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(root, 'actions', entry.name, 'manifest.yml')))
    .map((entry) => entry.name)
    .sort();
}

/**
 * A manifest, checked: a mistake here would reach every generated file, so it names the action,
 * the input and what is allowed.
 * @param {string} name
 * @param {string} root
 * @returns {Manifest}
 */
export function readManifest(name, root = ROOT) {
  const file = `actions/${name}/manifest.yml`;
  const manifest = /** @type {Manifest} */ (parse(readFileSync(path.join(root, file), 'utf8')));
  /** @param {string} message */
  const fail = (message) => {
    throw new Error(`${file}: ${message}`);
  };
  for (const key of ['name', 'description', 'author']) if (typeof manifest[/** @type {'name'} */ (key)] !== 'string') fail(`${key} must be text`);
  for (const [input, spec] of Object.entries(manifest.inputs ?? {})) {
    if (typeof spec.description !== 'string' || spec.description.trim() === '') fail(`input ${input} has no description`);
    if (!TYPES.includes(spec.type)) fail(`input ${input}: type ${JSON.stringify(spec.type)} is not one of ${TYPES.join(', ')}`);
    if (manifest.groups?.[spec.group] === undefined) fail(`input ${input}: group ${JSON.stringify(spec.group)} is not one of groups (${Object.keys(manifest.groups ?? {}).join(', ')})`);
    if (spec.default !== undefined && typeof spec.default !== 'string') fail(`input ${input}: default must be quoted text, as the runner passes it`);
    if (spec.required === true && spec.default !== undefined) fail(`input ${input} is required and has a default: give one or the other`);
    if (spec.type === 'enum' && !(Array.isArray(spec.values) && spec.values.length > 1)) fail(`input ${input}: an enum lists its values`);
    if (spec.type !== 'enum' && spec.values !== undefined) fail(`input ${input}: values are for type enum`);
  }
  for (const [output, spec] of Object.entries(manifest.outputs ?? {})) {
    if (typeof spec?.description !== 'string' || spec.description.trim() === '') fail(`output ${output} has no description`);
  }
  for (const flag of [...(manifest.cli?.inputs ?? []), ...(manifest.cli?.except ?? []), ...(manifest.cli?.switches ?? []), ...(manifest.cli?.repeatable ?? [])]) {
    if (manifest.inputs[flag] === undefined) fail(`cli names ${flag}, which is not an input`);
  }
  return manifest;
}

/** A YAML single-quoted scalar: the one quoting that needs no escape but '' for '. */
function quote(/** @type {string} */ text) {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A folded block (`>-`) of words wrapped at 100 columns, read back as the one-line text. */
function folded(/** @type {string} */ text, /** @type {string} */ indent) {
  const lines = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && indent.length + line.length + 1 + word.length > 100) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines.map((l) => `${indent}${l}`).join('\n');
}

/**
 * action.yml as the runner reads it. `dist` is the bundle folder relative to action.yml.
 * @param {Manifest} manifest
 * @param {string} name
 * @param {{ dist?: string, title?: string, source?: string }} [options]
 */
export function renderActionYml(manifest, name, options = {}) {
  const dist = options.dist ?? `../../dist/${name}`;
  const out = [
    `# Generated by scripts/gen-actions.mjs from ${options.source ?? `actions/${name}/manifest.yml`}: edit that file, then run node scripts/gen-actions.mjs (npm run build runs it).`,
    `name: ${quote(options.title ?? manifest.name)}`,
    'description: >-',
    folded(manifest.description, '  '),
    `author: ${manifest.author}`,
    'branding:',
    `  icon: ${manifest.branding.icon}`,
    `  color: ${manifest.branding.color}`,
    'inputs:',
  ];
  for (const [input, spec] of Object.entries(manifest.inputs)) {
    out.push(`  ${input}:`, `    description: ${quote(spec.description)}`, `    required: ${spec.required === true}`);
    if (spec.default !== undefined) out.push(`    default: ${quote(spec.default)}`);
  }
  out.push('outputs:');
  for (const [output, spec] of Object.entries(manifest.outputs)) out.push(`  ${output}:`, `    description: ${quote(spec.description)}`);
  out.push('runs:', '  using: node24', `  main: ${dist}/index.js`);
  if (manifest.runs?.post === true) {
    // post-if defaults to always(): the post step also runs after a failure or cancellation.
    out.push(`  post: ${dist}/post/index.js`);
    if (manifest.runs['post-if'] !== undefined) out.push(`  post-if: ${quote(manifest.runs['post-if'])}`);
  }
  return `${out.join('\n')}\n`;
}

/** @param {string} text */
function cell(text) {
  return text.replace(/\s*\n\s*/g, ' ').replaceAll('|', '\\|');
}

/** What a reader may give: the type, or an enum's values. @param {Input} spec */
function typeCell(spec) {
  switch (spec.type) {
    case 'enum':
      return (spec.values ?? []).map((v) => `\`${v}\``).join(', ');
    case 'boolean':
      return '`true`, `false`';
    case 'secret':
      return 'secret (masked)';
    case 'duration':
      return 'duration (`30s`, `5m`)';
    case 'rate':
      return 'rate (`1%`, `0.01`)';
    case 'list':
      return 'list (lines or commas)';
    case 'url':
      return 'URL';
    case 'json':
      return 'JSON';
    default:
      return spec.type;
  }
}

/** @param {Input} spec */
function defaultCell(spec) {
  if (spec.required === true) return '**required**';
  if (spec.default !== undefined) return `\`${spec.default}\``;
  return spec['default-text'] ?? '';
}

/** The README's input table: the inputs by group, each group's note in its heading row. @param {Manifest} manifest */
export function renderInputsTable(manifest) {
  const rows = ['| Input | Type | Default | Description |', '|---|---|---|---|'];
  for (const [group, { title, note }] of Object.entries(manifest.groups)) {
    const inputs = Object.entries(manifest.inputs).filter(([, spec]) => spec.group === group);
    if (inputs.length === 0) continue;
    rows.push(`| **${cell(title)}** | | | ${note === undefined ? '' : cell(note)} |`);
    for (const [input, spec] of inputs) rows.push(`| \`${input}\` | ${typeCell(spec)} | ${cell(defaultCell(spec))} | ${cell(spec.readme ?? spec.description)} |`);
  }
  return rows.join('\n');
}

/** @param {Manifest} manifest */
export function renderOutputsTable(manifest) {
  return ['| Output | Description |', '|---|---|', ...Object.entries(manifest.outputs).map(([output, spec]) => `| \`${output}\` | ${cell(spec.readme ?? spec.description)} |`)].join('\n');
}

/**
 * The README with its tables replaced between `<!-- inputs:start -->` and `<!-- inputs:end -->`
 * (and outputs:); the rest stays as written. A README without a pair of markers is an error.
 * @param {string} readme
 * @param {Manifest} manifest
 * @param {string} file
 */
export function renderReadme(readme, manifest, file) {
  let out = readme;
  for (const kind of MARKERS) {
    const pattern = new RegExp(`(<!-- ${kind}:start -->\\n)[\\s\\S]*?(<!-- ${kind}:end -->)`);
    if (!pattern.test(out)) throw new Error(`${file} has no <!-- ${kind}:start --> … <!-- ${kind}:end --> markers for its ${kind} table`);
    const table = kind === 'inputs' ? renderInputsTable(manifest) : renderOutputsTable(manifest);
    out = out.replace(pattern, (_, start, end) => `${start}<!-- Generated from manifest.yml by scripts/gen-actions.mjs: edit the manifest. -->\n${table}\n${end}`);
  }
  return out;
}

/** The defaults the adapter reads its inputs with; an expression is the runner's to evaluate. @param {Manifest} manifest @param {string} name */
export function renderInputsModule(manifest, name) {
  const entries = Object.entries(manifest.inputs).filter(([, spec]) => spec.default !== undefined && !EXPRESSION.test(spec.default));
  return [
    `// Generated by scripts/gen-actions.mjs from actions/${name}/manifest.yml: edit that file, then run node scripts/gen-actions.mjs (npm run build runs it).`,
    '',
    `/** The defaults of ${name}'s inputs (expressions, which the runner evaluates, left out). */`,
    'export const DEFAULTS: Readonly<Record<string, string>> = {',
    ...entries.map(([input, spec]) => `  ${JSON.stringify(input)}: ${JSON.stringify(spec.default)},`),
    '};',
    '',
  ].join('\n');
}

/**
 * The flags of each CLI command that mirrors an action: the inputs its `cli` names (or all but
 * `except`), a switch for each of `switches`, repeatable for `repeatable`, and the defaults.
 * @param {Array<[string, Manifest]>} manifests
 */
export function renderCliFlags(manifests) {
  const out = [
    '// Generated by scripts/gen-actions.mjs from the cli sections of actions/*/manifest.yml: edit those, then run node scripts/gen-actions.mjs (npm run build runs it).',
    '',
    "/** A flag as node:util parseArgs takes it; the flag's name is the action input's. */",
    "export interface Flag {\n  readonly type: 'string' | 'boolean';\n  readonly multiple?: true;\n}",
    '',
  ];
  for (const [name, manifest] of manifests) {
    const cli = manifest.cli;
    if (cli === undefined) continue;
    const names = cli.inputs ?? Object.keys(manifest.inputs).filter((input) => !(cli.except ?? []).includes(input));
    const id = cli.command.toUpperCase().replaceAll('-', '_');
    out.push(`/** kong-upgrade ${cli.command}: the inputs of actions/${name}. */`, `export const ${id}_FLAGS: Readonly<Record<string, Flag>> = {`);
    for (const input of names) {
      const flag = (cli.switches ?? []).includes(input) ? "{ type: 'boolean' }" : (cli.repeatable ?? []).includes(input) ? "{ type: 'string', multiple: true }" : "{ type: 'string' }";
      out.push(`  ${JSON.stringify(input)}: ${flag},`);
    }
    out.push('};', '', `/** The defaults of those flags (the action's; an expression is left out). */`, `export const ${id}_DEFAULTS: Readonly<Record<string, string>> = {`);
    for (const input of names) {
      const value = manifest.inputs[input]?.default;
      if (value !== undefined && !EXPRESSION.test(value)) out.push(`  ${JSON.stringify(input)}: ${JSON.stringify(value)},`);
    }
    out.push('};', '');
  }
  return out.join('\n');
}

/**
 * Every generated file, path relative to the root → its content.
 * @param {string} root
 * @returns {Map<string, string>}
 */
export function generate(root = ROOT) {
  /** @type {Map<string, string>} */
  const files = new Map();
  const manifests = actionNames(root).map((name) => /** @type {[string, Manifest]} */ ([name, readManifest(name, root)]));
  for (const [name, manifest] of manifests) {
    files.set(`actions/${name}/action.yml`, renderActionYml(manifest, name));
    const readme = `actions/${name}/README.md`;
    files.set(readme, renderReadme(readFileSync(path.join(root, readme), 'utf8'), manifest, readme));
    files.set(`src/actions/${name}/inputs.generated.ts`, renderInputsModule(manifest, name));
  }
  // The root action.yml (the suite's Marketplace entry) is the plan action.
  const plan = manifests.find(([name]) => name === 'fetch-changelog')?.[1];
  if (plan !== undefined) files.set('action.yml', renderActionYml(plan, 'fetch-changelog', { dist: 'dist/fetch-changelog', title: 'Kong upgrade actions' }));
  files.set('src/cli/flags.generated.ts', renderCliFlags(manifests));
  return files;
}

/** The generated files whose committed content differs. @param {string} root */
export function stale(root = ROOT) {
  return [...generate(root)].filter(([file, content]) => !existsSync(path.join(root, file)) || readFileSync(path.join(root, file), 'utf8') !== content).map(([file]) => file);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    const files = stale();
    for (const file of files) console.error(`${file} differs from what actions/*/manifest.yml generate: run node scripts/gen-actions.mjs`);
    process.exitCode = files.length > 0 ? 1 : 0;
  } else {
    const files = generate();
    for (const [file, content] of files) writeFileSync(path.join(ROOT, file), content);
    console.log(`generated ${files.size} files from ${actionNames().length} manifests`);
  }
}
