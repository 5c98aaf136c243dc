import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { mapLimit } from '../lib/concurrency.js';
import { isNotFound, listWorkspaces, type AdminClient } from '../kong/admin-api.js';
import { rootEdition, type KongRoot } from '../kong/admin-root.js';
import { ENTERPRISE_TYPES, ENTITY_COUNTS_SHAPE, GLOBAL_TYPES, GLOBAL_WORKSPACE, OPTIONAL_COLLECTIONS, sortCounts, WORKSPACED_TYPES, type EntityCounts } from '../kong/entities.js';
import { listOf, matching, object, oneOf, text, type Contract } from '../lib/json-shape.js';
import { inputError, stepError, UpgradeError } from '../lib/errors.js';
import { execCommand } from '../lib/exec.js';
import { archiveChecksum, describeFiles, listFiles } from './checksums.js';
import { encryptFiles, ENCRYPTED_SUFFIX, type EncryptionOptions } from './encryption.js';
import { FILE_SHAPE, writeJsonAtomically, type ManifestFile } from './manifest.js';
import { timeStamp } from '../lib/time-stamp.js';

/**
 * Declarative export (backup-db `mode: export`): every entity the Admin API serves, per
 * workspace, as JSON, with the counts it saw. A record of what the gateway served before the
 * upgrade that needs no database and no matching PostgreSQL client to read; and, on request,
 * `deck gateway dump` per workspace beside it, the form Kong's own runbook restores from.
 *
 * Layout of the export's folder:
 *   workspaces/<name>.json   {schema, workspace, counts, entities: {services: [...], ...}, skipped}
 *   global.json              entities that belong to no workspace (ca_certificates)
 *   deck/<name>.yaml         decK's dump of each workspace (deck-version given)
 *   export.json              the index, written last and atomically: no index, no export
 */
export const EXPORT_SCHEMA = 'kong-upgrade/admin-export@1';
const EXPORT_INDEX = 'export.json';

export interface DeckRun {
  /** The decK executable (installed by src/lib/tool-install.ts). */
  readonly path: string;
  readonly version: string;
}

export interface ExportOptions {
  readonly client: AdminClient;
  /** A folder for this export is created inside; removed again if the export fails. */
  readonly backupDir: string;
  /** undefined or 'all': every workspace (just `default` on OSS); else that one. */
  readonly workspace: string | undefined;
  readonly concurrency: number;
  readonly deck?: DeckRun | undefined;
  readonly encryption?: EncryptionOptions | undefined;
  readonly name?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly log?: ((line: string) => void) | undefined;
}

export interface ExportIndex {
  readonly schema: typeof EXPORT_SCHEMA;
  readonly format: 'admin-api-json';
  readonly admin: { readonly url: string; readonly kongVersion: string | null; readonly edition: string | null };
  readonly workspaces: readonly string[];
  /** workspace → entity → items exported; `*` for entities of no workspace (manifest keys). */
  readonly counts: EntityCounts;
  /** Collections this node does not serve (404), per workspace. */
  readonly skipped: Readonly<Record<string, readonly string[]>>;
  readonly deck: { readonly version: string; readonly files: readonly string[] } | null;
  readonly encryption: { readonly method: EncryptionOptions['method'] | 'none' };
  readonly checksum: string;
  readonly sizeBytes: number;
  readonly files: readonly ManifestFile[];
  readonly startedAt: string;
  readonly finishedAt: string;
}

/** The index as its readers use it (a smoke-test baseline): counts, workspaces, files. */
export const ADMIN_EXPORT: Contract = {
  schema: EXPORT_SCHEMA,
  name: 'declarative export index',
  shape: object({
    format: oneOf(['admin-api-json']),
    workspaces: listOf(matching(/^[\w.~-]+$/, 'a workspace name')),
    counts: ENTITY_COUNTS_SHAPE,
    files: listOf(FILE_SHAPE),
    finishedAt: text(),
  }),
};

export interface ExportResult {
  readonly index: ExportIndex;
  readonly indexPath: string;
  readonly folder: string;
}

type Entity = Record<string, unknown>;

export async function exportAdminApi(options: ExportOptions): Promise<ExportResult> {
  const log = options.log ?? (() => {});
  const startedAt = new Date();
  const { client } = options;
  const root = await client.getJson<KongRoot>('/');
  const kongVersion = typeof root.version === 'string' ? root.version : null;
  const edition = rootEdition(root) ?? null;
  const workspaces = await workspacesToExport(client, options.workspace);
  const name = options.name ?? `kong-export-${timeStamp(startedAt)}`;
  const folder = path.resolve(options.backupDir, name);
  await mkdir(path.join(folder, 'workspaces'), { recursive: true }).catch((error: unknown) => {
    throw inputError('backup-dir', `cannot create ${folder}: ${(error as Error).message}`, error);
  });
  log(`Exporting ${workspaces.length} workspace(s) from ${client.target.url} (Kong ${kongVersion ?? 'unknown'}${edition ? `, ${edition}` : ''})`);

  try {
    const counts: Record<string, Record<string, number>> = {};
    const skipped: Record<string, string[]> = {};
    for (const ws of workspaces) {
      if (options.signal?.aborted) throw stepError('export', 'cancelled');
      const prefix = ws === 'default' ? undefined : ws;
      const collections = [
        ...WORKSPACED_TYPES.filter((t) => t !== 'targets').map((t) => ({ path: t, entity: t, optional: false })),
        ...(edition === 'enterprise' ? ENTERPRISE_TYPES.map((t) => ({ path: t, entity: t, optional: true })) : []),
        ...OPTIONAL_COLLECTIONS.map((c) => ({ ...c, optional: true })),
      ];
      const entities: Record<string, Entity[]> = {};
      const missing: string[] = [];
      await mapLimit(collections, options.concurrency, async (c) => {
        const items = await listOrSkip(client, `/${c.path}`, prefix, c.optional);
        if (items === undefined) missing.push(c.path);
        else entities[c.entity] = items;
      });
      // Targets live under their upstream only: top-level /targets is disabled (404: Kong/kong 3.4.2
      // kong/api/routes/targets.lua l.6).
      const perUpstream = await mapLimit(entities.upstreams ?? [], options.concurrency, (upstream) =>
        client.listAll<Entity>(`/upstreams/${encodeURIComponent(String(upstream.id))}/targets`, prefix),
      );
      entities.targets = perUpstream.flat();
      const sorted = sortEntities(entities);
      const wsCounts = Object.fromEntries(Object.entries(sorted).map(([entity, items]) => [entity, items.length]));
      counts[ws] = wsCounts;
      if (missing.length > 0) skipped[ws] = missing.sort();
      await writeJson(path.join(folder, 'workspaces', `${ws}.json`), {
        schema: EXPORT_SCHEMA,
        workspace: ws,
        counts: wsCounts,
        skipped: missing.sort(),
        entities: sorted,
      });
      log(`  ${ws}: ${Object.entries(wsCounts).filter(([, n]) => n > 0).map(([e, n]) => `${n} ${e}`).join(', ') || 'empty'}`);
    }
    const global: Record<string, Entity[]> = {};
    for (const type of GLOBAL_TYPES) global[type] = await client.listAll<Entity>(`/${type}`);
    counts[GLOBAL_WORKSPACE] = {
      ...Object.fromEntries(Object.entries(global).map(([entity, items]) => [entity, items.length])),
      workspaces: workspaces.length,
    };
    await writeJson(path.join(folder, 'global.json'), { schema: EXPORT_SCHEMA, workspace: GLOBAL_WORKSPACE, entities: sortEntities(global) });

    const deckFiles = options.deck ? await deckDump(options, options.deck, folder, workspaces, edition === 'enterprise', log) : [];

    let files = (await listFiles(folder, folder)).map((f) => path.join(folder, f));
    if (options.encryption) {
      log(`Encrypting ${files.length} file(s) with ${options.encryption.method}: an export holds credentials and private keys`);
      files = await encryptFiles(files, options.encryption, options.signal);
    }
    const described = await describeFiles(folder, folder);
    const index: ExportIndex = {
      schema: EXPORT_SCHEMA,
      format: 'admin-api-json',
      admin: { url: client.target.url, kongVersion, edition },
      workspaces,
      counts: sortCounts(counts),
      skipped,
      deck: options.deck ? { version: options.deck.version, files: deckFiles.map((f) => (options.encryption ? `${f}${ENCRYPTED_SUFFIX}` : f)) } : null,
      encryption: { method: options.encryption?.method ?? 'none' },
      checksum: archiveChecksum(described),
      sizeBytes: described.reduce((sum, f) => sum + f.sizeBytes, 0),
      files: described,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
    };
    const indexPath = path.join(folder, EXPORT_INDEX);
    await writeJsonAtomically(indexPath, index);
    return { index, indexPath, folder };
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error instanceof UpgradeError ? error : stepError('export', (error as Error).message, error);
  }
}

/**
 * The workspace asked for, or every workspace (just `default` where the node has none). Each
 * names a file: Kong's own rule for workspace names (workspaces.lua: ^[%w%.%-%_~]+$) keeps it
 * inside the folder, and a name outside it is refused, never skipped: "every workspace" is the
 * point of the export.
 */
async function workspacesToExport(client: AdminClient, workspace: string | undefined): Promise<string[]> {
  const fileName = (name: string) => /^[\w.~-]+$/.test(name) && name !== '.' && name !== '..';
  if (workspace !== undefined && workspace !== 'all') {
    if (!fileName(workspace)) throw inputError('workspace', `"${workspace}" is not a Kong workspace name`);
    return [workspace];
  }
  const { names } = await listWorkspaces(client);
  const odd = names?.find((name) => !fileName(name));
  if (odd !== undefined) throw stepError('export', `workspace ${JSON.stringify(odd)} is not a name Kong allows, and cannot name a file`);
  return names === undefined || names.length === 0 ? ['default'] : names;
}

async function listOrSkip(client: AdminClient, collection: string, prefix: string | undefined, optional: boolean): Promise<Entity[] | undefined> {
  try {
    return await client.listAll<Entity>(collection, prefix);
  } catch (error) {
    if (optional && isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * `deck gateway dump` per workspace: current decK refuses `--all-workspaces` together with `-o`
 * (cmd/gateway_dump.go MarkFlagsMutuallyExclusive, decK ≥ 1.29.2), so one run per workspace.
 * The RBAC token goes by environment (DECK_HEADERS, read by decK's viper binding of --headers),
 * never on the command line. `--workspace` only on Enterprise: OSS has no workspaces to name.
 */
async function deckDump(options: ExportOptions, deck: DeckRun, folder: string, workspaces: readonly string[], enterprise: boolean, log: (line: string) => void): Promise<string[]> {
  const dir = path.join(folder, 'deck');
  await mkdir(dir, { recursive: true });
  const env: Record<string, string> = { DECK_KONG_ADDR: options.client.target.url };
  if (options.client.target.token !== undefined) env.DECK_HEADERS = `Kong-Admin-Token:${options.client.target.token}`;
  const written: string[] = [];
  for (const ws of workspaces) {
    const file = path.join(dir, `${ws}.yaml`);
    const args = ['gateway', 'dump', '--output-file', file, '--yes', ...(enterprise ? ['--workspace', ws] : [])];
    const result = await execCommand({ command: deck.path, args, env, ...(options.signal && { signal: options.signal }) });
    if (result.exitCode !== 0 || result.signal !== undefined) {
      throw stepError(`deck gateway dump (workspace ${ws})`, `exited with ${result.signal ?? `code ${result.exitCode}`}: ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' / ')}`);
    }
    written.push(path.relative(folder, file).split(path.sep).join('/'));
    log(`  deck gateway dump: ${ws} → ${file}`);
  }
  return written;
}

/** Items by id within each entity, entities by name: the same gateway exports the same bytes. */
function sortEntities(entities: Record<string, Entity[]>): Record<string, Entity[]> {
  const out: Record<string, Entity[]> = {};
  for (const key of Object.keys(entities).sort()) {
    out[key] = [...entities[key]!].sort((a, b) => String(a.id ?? '').localeCompare(String(b.id ?? '')));
  }
  return out;
}

async function writeJson(file: string, data: unknown): Promise<void> {
  await writeFile(file, `${JSON.stringify(data, null, 2)}\n`).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EFBIG' || code === 'EDQUOT') throw inputError('backup-dir', `no room to write ${file} (${code})`, error);
    throw error;
  });
}
