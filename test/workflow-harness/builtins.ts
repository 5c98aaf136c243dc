// actions/checkout, cache, upload-artifact and download-artifact: enough for the workflows' data
// flow (artifacts carry the plan and backups between jobs, as on GitHub).
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ActionStandIn } from './types.js';

export interface ArtifactStore {
  readonly dir: string;
  readonly names: string[];
}

export function builtinActions(artifacts: ArtifactStore, checkout: string | undefined): Record<string, ActionStandIn> {
  return {
    'actions/checkout': async (_inputs, ctx) => {
      if (checkout) cpSync(checkout, ctx.workspace, { recursive: true });
    },
    'actions/cache': async () => ({ 'cache-hit': 'false' }),
    'actions/upload-artifact': async (inputs, ctx) => {
      const name = inputs.name || 'artifact';
      if (!/^[^"<>|*?\r\n\\/:]+$/.test(name)) throw new Error(`upload-artifact: invalid artifact name ${JSON.stringify(name)}`);
      const paths = (inputs.path ?? '').split('\n').map((p) => p.trim()).filter(Boolean).map((p) => path.resolve(ctx.workspace, p));
      const present = paths.filter((p) => existsSync(p));
      if (present.length === 0) {
        if ((inputs['if-no-files-found'] ?? 'warn') === 'error') throw new Error(`upload-artifact: no files at ${paths.join(', ')}`);
        ctx.log(`upload-artifact: no files found for ${name}`);
        return undefined;
      }
      // Like upload-artifact: the least common ancestor of the paths is the artifact's root.
      const files = present.flatMap((p) => (statSync(p).isDirectory() ? listFiles(p) : [p]));
      const root = commonDir(present.map((p) => (statSync(p).isDirectory() ? p : path.dirname(p))));
      const dest = path.join(artifacts.dir, name);
      if (existsSync(dest)) throw new Error(`upload-artifact: an artifact named ${name} already exists in this run`);
      for (const file of files) {
        const target = path.join(dest, path.relative(root, file));
        mkdirSync(path.dirname(target), { recursive: true });
        cpSync(file, target);
      }
      artifacts.names.push(name);
      ctx.log(`uploaded artifact ${name}: ${files.length} file(s)`);
      return { 'artifact-id': String(artifacts.names.length) };
    },
    'actions/download-artifact': async (inputs, ctx) => {
      const name = inputs.name;
      if (!name) throw new Error('download-artifact: the harness needs a name');
      const source = path.join(artifacts.dir, name);
      if (!existsSync(source)) throw new Error(`download-artifact: no artifact named ${name}`);
      const dest = path.resolve(ctx.workspace, inputs.path || '.');
      cpSync(source, dest, { recursive: true });
      ctx.log(`downloaded artifact ${name}`);
      return { 'download-path': dest };
    },
  };
}

export function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? listFiles(full) : [full];
  });
}

function commonDir(dirs: string[]): string {
  let common = dirs[0]!.split(path.sep);
  for (const dir of dirs.slice(1)) {
    const parts = dir.split(path.sep);
    let i = 0;
    while (i < common.length && i < parts.length && common[i] === parts[i]) i++;
    common = common.slice(0, i);
  }
  return common.join(path.sep) || path.sep;
}
