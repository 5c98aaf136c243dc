// @ts-check
// The structure of src/ as imports: files and lines per folder, imports between top-level
// folders, folder pairs that import each other, and cycles between files. Exits 1 on a folder
// cycle or a file cycle, so a test (test/ci/import-graph.test.ts) keeps the layering of
// docs/design.md ("Layers") true.
//
//   node scripts/import-graph.mjs            # the report
//   node scripts/import-graph.mjs --json     # the same as JSON
//
// Type-only imports count: a type is as much a dependency of a layer as a function.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * @typedef {{ folders: Record<string, { files: number, lines: number }>,
 *   imports: Record<string, Record<string, number>>,
 *   mutual: [string, string][], folderCycles: string[][], fileCycles: string[][] }} Graph
 */

/**
 * Every .ts file under `dir`, relative to `root`, `/`-separated.
 * @param {string} root
 * @param {string} dir
 * @returns {string[]}
 */
function sourceFiles(root, dir) {
  return readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

/**
 * The relative specifiers a file imports: `from '…'`, `import '…'` and `import('…')`.
 * @param {string} text
 * @returns {string[]}
 */
function specifiers(text) {
  /** @type {string[]} */
  const found = [];
  const patterns = [/\bfrom\s+'(\.[^']*)'/g, /\bimport\s+'(\.[^']*)'/g, /\bimport\(\s*'(\.[^']*)'\s*\)/g];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.push(/** @type {string} */ (match[1]));
  return found;
}

/**
 * `src/kong/admin-api.ts` → `kong`; a file straight under src/ is in the folder `.`.
 * @param {string} file
 */
function folderOf(file) {
  const parts = file.split('/');
  return parts.length > 2 ? /** @type {string} */ (parts[1]) : '.';
}

/**
 * Strongly connected components with more than one member (Tarjan), each sorted.
 * @param {Map<string, Set<string>>} edges
 * @returns {string[][]}
 */
function cycles(edges) {
  /** @type {Map<string, number>} */
  const index = new Map();
  /** @type {Map<string, number>} */
  const low = new Map();
  /** @type {string[]} */
  const stack = [];
  const onStack = new Set();
  /** @type {string[][]} */
  const found = [];
  let next = 0;
  /** @param {string} node */
  const visit = (node) => {
    index.set(node, next);
    low.set(node, next);
    next++;
    stack.push(node);
    onStack.add(node);
    for (const to of edges.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(/** @type {number} */ (low.get(node)), /** @type {number} */ (low.get(to))));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(/** @type {number} */ (low.get(node)), /** @type {number} */ (index.get(to))));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component = [];
      let member;
      do {
        member = /** @type {string} */ (stack.pop());
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of [...edges.keys()].sort()) if (!index.has(node)) visit(node);
  return found.sort((a, b) => String(a[0]).localeCompare(String(b[0])));
}

/**
 * @param {string} root the checkout
 * @returns {Graph}
 */
export function importGraph(root) {
  const files = sourceFiles(root, 'src');
  const known = new Set(files);
  /** @type {Graph['folders']} */
  const folders = {};
  /** @type {Map<string, Set<string>>} */
  const fileEdges = new Map();
  /** @type {Graph['imports']} */
  const imports = {};
  for (const file of files) {
    const text = readFileSync(path.join(root, file), 'utf8');
    const folder = folderOf(file);
    folders[folder] ??= { files: 0, lines: 0 };
    folders[folder].files++;
    folders[folder].lines += text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    const targets = new Set();
    for (const spec of specifiers(text)) {
      const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, '.ts');
      if (!known.has(resolved)) continue;
      targets.add(resolved);
    }
    fileEdges.set(file, targets);
    for (const target of targets) {
      const to = folderOf(target);
      if (to === folder) continue;
      imports[folder] ??= {};
      imports[folder][to] = (imports[folder][to] ?? 0) + 1;
    }
  }
  const folderEdges = new Map(Object.entries(imports).map(([from, to]) => [from, new Set(Object.keys(to))]));
  const mutual = /** @type {[string, string][]} */ (
    Object.entries(imports).flatMap(([from, to]) => Object.keys(to).filter((other) => from < other && imports[other]?.[from] !== undefined).map((other) => [from, other]))
  );
  return { folders, imports, mutual: mutual.sort(), folderCycles: cycles(folderEdges), fileCycles: cycles(fileEdges) };
}

/** @param {Graph} graph */
export function renderGraph(graph) {
  const lines = [];
  const entries = Object.entries(graph.folders).sort(([a], [b]) => a.localeCompare(b));
  const total = entries.reduce((sum, [, size]) => ({ files: sum.files + size.files, lines: sum.lines + size.lines }), { files: 0, lines: 0 });
  lines.push(`src/: ${total.files} files, ${total.lines} lines`);
  for (const [name, size] of entries) {
    const to = graph.imports[name] ?? {};
    const list = Object.keys(to).sort().map((other) => `${other} ${to[other]}`).join(', ');
    lines.push(`  ${name.padEnd(10)} ${String(size.files).padStart(3)} files ${String(size.lines).padStart(6)} lines  -> ${list || '(nothing)'}`);
  }
  lines.push(`folder pairs importing each other: ${graph.mutual.length === 0 ? 'none' : graph.mutual.map(([a, b]) => `${a} <-> ${b}`).join(', ')}`);
  lines.push(`folder cycles: ${graph.folderCycles.length === 0 ? 'none' : graph.folderCycles.map((c) => c.join(' -> ')).join('; ')}`);
  lines.push(`file cycles: ${graph.fileCycles.length === 0 ? 'none' : ''}`);
  for (const cycle of graph.fileCycles) lines.push(`  ${cycle.join(', ')}`);
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const graph = importGraph(root);
  console.log(process.argv.includes('--json') ? JSON.stringify(graph, null, 2) : renderGraph(graph));
  if (graph.folderCycles.length > 0 || graph.fileCycles.length > 0) process.exitCode = 1;
}
