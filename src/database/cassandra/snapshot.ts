import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inputError, stepError, UpgradeError } from '../../lib/errors.js';
import { execCommand } from '../../lib/exec.js';
import { writeJsonAtomically } from '../manifest.js';
import { timeStamp } from '../../lib/time-stamp.js';

/**
 * Cassandra (Kong ≤ 3.3; removed in 3.4.0.0): `nodetool snapshot` of Kong's keyspace on every
 * node given, the snapshot folders read back with `nodetool listsnapshots`, and a manifest.
 * Kept small on purpose: every Kong line that ran on Cassandra is past end of life. A snapshot
 * is hard links on each node's own disk, taken node by node (not one consistent cut across the
 * cluster), so the manifest says where the files are and the summary how to copy them off and
 * restore them; nothing is copied here.
 *
 * nodetool's output, from apache/cassandra src/java/org/apache/cassandra/tools/nodetool/:
 *   Snapshot.java       "Requested creating snapshot(s) for [<ks>] with snapshot name [<tag>] and
 *                       options {skipFlush=false}", then "Snapshot directory: <tag>"
 *   ListSnapshots.java  "Snapshot Details: ", then a TableBuilder table whose header row is
 *                       SnapshotDetailsTabularData's ITEM_NAMES ("Snapshot name", "Keyspace
 *                       name", "Column family name", "True size", "Size on disk"; 4.1+ adds
 *                       "Creation time" and "Expiration time"), then "Total TrueDiskSpaceUsed: …";
 *                       or "There are no snapshots".
 */
const CASSANDRA_MANIFEST_SCHEMA = 'kong-upgrade/backup-manifest@1';

export interface CassandraNode {
  readonly host: string;
  readonly port: number;
}

export interface SnapshotTable {
  readonly table: string;
  readonly trueSize: string;
  readonly sizeOnDisk: string;
  /** `<data_file_directories>/<keyspace>/<table>-<table id>/snapshots/<tag>` on the node. */
  readonly folder: string;
}

export interface CassandraManifest {
  /** The backup manifest's family; `format` tells this one apart (readers of PostgreSQL manifests refuse it). */
  readonly schema: typeof CASSANDRA_MANIFEST_SCHEMA;
  readonly format: 'cassandra-snapshot';
  readonly keyspace: string;
  readonly tag: string;
  readonly kong: { readonly version: string | null; readonly source: 'input' | 'unknown' };
  readonly nodes: readonly { readonly host: string; readonly port: number; readonly tables: readonly SnapshotTable[]; readonly totalTrueDiskSpaceUsed: string | null }[];
  readonly startedAt: string;
  readonly finishedAt: string;
}

export interface CassandraSnapshotOptions {
  readonly nodes: readonly CassandraNode[];
  readonly keyspace: string;
  readonly tag?: string | undefined;
  readonly nodetool: string;
  readonly backupDir: string;
  readonly kongVersion?: string | undefined;
  readonly jmx?: { readonly username: string; readonly password: string } | undefined;
  /** Private folder for the JMX password file (the run folder in an action); default the OS temp dir. */
  readonly workDir?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly log?: ((line: string) => void) | undefined;
}

export interface CassandraSnapshotResult {
  readonly manifest: CassandraManifest;
  readonly manifestPath: string;
  readonly folder: string;
}

export async function snapshotCassandra(options: CassandraSnapshotOptions): Promise<CassandraSnapshotResult> {
  const log = options.log ?? (() => {});
  const startedAt = new Date();
  const tag = options.tag ?? `kong-upgrade-${timeStamp(startedAt)}`;
  const folder = path.resolve(options.backupDir, `kong-cassandra-${options.keyspace}-${tag}`);
  await mkdir(folder, { recursive: true }).catch((error: unknown) => {
    throw inputError('backup-dir', `cannot create ${folder}: ${(error as Error).message}`, error);
  });
  // JMX credentials: nodetool reads them from a file (-pwf), which keeps the password off argv.
  const secrets = options.jmx ? await mkdtemp(path.join(options.workDir ?? os.tmpdir(), 'nodetool-')) : undefined;
  try {
    const auth: string[] = [];
    if (options.jmx && secrets) {
      const file = path.join(secrets, 'jmxremote.password');
      await writeFile(file, `${options.jmx.username} ${options.jmx.password}\n`, { mode: 0o600 });
      auth.push('-u', options.jmx.username, '-pwf', file);
    }
    const nodes: CassandraManifest['nodes'][number][] = [];
    for (const node of options.nodes) {
      const base = ['-h', node.host, '-p', String(node.port), ...auth];
      const where = `${node.host}:${node.port}`;
      const snap = await nodetool(options, base, ['snapshot', '-t', tag, options.keyspace], where);
      if (!new RegExp(`^Snapshot directory: ${escape(tag)}$`, 'm').test(snap)) {
        throw stepError(`nodetool snapshot on ${where}`, `did not confirm the snapshot ("Snapshot directory: ${tag}" missing): ${snap.trim().split('\n').slice(-2).join(' / ')}`);
      }
      const listing = parseListSnapshots(await nodetool(options, base, ['listsnapshots'], where));
      const tables = listing.rows
        .filter((row) => row.snapshot === tag && row.keyspace === options.keyspace)
        .map((row) => ({ table: row.table, trueSize: row.trueSize, sizeOnDisk: row.sizeOnDisk, folder: `<data_file_directories>/${options.keyspace}/${row.table}-<table id>/snapshots/${tag}` }))
        .sort((a, b) => a.table.localeCompare(b.table));
      if (tables.length === 0) throw stepError(`nodetool listsnapshots on ${where}`, `lists no snapshot ${tag} of keyspace ${options.keyspace}`);
      log(`${where}: snapshot ${tag} of ${options.keyspace}, ${tables.length} table(s)`);
      nodes.push({ host: node.host, port: node.port, tables, totalTrueDiskSpaceUsed: listing.total });
    }
    const manifest: CassandraManifest = {
      schema: CASSANDRA_MANIFEST_SCHEMA,
      format: 'cassandra-snapshot',
      keyspace: options.keyspace,
      tag,
      kong: options.kongVersion !== undefined ? { version: options.kongVersion, source: 'input' } : { version: null, source: 'unknown' },
      nodes,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
    };
    const manifestPath = path.join(folder, 'manifest.json');
    await writeJsonAtomically(manifestPath, manifest);
    return { manifest, manifestPath, folder };
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error instanceof UpgradeError ? error : stepError('Cassandra snapshot', (error as Error).message, error);
  } finally {
    if (secrets) await rm(secrets, { recursive: true, force: true });
  }
}

async function nodetool(options: CassandraSnapshotOptions, base: string[], command: string[], where: string): Promise<string> {
  const result = await execCommand({ command: options.nodetool, args: [...base, ...command], ...(options.signal && { signal: options.signal }) }).catch((error: unknown) => {
    throw inputError('nodetool-path', `cannot run ${options.nodetool}: ${(error as Error).message}`, error);
  });
  if (result.exitCode === 0 && result.signal === undefined) return result.stdout;
  const text = `${result.stderr}\n${result.stdout}`.trim();
  // nodetool's words when JMX is unreachable (NodeProbe connect: "Failed to connect to '<host>:<port>' - ConnectException: 'Connection refused'").
  if (/Failed to connect|Connection refused|UnknownHost/i.test(text)) {
    throw inputError('cassandra-hosts', `nodetool cannot reach ${where}: ${text.split('\n')[0]}`);
  }
  if (/Keyspace .* does not exist|Unknown keyspace/i.test(text)) throw inputError('cassandra-keyspace', `${where}: ${text.split('\n')[0]}`);
  throw stepError(`nodetool ${command.join(' ')} on ${where}`, `exited with ${result.signal ?? `code ${result.exitCode}`}: ${text.split('\n').slice(-3).join(' / ')}`);
}

export interface ListedSnapshot {
  readonly snapshot: string;
  readonly keyspace: string;
  readonly table: string;
  readonly trueSize: string;
  readonly sizeOnDisk: string;
}

/**
 * `nodetool listsnapshots`: TableBuilder pads every column to its widest cell, so cells are
 * cut at the header's column starts (sizes hold a space: "4.77 KiB").
 */
export function parseListSnapshots(text: string): { rows: ListedSnapshot[]; total: string | null } {
  const lines = text.split('\n');
  const headerAt = lines.findIndex((line) => line.startsWith('Snapshot name'));
  const total = /^Total TrueDiskSpaceUsed: (.+)$/m.exec(text)?.[1]?.trim() ?? null;
  if (headerAt < 0) return { rows: [], total };
  const header = lines[headerAt]!;
  const names = ['Snapshot name', 'Keyspace name', 'Column family name', 'True size', 'Size on disk'];
  const starts = names.map((name) => header.indexOf(name));
  if (starts.some((s) => s < 0)) throw stepError('nodetool listsnapshots', `unexpected header: ${header.trim()}`);
  // 4.1+ has more columns after "Size on disk": cut that one at the next column's start.
  const after = header.slice(starts[4]! + names[4]!.length).search(/\S/);
  const ends = [...starts.slice(1), after < 0 ? undefined : starts[4]! + names[4]!.length + after];
  const rows: ListedSnapshot[] = [];
  for (const line of lines.slice(headerAt + 1)) {
    if (line.trim() === '' || line.startsWith('Total TrueDiskSpaceUsed')) break;
    const cell = (i: number) => line.slice(starts[i], ends[i]).trim();
    rows.push({ snapshot: cell(0), keyspace: cell(1), table: cell(2), trueSize: cell(3), sizeOnDisk: cell(4) });
  }
  return { rows, total };
}

/** Restore steps for the summary (Cassandra docs, "Restoring from a snapshot"). */
export function cassandraRestoreSteps(manifest: CassandraManifest): string[] {
  const ks = manifest.keyspace;
  return [
    `Copy each node's snapshot folders off the node now (they are hard links on its own disk): \`<data_file_directories>/${ks}/<table>-<id>/snapshots/${manifest.tag}/\` on ${manifest.nodes.map((n) => n.host).join(', ')}.`,
    'To restore: stop every Kong node that uses this keyspace (Kong caches entities; writes during a restore are lost).',
    `On each Cassandra node: \`nodetool drain\`, stop Cassandra, remove the table's current files (\`*.db\`, keep the \`snapshots/\` folder) in \`${ks}/<table>-<id>/\`, copy the snapshot's files into that folder, start Cassandra; or, with the node up, copy them in and run \`nodetool refresh ${ks} <table>\` per table.`,
    'If the keyspace or a table was dropped, recreate the schema first (`schema.cql` inside each snapshot folder), then copy the files into the new table folder (its id differs).',
    `Run \`nodetool repair ${ks}\` after restoring all nodes, then start Kong and check it (smoke-test).`,
    `Remove the snapshot when no longer needed: \`nodetool clearsnapshot -t ${manifest.tag} -- ${ks}\` on each node.`,
  ];
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
