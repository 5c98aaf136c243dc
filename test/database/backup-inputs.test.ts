// backup-db's inputs and failures each name the input to change and what it accepts.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBackupRequest } from '../../src/database/backup-request.js';
import { encryptFiles } from '../../src/database/encryption.js';
import { targetFromInputs } from '../../src/database/postgres/connect.js';
import { backupPostgres } from '../../src/database/postgres/dump.js';
import { UpgradeError } from '../../src/lib/errors.js';
import type { InputSource } from '../../src/lib/inputs.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { withClient } from '../kong-sim/helpers.js';
import { createKongDatabase, rejection } from './kong-db.js';

const inputs = (values: Record<string, string>): InputSource => ({ get: (name) => values[name] ?? '', mask: () => {} });

/** The error readBackupRequest throws for these inputs. */
function refusal(values: Record<string, string>): UpgradeError {
  try {
    readBackupRequest(inputs(values), { RUNNER_TEMP: os.tmpdir() });
  } catch (error) {
    expect(error).toBeInstanceOf(UpgradeError);
    return error as UpgradeError;
  }
  throw new Error(`accepted ${JSON.stringify(values).slice(0, 200)}`);
}

const DB = { 'database-url': 'postgres://kong:secret@127.0.0.1:5432/kong' };

describe('backup-db inputs', () => {
  it('a multi-line encryption-passphrase is refused (gpg would encrypt with its first line alone), in every mode', () => {
    for (const mode of ['backup', 'verify', 'restore']) {
      const error = refusal({ ...DB, mode, manifest: '/tmp/m.json', encryption: 'gpg-symmetric', 'encryption-passphrase': 'first line of it\nsecond line of it' });
      expect(error.origin, mode).toEqual({ input: 'encryption-passphrase' });
      expect(error.message).toMatch(/gpg reads only the first line/);
      expect(error.message).not.toContain('second line');
    }
  });

  it('encryptFiles refuses a multi-line passphrase too, before gpg runs', async () => {
    const error = await rejection(encryptFiles(['/nonexistent/file'], { method: 'gpg-symmetric', passphrase: 'one line\r\nand another' }));
    expect(error.origin).toEqual({ input: 'encryption-passphrase' });
  });

  it('kong-version must be a Kong version or release line', () => {
    const error = refusal({ ...DB, 'kong-version': '$(id)' });
    expect(error.origin).toEqual({ input: 'kong-version' });
    expect(error.message).toMatch(/"\$\(id\)" is not a Kong version; accepted forms: 3\.4\.2 \(OSS\)/);
    for (const good of ['3.4.2', '3.4.3.5', '3.4']) {
      const request = readBackupRequest(inputs({ ...DB, 'kong-version': good }), {});
      expect(request.mode === 'backup' && request.kongVersion).toBe(good);
    }
    expect(refusal({ mode: 'cassandra-snapshot', 'cassandra-hosts': 'c1', 'kong-version': 'latest' }).origin).toEqual({ input: 'kong-version' });
  });

  it('a 100 KB backup-dir, a name longer than 255 bytes, a newline in a path: refused naming the input, the message short', () => {
    const huge = refusal({ ...DB, 'backup-dir': `/tmp/${'a/'.repeat(50_000)}` });
    expect(huge.origin).toEqual({ input: 'backup-dir' });
    expect(huge.message).toMatch(/is 100005 bytes long; expected a path of at most 4096 bytes/);
    expect(huge.message.length).toBeLessThan(300);
    const name = refusal({ ...DB, 'backup-dir': `/tmp/${'n'.repeat(300)}` });
    expect(name.message).toMatch(/has a name of 300 bytes/);
    expect(name.message.length).toBeLessThan(300);
    expect(refusal({ ...DB, 'backup-dir': '/tmp/a\n::warning::b' }).message).toMatch(/^input 'backup-dir': "\/tmp\/a\\n::warning::b" holds a control character/);
    expect(refusal({ mode: 'verify', manifest: `/tmp/${'m'.repeat(5000)}` }).origin).toEqual({ input: 'manifest' });
  });
});

describe('backup failures name the input', () => {
  let server: PostgresServer;
  let work: string;
  beforeAll(async () => {
    server = await startPostgres({ database: 'postgres' });
    await createKongDatabase(server, 'kong');
    work = mkdtempSync(path.join(os.tmpdir(), 'backup-inputs-'));
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('a role that may not read a Kong table: pg-user, with the table, whichever of pg_dump and the fingerprint meets it first', async () => {
    // INSERT only: the table shows in information_schema (so the fingerprint reads it) but cannot be read.
    await withClient(server, 'kong', (c) => c.query("CREATE ROLE reader LOGIN PASSWORD 'reader-pass'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader; REVOKE SELECT ON keyauth_credentials FROM reader; GRANT INSERT ON keyauth_credentials TO reader"));
    const source = targetFromInputs({ host: server.host, port: server.port, user: 'reader', password: 'reader-pass', database: 'kong', sslmode: 'disable' }, false);
    const backupDir = path.join(work, 'denied');
    const error = await rejection(backupPostgres({ source, backupDir, format: 'custom', jobs: 1, compression: 'auto', binDir: server.bindir }));
    expect(error.origin).toEqual({ input: 'pg-user' });
    expect(error.message).toMatch(/role "reader" may not read every Kong table \(permission denied for table keyauth_credentials/);
    expect(readdirSync(backupDir)).toEqual([]);
  });
});
