// bench/backup: our backup and restore against bare pg_dump / pg_restore on a ≥ 1 GB Kong-shaped
// database (issue 5, "Must show"). Not part of the test suite (it takes minutes):
//
//   bash scripts/test.sh --setup-only && export PATH=$PWD/.tools/node24/node_modules/.bin:$PATH
//   node scripts/build.mjs
//   node bench/backup.mjs            # BENCH_GB=1 (target size), ROUNDS=3, BENCH_KEEP=1 keeps the dumps (the server stops with the script),
//                                    # BENCH_DIST=<path of a backup-db index.js> (default dist/backup-db)
//                                    # BENCH_ONLY=c: only the restore comparison (its backups still made); =a, =ab, =d …
//                                    # BENCH_DIST_BASE=<index.js>: (c) also runs this build each round,
//                                    #   so a change is measured against its base under the same load
//
// The database: Kong's tables from the simulated `kong migrations bootstrap` (test/kong-sim),
// filled by the test bed's generator (test/kong-sim/seed/generate.mjs, seedKongDatabase with
// targetBytes): services, routes, consumers, plugins with JSON configs, key-auth and basic-auth
// credentials, upstreams/targets, certificates/SNIs over three workspaces, plus rate-limiting
// counters (about half the bytes, as on a busy node; not fingerprinted).
//
// The machine is shared (other developers run tests): every comparison runs ROUNDS (default 3)
// times interleaved, bare then ours, and prints each round, the median of the per-round ratios,
// the ratio of the best times, the spread of the bare tool's times and the load average, so
// noise shows instead of hiding in one number.
//
// (a) our backup (dump + checksums + fingerprint + manifest, the bundled action) vs bare pg_dump,
//     same format and settings: target ≤ 1.05
// (b) our backup with default settings vs the naive `pg_dump -Fc`: target ≤ 0.5× the time
// (c) our restore vs bare pg_restore (≤ 1.05), and jobs 2 vs 1
// (d) our backup to object storage vs our local backup, same settings (-Fc gzip:1): the upload's
//     cost (issue 17, target ≤ 1.1 on loopback), against two stores in their own processes on
//     loopback, sharing the two cores: a lean endpoint (bench/s3-sink.mjs: each part's SHA-256
//     checked, the part written and synced, completion a list) for the upload's own cost, and the
//     tests' S3 server (fauxqs), whose own work on completion (every part hashed again and joined
//     into a second copy, after the last part) shows beside it, measured.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const { startPostgres } = await import('../test/helpers/postgres.ts');
const { seedKongDatabase } = await import('../test/kong-sim/seed/generate.mjs');
const { startS3Server } = await import('../test/helpers/s3-server.ts');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const targetGb = Number(process.env.BENCH_GB ?? '1');
const rounds = Number(process.env.ROUNDS ?? '3');
const only = process.env.BENCH_ONLY;
const baseDist = process.env.BENCH_DIST_BASE;
const work = mkdtempSync(path.join(os.tmpdir(), 'bench-backup-'));
const server = await startPostgres({
  database: 'postgres',
  settings: { shared_buffers: "'256MB'", max_wal_size: "'4GB'", checkpoint_timeout: "'30min'", maintenance_work_mem: "'256MB'" },
});
const env = { ...process.env, ...server.env };
const bin = (name) => path.join(server.bindir, name);
const url = (db) => `postgres://${server.user}:${server.password}@${server.host}:${server.port}/${db}?sslmode=disable`;
const psql = (db, sql) => execFileSync(bin('psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', db, '-At', '-c', 'SET client_min_messages = warning', '-c', sql], { env, encoding: 'utf8' }).trim();

function time(label, fn) {
  const start = process.hrtime.bigint();
  const result = fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`  ${label.padEnd(58)} ${seconds.toFixed(2).padStart(7)} s   load ${os.loadavg()[0].toFixed(2)}${typeof result === 'string' ? `   ${result}` : ''}`);
  return seconds;
}
const median = (values) => { const s = [...values].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
/** Interleaved rounds of bare and ours; ratios of ours to bare. */
async function compare(title, bareRun, oursRun) {
  console.log(`\n${title}`);
  const bare = [];
  const ours = [];
  let sizes;
  for (let i = 0; i < rounds; i++) {
    const b = await bareRun(i);
    const o = await oursRun(i);
    bare.push(b.s);
    ours.push(o.s);
    sizes = { ours: o.size, bare: b.size };
    console.log(`    round ${i + 1}: ratio ${(o.s / b.s).toFixed(3)}`);
  }
  const ratios = ours.map((o, i) => o / bare[i]);
  const spread = (Math.max(...bare) - Math.min(...bare)) / median(bare);
  return { median: median(ratios), best: Math.min(...ours) / Math.min(...bare), spread, bare: median(bare), ours: median(ours), sizes };
}
function run(command, args, extraEnv = {}) {
  const result = spawnSync(command, args, { env: { ...env, ...extraEnv }, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}${result.stdout.slice(-2000)}`);
  return result.stdout;
}
function sizeOf(p) {
  const info = statSync(p);
  if (!info.isDirectory()) return info.size;
  return readdirSync(p, { recursive: true }).map((f) => statSync(path.join(p, f))).filter((s) => s.isFile()).reduce((a, s) => a + s.size, 0);
}
const mb = (bytes) => `${(bytes / 1048576).toFixed(0)} MB`;
let lastOutput = '';
/** The bundled action, as the runner runs it (node + INPUT_* variables + file commands). */
function action(inputs, dist = process.env.BENCH_DIST ?? path.join(root, 'dist/backup-db/index.js'), extraEnv = {}) {
  const files = path.join(work, `gh-${Math.random().toString(16).slice(2)}`);
  mkdirSync(files);
  const ghEnv = { GITHUB_OUTPUT: path.join(files, 'out'), GITHUB_STEP_SUMMARY: path.join(files, 'summary'), RUNNER_TEMP: files };
  for (const f of [ghEnv.GITHUB_OUTPUT, ghEnv.GITHUB_STEP_SUMMARY]) writeFileSync(f, '');
  const inputEnv = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, String(v)]));
  const out = run(process.execPath, [dist], { ...inputEnv, ...ghEnv, ...extraEnv, PATH: `${server.bindir}:${process.env.PATH}` });
  lastOutput = out;
  if (/^::error/m.test(out)) throw new Error(out);
  return /Fingerprint read[^\n]*/.exec(out)?.[0] ?? '';
}

try {
  console.log(`PostgreSQL ${psql('postgres', 'SHOW server_version')} on ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; building a Kong-shaped database of ≥ ${targetGb} GB …`);
  psql('postgres', 'CREATE DATABASE kong');
  run(process.execPath, [path.join(root, 'test/kong-sim/bin/kong'), 'migrations', 'bootstrap'], {
    KONG_PG_HOST: server.host, KONG_PG_PORT: String(server.port), KONG_PG_USER: server.user, KONG_PG_PASSWORD: server.password, KONG_PG_DATABASE: 'kong', KONG_SIM_VERSION: '3.4.2',
  });
  const seeded = await seedKongDatabase({ host: server.host, port: server.port, user: server.user, password: server.password, database: 'kong' }, { targetBytes: targetGb * 1024 ** 3, workspaces: 2 });
  console.log(`  seeding ${seeded.seconds.toFixed(1)} s: ${Object.entries(seeded.counts).map(([t, n]) => `${t} ${n}`).join(', ')}`);
  psql('kong', 'VACUUM ANALYZE');
  const dbSize = Number(psql('kong', "SELECT pg_database_size('kong')"));
  console.log(`database kong: ${mb(dbSize)}`);
  run(bin('pg_dump'), ['-Fc', '-Z', '0', '-f', path.join(work, 'warm.dump'), '-d', 'kong']); // warm the cache alike for all
  rmSync(path.join(work, 'warm.dump'));

  const fresh = (name) => { rmSync(path.join(work, name), { recursive: true, force: true }); mkdirSync(path.join(work, name)); return path.join(work, name); };
  const ours = (name, extra) => { const dir = fresh(name); const s = time(`ours ${JSON.stringify(extra)}`, () => action({ 'database-url': url('kong'), 'backup-dir': dir, 'pg-bin-dir': server.bindir, ...extra })); const folder = path.join(dir, readdirSync(dir)[0]); return { s, size: sizeOf(path.join(folder, readdirSync(folder).find((f) => f.startsWith('kong.'))) ), manifest: path.join(folder, 'manifest.json') }; };
  const bare = (label, args, file) => { rmSync(file, { recursive: true, force: true }); const s = time(label, () => run(bin('pg_dump'), [...args, '-f', file, '-d', 'kong'])); return { s, size: sizeOf(file) }; };

  const bareBesideFingerprint = async (file) => {
    rmSync(file, { force: true });
    const { default: pg } = await import('pg');
    const { readEntityFacts, SCAN_SETTINGS } = await import('../build/database/postgres/fingerprint.js');
    const client = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: 'kong' });
    await client.connect();
    await client.query(SCAN_SETTINGS.join('; '));
    const start = process.hrtime.bigint();
    const dump = new Promise((resolve, reject) => {
      const child = spawn(bin('pg_dump'), ['-Fc', '-Z', '1', '-f', file, '-d', 'kong'], { env, stdio: 'ignore' });
      child.on('error', reject).on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pg_dump exited ${code}`))));
    });
    await Promise.all([dump, readEntityFacts(client)]);
    const s = Number(process.hrtime.bigint() - start) / 1e9;
    await client.end();
    console.log(`  ${'bare pg_dump -Fc -Z 1 + fingerprint scan beside'.padEnd(58)} ${s.toFixed(2).padStart(7)} s   load ${os.loadavg()[0].toFixed(2)}`);
    return { s, size: sizeOf(file) };
  };
  const skipped = { median: NaN, best: NaN, spread: NaN, bare: NaN, ours: NaN, sizes: { ours: 0, bare: 0 } };
  const wanted = (part) => !only || only.includes(part);
  const a1 = wanted('a') ? await compare('(a) our backup vs bare pg_dump, same format and settings: -Fc, gzip:1',
    () => bare('bare pg_dump -Fc -Z 1', ['-Fc', '-Z', '1'], path.join(work, 'bare-z1.dump')),
    () => ours('ours-z1', { compression: 'gzip:1' })) : (bare('bare pg_dump -Fc -Z 1 (for c)', ['-Fc', '-Z', '1'], path.join(work, 'bare-z1.dump')), skipped);
  const a2 = wanted('a') ? await compare('(a) our backup vs bare pg_dump, same format and settings: -Fd -j 2, gzip:1',
    () => bare('bare pg_dump -Fd -j 2 -Z 1', ['-Fd', '-j', '2', '-Z', '1'], path.join(work, 'bare-dir')),
    () => ours('ours-dir', { format: 'directory', jobs: 2, compression: 'gzip:1' })) : skipped;
  // The manifest's fingerprint must be read in the dump's snapshot while pg_dump runs. Here the
  // server shares pg_dump's two cores, so that scan alone slows pg_dump: measured by running the
  // product's own fingerprint code (build/) beside a bare pg_dump, no action involved. Ours over
  // that is what the action adds beyond what the issue's guarantee costs on this machine.
  const a3 = wanted('a') ? await compare('(a) our backup vs bare pg_dump -Fc -Z 1 with the fingerprint scan beside it (no action)',
    () => bareBesideFingerprint(path.join(work, 'bare-fp.dump')),
    () => ours('ours-z1', { compression: 'gzip:1' })) : skipped;
  const b = wanted('b') ? await compare('(b) our default vs the naive pg_dump -Fc',
    () => bare('naive pg_dump -Fc', ['-Fc'], path.join(work, 'naive.dump')),
    () => ours('ours-default', {})) : skipped;
  /**
   * (d): the same backup into a bucket on loopback, against ours into a folder. Each round: local,
   * then the tests' S3 server (fauxqs), then the lean endpoint (bench/s3-sink.mjs). Beside the wall
   * time: the CPU time of the action and pg_dump (this process's waited-for children,
   * /proc/self/stat cutime + cstime), the store's CPU (/proc/<pid>/stat) and how long the store
   * took to join the parts once the last was sent (the action logs it). Here the store shares the
   * runner's two cores, which a real store does not: the lean endpoint's ratio is the upload's
   * cost; fauxqs's adds fauxqs's own work (an MD5 of every part on arrival and again on completion,
   * the parts joined into a second copy of the object, written after the last part).
   */
  const childCpu = () => { const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' '); return (Number(f[13]) + Number(f[14])) / 100; };
  const processCpu = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) / 100; };
  async function startSink() {
    const dir = mkdtempSync(path.join(work, 's3-sink-'));
    const child = spawn(process.execPath, [path.join(root, 'bench/s3-sink.mjs'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise((resolve, reject) => { child.stdout.once('data', (line) => resolve(Number(String(line).trim()))); child.once('exit', (code) => reject(new Error(`s3-sink exited ${code}`))); });
    const stopped = new Promise((resolve) => child.once('exit', resolve));
    return { endpoint: `http://127.0.0.1:${port}`, pid: child.pid, dir, stop: () => { child.kill('SIGTERM'); return stopped; } };
  }
  const storeRuns = { local: [], fauxqs: [], sink: [] };
  async function compareObjectStorage() {
    console.log('\n(d) our backup to object storage (S3 API on loopback) vs ours to a folder, -Fc gzip:1');
    const fauxqs = await startS3Server();
    const sink = await startSink();
    try {
      const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
      const client = new S3Client({ endpoint: fauxqs.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
      await client.send(new CreateBucketCommand({ Bucket: 'bench' }));
      client.destroy();
      const aws = { AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench-secret', AWS_REGION: 'us-east-1' };
      const stores = [
        // fauxqs keeps bodies in files, read on demand: removed after each round to free the disk.
        { name: 'fauxqs', label: 'ours to fauxqs (the tests\' S3 server)', endpoint: fauxqs.endpoint, pid: fauxqs.daemon.child.pid, clear: (i) => rmSync(path.join(fauxqs.dir, 'buckets', 'bench', 'objects', `round-${i}`), { recursive: true, force: true }) },
        { name: 'sink', label: 'ours to the lean endpoint (bench/s3-sink.mjs)', endpoint: sink.endpoint, pid: sink.pid, clear: () => { for (const f of readdirSync(sink.dir)) rmSync(path.join(sink.dir, f)); } },
      ];
      for (let i = 0; i < rounds; i++) {
        const before = childCpu();
        const local = ours('ours-local', { compression: 'gzip:1' });
        storeRuns.local.push({ s: local.s, cpu: childCpu() - before });
        for (const store of stores) {
          const cpuBefore = childCpu();
          const serverBefore = processCpu(store.pid);
          const s = time(store.label, () => action({ 'database-url': url('kong'), 'object-storage': `s3://bench/round-${i}`, 's3-endpoint': store.endpoint, 's3-force-path-style': true, 'pg-bin-dir': server.bindir, compression: 'gzip:1' }, undefined, aws));
          const joined = Number(/it joined them in ([\d.]+) s/.exec(lastOutput)?.[1]);
          const run = { s, cpu: childCpu() - cpuBefore, serverCpu: processCpu(store.pid) - serverBefore, joined };
          storeRuns[store.name].push(run);
          store.clear(i);
          console.log(`    ratio ${(s / local.s).toFixed(3)}; CPU: action + pg_dump ${run.cpu.toFixed(2)} s (local ${storeRuns.local.at(-1).cpu.toFixed(2)}), the store ${run.serverCpu.toFixed(2)} s; the store joined the parts in ${joined.toFixed(2)} s`);
        }
      }
    } finally {
      await sink.stop();
      await fauxqs.stop();
    }
    const summary = (name) => {
      const ratios = storeRuns[name].map((r, i) => r.s / storeRuns.local[i].s);
      const m = (key, runs = storeRuns[name]) => median(runs.map((r) => r[key]));
      return `median ${median(ratios).toFixed(3)}, best/best ${(Math.min(...storeRuns[name].map((r) => r.s)) / Math.min(...storeRuns.local.map((r) => r.s))).toFixed(3)}; medians: ${m('s').toFixed(2)} s, CPU action + pg_dump ${m('cpu').toFixed(2)} s (local ${m('cpu', storeRuns.local).toFixed(2)}), store CPU ${m('serverCpu').toFixed(2)} s, joining ${m('joined').toFixed(2)} s`;
    };
    return { fauxqs: summary('fauxqs'), sink: summary('sink'), local: median(storeRuns.local.map((r) => r.s)) };
  }
  const d = wanted('d') ? await compareObjectStorage() : undefined;
  const keep = ours('ours-z1', { compression: 'gzip:1' });

  if (wanted('c')) console.log('\n(c) our restore vs bare pg_restore');
  // Each restore starts from a clean server: the previous one's database dropped and its dirty
  // pages written (CHECKPOINT, untimed), so one run's writes and autovacuum do not land in the next.
  const settle = () => { for (const db of ['bare_restore', 'ours_restore', 'base_restore']) psql('postgres', `DROP DATABASE IF EXISTS ${db}`); psql('postgres', 'CHECKPOINT'); };
  const restoreBare = (jobs) => { settle(); psql('postgres', 'CREATE DATABASE bare_restore'); return time(`bare pg_restore${jobs > 1 ? ` -j ${jobs}` : ''}`, () => run(bin('pg_restore'), ['--no-owner', '--no-acl', '--exit-on-error', ...(jobs > 1 ? ['-j', String(jobs)] : []), '-d', 'bare_restore', path.join(work, 'bare-z1.dump')])); };
  const restoreOurs = (jobs, dist, label = 'ours') => { settle(); return time(`${label} restore${jobs > 1 ? ` jobs ${jobs}` : ''}`, () => action({ mode: 'restore', manifest: keep.manifest, 'target-database-url': url(`${label}_restore`), 'pg-bin-dir': server.bindir, jobs }, dist)); };
  const rb1 = [], ro1 = [], rb2 = [], ro2 = [], rx1 = [], rx2 = [];
  for (let i = 0; i < (wanted('c') ? rounds : 0); i++) {
    for (const [jobs, rb, ro, rx] of [[1, rb1, ro1, rx1], [2, rb2, ro2, rx2]]) {
      rb.push(restoreBare(jobs));
      // With a base build, ours and base alternate which goes first.
      if (baseDist && i % 2 === 1) rx.push(restoreOurs(jobs, baseDist, 'base'));
      ro.push(restoreOurs(jobs));
      if (baseDist && i % 2 === 0) rx.push(restoreOurs(jobs, baseDist, 'base'));
    }
  }
  settle();
  const line = (label, r, target) => `  ${label.padEnd(40)} median ${r.median.toFixed(3)}, best/best ${r.best.toFixed(3)}${target ? `   (target ${target})` : ''}   bare spread ${(r.spread * 100).toFixed(0)}%   sizes ours ${mb(r.sizes.ours)}, bare ${mb(r.sizes.bare)}`;
  const ratio = (o, b) => ({ median: median(o.map((x, i) => x / b[i])), best: Math.min(...o) / Math.min(...b), spread: (Math.max(...b) - Math.min(...b)) / median(b) });
  const c1 = ratio(ro1, rb1);
  const c2 = ratio(ro2, rb2);
  console.log(`
Results (database ${mb(dbSize)}, ${rounds} interleaved rounds each; ratios are ours / bare tool; load now ${os.loadavg()[0].toFixed(2)}):
${wanted('a') ? `${line('(a) ours / bare pg_dump -Fc -Z 1', a1, '≤ 1.05')}\n${line('(a) ours / bare pg_dump -Fd -j 2 -Z 1', a2, '≤ 1.05')}\n${line('(a) ours / bare -Fc -Z 1 + fingerprint beside', a3)}\n      the fingerprint scan alone slows bare pg_dump here by ${(a3.bare / a1.bare).toFixed(3)}× (medians ${a3.bare.toFixed(2)} vs ${a1.bare.toFixed(2)} s)\n` : ''}${wanted('b') ? `${line('(b) ours default / naive pg_dump -Fc', b, '≤ 0.5')}\n` : ''}${d ? `  (d) ours to object storage / ours local (local median ${d.local.toFixed(2)} s):\n      lean endpoint (the upload's cost; target ≤ 1.1)  ${d.sink}\n      fauxqs (with fauxqs's own work)               ${d.fauxqs}\n` : ''}${wanted('c') ? `  (c) ours restore / bare pg_restore         median ${c1.median.toFixed(3)}, best/best ${c1.best.toFixed(3)}   (target ≤ 1.05)   bare spread ${(c1.spread * 100).toFixed(0)}%
      with jobs 2                            median ${c2.median.toFixed(3)}, best/best ${c2.best.toFixed(3)}
${baseDist ? `      base build (BENCH_DIST_BASE) / bare    median ${ratio(rx1, rb1).median.toFixed(3)}, best/best ${ratio(rx1, rb1).best.toFixed(3)}; with jobs 2 median ${ratio(rx2, rb2).median.toFixed(3)}, best/best ${ratio(rx2, rb2).best.toFixed(3)}\n` : ''}      restore jobs 2 / jobs 1: ours ${(median(ro2) / median(ro1)).toFixed(3)}, bare ${(median(rb2) / median(rb1)).toFixed(3)}
  medians in seconds: restore bare ${median(rb1).toFixed(2)}, ours ${median(ro1).toFixed(2)}${baseDist ? `, base ${median(rx1).toFixed(2)}` : ''}; jobs 2 bare ${median(rb2).toFixed(2)}, ours ${median(ro2).toFixed(2)}${baseDist ? `, base ${median(rx2).toFixed(2)}` : ''}` : ''}${only ? '' : `\n  medians in seconds: bare -Fc -Z1 ${a1.bare.toFixed(2)}, ours ${a1.ours.toFixed(2)}; bare -Fd -j2 ${a2.bare.toFixed(2)}, ours ${a2.ours.toFixed(2)}; naive -Fc ${b.bare.toFixed(2)}, ours default ${b.ours.toFixed(2)}`}`);
} finally {
  if (!process.env.BENCH_KEEP) {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  } else console.log(`kept: ${work}, ${url('kong')}`);
}
