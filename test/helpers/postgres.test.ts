import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startPostgres } from './postgres.js';

const execFileAsync = promisify(execFile);

describe('startPostgres', () => {
  it('starts a throwaway cluster with password auth and removes it on stop', async () => {
    const started = performance.now();
    const server = await startPostgres();
    const startMs = performance.now() - started;
    let dataDir = '';
    try {
      expect(server.host).toBe('127.0.0.1');
      expect(server.url).toBe(`postgres://${server.user}:${server.password}@127.0.0.1:${server.port}/${server.database}`);

      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      try {
        const version = await client.query<{ version: string }>('SELECT version()');
        expect(version.rows[0]?.version).toMatch(/^PostgreSQL \d+/);
        const dir = await client.query<{ data_directory: string }>('SHOW data_directory');
        dataDir = dir.rows[0]!.data_directory;
        const listen = await client.query<{ listen_addresses: string }>('SHOW listen_addresses');
        expect(listen.rows[0]?.listen_addresses).toBe('127.0.0.1');
      } finally {
        await client.end();
      }

      // Password auth is really on: a wrong password is refused.
      const wrong = new pg.Client({ ...connection(server), password: 'wrong' });
      await expect(wrong.connect()).rejects.toThrow(/password authentication failed/);

      // The client binaries work with the environment it hands out (PGPASSWORD, not argv).
      await server.createDatabase('second');
      const { stdout } = await execFileAsync(
        path.join(server.bindir, 'psql'),
        ['-d', 'second', '-Atc', 'SELECT current_database()'],
        { env: { ...process.env, ...server.env } },
      );
      expect(stdout.trim()).toBe('second');
    } finally {
      await server.stop();
    }
    expect(dataDir).not.toBe('');
    expect(existsSync(path.dirname(dataDir))).toBe(false);
    await server.stop(); // a second stop is harmless
    // Generous for a loaded CI machine; typically about a second.
    expect(startMs).toBeLessThan(20_000);
  });

  it('runs two clusters side by side on different ports', async () => {
    const [a, b] = await Promise.all([startPostgres({ database: 'postgres' }), startPostgres()]);
    try {
      expect(a.port).not.toBe(b.port);
      expect(a.database).toBe('postgres');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

function connection(server: { host: string; port: number; user: string; database: string }) {
  return { host: server.host, port: server.port, user: server.user, database: server.database };
}
