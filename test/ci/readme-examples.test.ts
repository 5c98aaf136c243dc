// Every YAML example in every README, checked against what it uses: a suite action's `with:`
// against its action.yml inputs, `steps.<id>.outputs.<name>` against the outputs of the action
// that step runs, a reusable workflow call's `with:` and `secrets:` against its workflow_call.
// GitHub only warns about an unknown input and evaluates an unknown output to '', so an example
// that reads `steps.backup.outputs.manifest` (backup-db has manifest-path) silently skips what it
// meant to feed: here it fails.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../helpers/paths.js';

interface Interface {
  readonly inputs: Set<string>;
  readonly outputs: Set<string>;
  readonly secrets?: Set<string>;
}

const SKIP = new Set(['node_modules', '.git', '.tools', 'dist', '.cache']);

function readmes(dir = REPO_ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIP.has(entry.name)) return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return readmes(full);
    return entry.name === 'README.md' ? [full] : [];
  });
}

/** Each ```yaml block of a markdown file, with its first line number. */
export function yamlBlocks(markdown: string): { line: number; text: string }[] {
  const blocks: { line: number; text: string }[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*```ya?ml\s*$/.test(lines[i]!)) continue;
    const start = i + 1;
    const indent = /^\s*/.exec(lines[i]!)![0].length;
    const body: string[] = [];
    for (i = start; i < lines.length && !/^\s*```\s*$/.test(lines[i]!); i++) body.push(lines[i]!.slice(indent));
    blocks.push({ line: start + 1, text: body.join('\n') });
  }
  return blocks;
}

const actions = new Map<string, Interface>();
/** A suite action's interface by name ('' = the root action.yml, fetch-changelog's alias). */
function action(name: string): Interface | undefined {
  if (!actions.has(name)) {
    const file = path.join(REPO_ROOT, name === '' ? '' : `actions/${name}`, 'action.yml');
    if (!existsSync(file)) return undefined;
    const yml = parse(readFileSync(file, 'utf8')) as { inputs?: object; outputs?: object };
    actions.set(name, { inputs: new Set(Object.keys(yml.inputs ?? {})), outputs: new Set(Object.keys(yml.outputs ?? {})) });
  }
  return actions.get(name);
}

function reusable(file: string): Interface | undefined {
  const full = path.join(REPO_ROOT, '.github/workflows', file);
  if (!existsSync(full)) return undefined;
  const call = ((parse(readFileSync(full, 'utf8')) as { on?: { workflow_call?: { inputs?: object; outputs?: object; secrets?: object } } }).on?.workflow_call) ?? {};
  return { inputs: new Set(Object.keys(call.inputs ?? {})), outputs: new Set(Object.keys(call.outputs ?? {})), secrets: new Set(Object.keys(call.secrets ?? {})) };
}

/** The suite action a `uses:` names, or undefined for anything else (actions/checkout, …). */
export function suiteActionOf(uses: string): string | undefined {
  const local = /^\.\/(?:[A-Za-z0-9._-]+\/)?actions\/([a-z-]+)$/.exec(uses);
  if (local) return local[1];
  const remote = /^[^/\s]+\/kong-upgrade-actions(?:\/actions\/([a-z-]+))?@\S+$/.exec(uses);
  return remote ? (remote[1] ?? '') : undefined;
}

type Node = Record<string, unknown>;
function* mappings(value: unknown): Generator<Node> {
  if (Array.isArray(value)) for (const item of value) yield* mappings(item);
  else if (value && typeof value === 'object') {
    yield value as Node;
    for (const item of Object.values(value)) yield* mappings(item);
  }
}

/** Every problem of one example; `known` maps step ids defined in any README example to their action. */
export function checkExample(text: string, known: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  let data: unknown;
  try {
    data = parseAllDocuments(text).map((doc) => doc.toJS());
  } catch (error) {
    return [`not YAML: ${(error as Error).message}`];
  }
  const ids = new Map(known);
  for (const node of mappings(data)) {
    if (typeof node.uses !== 'string') continue;
    const name = suiteActionOf(node.uses);
    const call = /^[^/\s]+\/kong-upgrade-actions\/\.github\/workflows\/([^@]+)@\S+$/.exec(node.uses);
    const spec = name !== undefined ? action(name) : call ? reusable(call[1]!) : undefined;
    if ((name !== undefined || call) && !spec) {
      problems.push(`${node.uses}: no such action or reusable workflow in this repository`);
      continue;
    }
    if (!spec) continue;
    for (const key of Object.keys((node.with as Node | undefined) ?? {})) if (!spec.inputs.has(key)) problems.push(`${node.uses}: no input '${key}'`);
    if (spec.secrets && node.secrets && node.secrets !== 'inherit') {
      for (const key of Object.keys(node.secrets as Node)) if (!spec.secrets.has(key)) problems.push(`${node.uses}: no secret '${key}'`);
    }
    if (name !== undefined && typeof node.id === 'string') ids.set(node.id, name);
  }
  for (const match of text.matchAll(/steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
    const [, id, output] = match as unknown as [string, string, string];
    const name = ids.get(id);
    if (name === undefined) {
      problems.push(`steps.${id}: no step '${id}' in this example nor in any README example`);
      continue;
    }
    if (!action(name)!.outputs.has(output)) problems.push(`steps.${id}.outputs.${output}: ${name === '' ? 'the root action' : `actions/${name}`} has no output '${output}' (it has ${[...action(name)!.outputs].join(', ')})`);
  }
  return problems;
}

const files = readmes();

/** Step ids that README examples define for a suite action (`id: backup` → backup-db). */
function knownIds(): Map<string, string> {
  const known = new Map<string, string>();
  for (const file of files) {
    for (const block of yamlBlocks(readFileSync(file, 'utf8'))) {
      try {
        for (const node of mappings(parseAllDocuments(block.text).map((doc) => doc.toJS()))) {
          const name = typeof node.uses === 'string' ? suiteActionOf(node.uses) : undefined;
          if (name !== undefined && typeof node.id === 'string') known.set(node.id, name);
        }
      } catch {
        // reported by the test of that block
      }
    }
  }
  return known;
}

describe('README examples match the action.yml and workflow_call they use', () => {
  it('finds the READMEs and their YAML examples', () => {
    expect(files.map((f) => path.relative(REPO_ROOT, f))).toEqual(expect.arrayContaining(['README.md', 'actions/smoke-test/README.md', 'workflows-examples/README.md']));
    expect(files.flatMap((f) => yamlBlocks(readFileSync(f, 'utf8'))).length).toBeGreaterThan(8);
  });

  const known = knownIds();
  for (const file of files) {
    const blocks = yamlBlocks(readFileSync(file, 'utf8'));
    if (blocks.length === 0) continue;
    it(path.relative(REPO_ROOT, file), () => {
      const problems = blocks.flatMap((block) => checkExample(block.text, known).map((p) => `${path.relative(REPO_ROOT, file)}:${block.line}: ${p}`));
      expect(problems).toEqual([]);
    });
  }

  it('fails an unknown input, an unknown output, an unknown secret and an undefined step', () => {
    const example = `- uses: ./actions/backup-db
  id: backup
  with:
    databse-url: x
- uses: ./actions/smoke-test
  with:
    backup-manifest: \${{ steps.backup.outputs.manifest }}
    baseline: \${{ steps.nowhere.outputs.x }}
- uses: <owner>/kong-upgrade-actions/.github/workflows/kong-upgrade.yml@v1
  with:
    colour: red
  secrets:
    KONG_DATABSE_URL: x
`;
    expect(checkExample(example, new Map())).toEqual([
      "./actions/backup-db: no input 'databse-url'",
      "<owner>/kong-upgrade-actions/.github/workflows/kong-upgrade.yml@v1: no input 'colour'",
      "<owner>/kong-upgrade-actions/.github/workflows/kong-upgrade.yml@v1: no secret 'KONG_DATABSE_URL'",
      expect.stringMatching(/^steps\.backup\.outputs\.manifest: actions\/backup-db has no output 'manifest' \(it has .*manifest-path/),
      "steps.nowhere: no step 'nowhere' in this example nor in any README example",
    ]);
  });
});
