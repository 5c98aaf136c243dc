import { bulletList, details, table } from '../lib/markdown.js';
import type { BackupManifest } from './manifest.js';

/**
 * What a database dump does not hold: Kong reads these from disk or elsewhere, so a restore
 * alone does not bring a node back. Kept next to every backup's summary as a checklist.
 */
const NOT_IN_THE_DUMP: readonly string[] = [
  'kong.conf (and KONG_* environment variables of the nodes)',
  'certificates and keys on disk: ssl_cert/ssl_cert_key, admin_ssl_*, cluster_cert/cluster_cert_key, lua_ssl_trusted_certificate',
  'Enterprise: the licence (KONG_LICENSE_DATA or the license file) and the keyring (keyring_* settings, its recovery key)',
  'custom plugins (their Lua code, plugins = … in kong.conf) and their rockspecs',
  'custom nginx templates (--nginx-conf) and nginx_* directives injected through kong.conf',
];

export function renderManifestSummary(title: string, manifest: BackupManifest, paths: { archive: string; manifest: string }, extra: readonly string[] = []): string {
  const db = manifest.database;
  const facts = table(['Fact', 'Value'], [
    ['Database', `${db.host}:${db.port}/${db.database} (PostgreSQL ${db.serverVersion}, system id ${db.systemIdentifier ?? 'unknown'})`],
    ['Kong version', manifest.kong.version === null ? 'unknown' : `${manifest.kong.version} (from ${manifest.kong.source})`],
    ['Restored from', manifest.lineage.restoredFrom ? `${manifest.lineage.restoredFrom.database.host}:${manifest.lineage.restoredFrom.database.port}/${manifest.lineage.restoredFrom.database.database}, ${manifest.lineage.restoredFrom.manifest}` : '—'],
    ['Archive', `\`${paths.archive}\` (${manifest.dump.format}, ${manifest.dump.compression}, ${formatBytes(manifest.archive.sizeBytes)}, ${manifest.files.length} file(s))`],
    ['Encryption', manifest.encryption.method === 'none' ? 'none' : `${manifest.encryption.method}${manifest.encryption.recipients.length ? ` to ${manifest.encryption.recipients.join(', ')}` : ''}`],
    ['Checksum (SHA-256)', `\`${manifest.archive.checksum}\``],
    ['Fingerprint', `\`${manifest.fingerprint.digest}\` over ${Object.keys(manifest.fingerprint.tables).length} entity tables`],
    ['Manifest', `\`${paths.manifest}\``],
    ['pg_dump', `${manifest.dump.toolVersion}, snapshot ${manifest.dump.snapshot}`],
    ['Time', `${manifest.startedAt} → ${manifest.finishedAt}`],
  ]);
  const entities = [...new Set(Object.values(manifest.counts).flatMap((c) => Object.keys(c)))].sort();
  const counts = table(['Workspace', ...entities], Object.entries(manifest.counts).map(([ws, c]) => [ws, ...entities.map((e) => String(c[e] ?? 0))]));
  const schemaMeta = manifest.schemaMeta === null
    ? 'No schema_meta: the database is not bootstrapped.'
    : table(['Subsystem', 'Last executed', 'Executed', 'Pending'], manifest.schemaMeta.map((r) => [r.subsystem, r.lastExecuted ?? '—', String(r.executed.length), r.pending.join(', ') || '—']));
  return [
    `## ${title}`,
    ...extra,
    facts,
    '### Entities (workspace × type; `*`: not workspaced)',
    counts,
    details('schema_meta', schemaMeta),
    '### Not in a database dump: keep these with the backup',
    bulletList(NOT_IN_THE_DUMP.map((item) => `[ ] ${item}`)),
  ].join('\n\n');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
