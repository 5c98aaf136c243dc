import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cassandraRestoreSteps, parseListSnapshots, snapshotCassandra } from '../../src/database/cassandra/snapshot.js';
import { UpgradeError } from '../../src/lib/errors.js';
import { writeFakeNodetool } from './fake-nodetool.js';

let work: string;
beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'cassandra-test-'));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('Cassandra snapshot (Kong ≤ 3.3)', () => {
  it('snapshots the keyspace on every node, reads the tables back, and writes a cassandra-snapshot manifest', async () => {
    const fake = writeFakeNodetool(path.join(work, 'one'));
    const result = await snapshotCassandra({
      nodes: [{ host: 'cass-1', port: 7199 }, { host: 'cass-2', port: 7299 }],
      keyspace: 'kong',
      tag: 'before-3.4',
      nodetool: fake.path,
      backupDir: path.join(work, 'one', 'backups'),
      kongVersion: '2.8.4',
      jmx: { username: 'cassandra', password: 'jmx-secret-99' },
    });
    const manifest = JSON.parse(readFileSync(result.manifestPath, 'utf8'));
    expect(manifest).toMatchObject({ schema: 'kong-upgrade/backup-manifest@1', format: 'cassandra-snapshot', keyspace: 'kong', tag: 'before-3.4', kong: { version: '2.8.4', source: 'input' } });
    expect(manifest.nodes.map((n: { host: string; port: number }) => `${n.host}:${n.port}`)).toEqual(['cass-1:7199', 'cass-2:7299']);
    // Only this snapshot's rows of this keyspace, not system_auth's older one.
    expect(manifest.nodes[0].tables.map((t: { table: string }) => t.table)).toEqual(['consumers', 'plugins', 'routes', 'schema_meta', 'services']);
    expect(manifest.nodes[0].tables[0].folder).toBe('<data_file_directories>/kong/consumers-<table id>/snapshots/before-3.4');
    expect(manifest.nodes[0].tables[0].sizeOnDisk).toMatch(/^\d+\.\d\d KiB$/);
    expect(manifest.nodes[0].totalTrueDiskSpaceUsed).toBe('12.34 KiB');

    const argv = readFileSync(fake.log, 'utf8').trim().split('\n');
    expect(argv).toHaveLength(4);
    expect(argv[0]).toMatch(/^-h cass-1 -p 7199 -u cassandra -pwf \S+ snapshot -t before-3.4 kong$/);
    expect(argv[3]).toMatch(/^-h cass-2 -p 7299 .* listsnapshots$/);
    expect(argv.join('\n')).not.toContain('jmx-secret-99');

    const steps = cassandraRestoreSteps(manifest).join('\n');
    expect(steps).toContain('nodetool refresh kong <table>');
    expect(steps).toContain('nodetool clearsnapshot -t before-3.4 -- kong');
  });

  it('an unreachable node fails naming cassandra-hosts and leaves no manifest', async () => {
    const fake = writeFakeNodetool(path.join(work, 'down'));
    const backupDir = path.join(work, 'down', 'backups');
    const error = await snapshotCassandra({ nodes: [{ host: 'cass-1', port: 7199 }, { host: 'down-2', port: 7199 }], keyspace: 'kong', tag: 't1', nodetool: fake.path, backupDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpgradeError);
    expect((error as UpgradeError).origin).toEqual({ input: 'cassandra-hosts' });
    expect((error as Error).message).toMatch(/down-2:7199.*Failed to connect/);
    expect(readdirSync(backupDir)).toEqual([]);

    const ks = await snapshotCassandra({ nodes: [{ host: 'cass-1', port: 7199 }], keyspace: 'nokong', nodetool: fake.path, backupDir }).catch((e: unknown) => e);
    expect((ks as UpgradeError).origin).toEqual({ input: 'cassandra-keyspace' });
  });

  it('parses 4.1-style listings with creation and expiration columns', () => {
    const text = [
      'Snapshot Details: ',
      'Snapshot name Keyspace name Column family name True size Size on disk Creation time            Expiration time',
      'pre-up        kong          routes             1.2 KiB   5.81 KiB     2024-05-01T10:00:00.000Z                ',
      '',
      'Total TrueDiskSpaceUsed: 1.2 KiB',
      '',
    ].join('\n');
    expect(parseListSnapshots(text)).toEqual({ rows: [{ snapshot: 'pre-up', keyspace: 'kong', table: 'routes', trueSize: '1.2 KiB', sizeOnDisk: '5.81 KiB' }], total: '1.2 KiB' });
    expect(parseListSnapshots('Snapshot Details: \nThere are no snapshots\n')).toEqual({ rows: [], total: null });
  });
});
