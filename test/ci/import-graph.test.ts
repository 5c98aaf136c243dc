// The layering of src/ (docs/design.md "Layers"): no two folders import each other and no file
// cycle, measured by the same script anyone runs (node scripts/import-graph.mjs).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { importGraph } from '../../scripts/import-graph.mjs';
import { REPO_ROOT } from '../helpers/paths.js';

interface Graph {
  imports: Record<string, Record<string, number>>;
  mutual: [string, string][];
  folderCycles: string[][];
  fileCycles: string[][];
}

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A src/ tree of `files` (path → text) in a temp folder. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'import-graph-'));
  scratch.push(root);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

describe('import graph of src/', () => {
  it('has no folder pair importing each other, no folder cycle and no file cycle', () => {
    const graph = importGraph(REPO_ROOT) as Graph;
    expect(graph.mutual).toEqual([]);
    expect(graph.folderCycles).toEqual([]);
    expect(graph.fileCycles).toEqual([]);
  });

  it('keeps kong/ free of the folders above it, lib/ free of every other', () => {
    const graph = importGraph(REPO_ROOT) as Graph;
    expect(Object.keys(graph.imports.kong ?? {}).sort()).toEqual(['lib', 'version']);
    expect(graph.imports.lib).toBeUndefined();
  });

  it('finds what it is there to find: a mutual pair through a type import, a file cycle, a dynamic import', () => {
    const graph = importGraph(
      tree({
        'src/a/one.ts': "import type { B } from '../b/two.js';\nexport type A = B;\n",
        'src/b/two.ts': "export type B = string;\nexport const load = () => import('../a/three.js');\n",
        'src/a/three.ts': "import { four } from './four.js';\nexport const three = four;\n",
        'src/a/four.ts': "import { three } from './three.js';\nexport const four = () => three;\n",
      }),
    ) as Graph;
    expect(graph.imports).toEqual({ a: { b: 1 }, b: { a: 1 } });
    expect(graph.mutual).toEqual([['a', 'b']]);
    expect(graph.folderCycles).toEqual([['a', 'b']]);
    expect(graph.fileCycles).toEqual([['src/a/four.ts', 'src/a/three.ts']]);
  });
});
