// actions/checkout, cache, upload-artifact and download-artifact: enough for the workflows' data
// flow (artifacts carry the plan and backups between jobs, as on GitHub).
import { cpSync, existsSync, mkdirSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';
import type { ActionStandIn } from './types.js';

/** Folders of this repository linked rather than copied by a sparse checkout (large, read-only). */
const LINKED = new Set(['dist']);

export interface ArtifactStore {
  readonly dir: string;
  readonly names: string[];
}

/**
 * `checkout` is the caller's repository (`github.repository`, the test's files); any other
 * repository is this one (the suite), which the harness has at one commit only: the called
 * workflow's `job.workflow_sha`, checked out sparse (`sparse-checkout:` paths) under `path:`.
 */
export function builtinActions(artifacts: ArtifactStore, checkout: string | undefined, callerRepository: string): Record<string, ActionStandIn> {
  return {
    'actions/checkout': async (inputs, ctx) => {
      const dest = path.resolve(ctx.workspace, inputs.path || '.');
      if (!dest.startsWith(ctx.workspace)) throw new Error(`checkout: path ${inputs.path} is outside the workspace`);
      const repository = inputs.repository || callerRepository;
      if (repository === callerRepository) {
        if (checkout) cpSync(checkout, dest, { recursive: true });
        return;
      }
      if (repository !== ctx.workflow.repository) throw new Error(`checkout: ${repository} is neither the caller's repository nor the workflow's (${ctx.workflow.repository})`);
      if (inputs.ref !== ctx.workflow.sha) throw new Error(`checkout: ${repository} is checked out at job.workflow_sha (${ctx.workflow.sha}) only, not ${JSON.stringify(inputs.ref ?? '')}`);
      const sparse = (inputs['sparse-checkout'] ?? '').split('\n').map((p) => p.trim()).filter(Boolean);
      if (sparse.length === 0) throw new Error(`checkout: ${repository} is checked out sparse only (sparse-checkout: the folders the job needs)`);
      mkdirSync(dest, { recursive: true });
      for (const entry of sparse) {
        const source = path.join(REPO_ROOT, entry);
        if (!existsSync(source)) throw new Error(`checkout: ${repository} has no ${entry}`);
        if (LINKED.has(entry)) symlinkSync(source, path.join(dest, entry));
        else cpSync(source, path.join(dest, entry), { recursive: true });
      }
      ctx.log(`checked out ${repository}@${inputs.ref} (${sparse.join(', ')}) into ${inputs.path || '.'}`);
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

/** Files under `dir`; links (a sparse checkout's dist/) are not followed. */
export function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? listFiles(full) : entry.isSymbolicLink() ? [] : [full];
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
