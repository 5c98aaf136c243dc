// Benchmark of the Kong dataset generator (test/kong-sim/seed/generate.mjs): seeds fresh Kong
// databases (tables from the kong-sim migrations at 3.4.2) to each target size and prints rows,
// rows/second, MB/second and the size reached.
//
// Run: node bench/seed.mjs [sizes in MB, default "100 1024"]
//   DATABASE_URL=postgres://… node bench/seed.mjs 100   — use an existing server (a database is
//   created per size on it, and dropped after); otherwise a throwaway cluster is started
//   (test/helpers/postgres.ts, durability off like the tests).
import pg from 'pg';
import { startPostgres } from '../test/helpers/postgres.ts';
import { createKongSchema } from '../test/kong-sim/seed/schema.mjs';
import { seedKongDatabase } from '../test/kong-sim/seed/generate.mjs';

const sizesMb = (process.argv.slice(2).length ? process.argv.slice(2) : ['100', '1024']).map(Number);

let server;
let adminUrl = process.env.DATABASE_URL;
if (!adminUrl) {
  server = await startPostgres({ database: 'postgres', settings: { shared_buffers: '128MB', max_wal_size: '4GB', checkpoint_timeout: '30min' } });
  adminUrl = server.url;
}
const dbUrl = (name) => {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
};

const admin = new pg.Client(adminUrl);
await admin.connect();
const rows = [];
try {
  for (const mb of sizesMb) {
    const name = `kong_seed_bench_${mb}`;
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
    try {
      const client = new pg.Client(dbUrl(name));
      await client.connect();
      await createKongSchema(client, { version: '3.4.2' });
      await client.end();
      const result = await seedKongDatabase(dbUrl(name), { targetBytes: mb * 1024 * 1024, seed: 1 });
      const total = Object.values(result.counts).reduce((a, b) => a + b, 0);
      rows.push({
        target: `${mb} MB`,
        reached: `${(result.bytes / 1024 / 1024).toFixed(0)} MB`,
        rows: total,
        services: result.counts.services,
        seconds: result.seconds.toFixed(1),
        'rows/s': Math.round(total / result.seconds),
        'MB/s': (result.bytes / 1024 / 1024 / result.seconds).toFixed(1),
      });
      console.log(JSON.stringify(rows.at(-1)));
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    }
  }
} finally {
  await admin.end();
  await server?.stop();
}
console.table(rows);
