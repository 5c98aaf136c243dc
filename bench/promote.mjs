// promote, per backend, side by side in one run: the bundled action (dist/promote/index.js, run
// as the runner runs it) moves traffic blue → green in a canary while a keep-alive load runs
// through the front; reported per backend: requests during the switch, transport errors, 5xx,
// and the time from the last gate passing to 100% green (target ≤ 2 s).
//
// nginx-ssh: nginx on a host of its own (a network namespace, as root), driven over SSH, in
// 8 switches (8 reloads: BENCH_SSH_STEPS); the load crosses a veth link. Several clients run at
// once through the same reloads, one row each: keep-alive; keep-alive retrying a GET once when
// the connection closed before any response byte (RFC 9112 §9.3.1); no keep-alive (a server
// block with keepalive_timeout 0); with an nginx of 1.27.4 or later (BENCH_NGINX), keep-alive
// to a server block with keepalive_min_timeout. Each row says how many of its transport errors
// fell within a reload (a step's apply, + 1 s).
//
//   PATH=/tmp/n24/node_modules/.bin:$PATH node scripts/build.mjs
//   PATH=/tmp/n24/node_modules/.bin:$PATH node bench/promote.mjs
//        BENCH_STEPS=10,25,50,100  BENCH_PAUSE=2s  BENCH_INTERVAL=500ms  BENCH_CONNECTIONS=32
//        BENCH_BACKENDS=haproxy,nginx,kong-upstream,nginx-ssh
//        BENCH_SSH_STEPS=12,25,37,50,62,75,87,100  BENCH_NGINX=/usr/sbin/nginx
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Pool } from 'undici';
import { startHaproxy } from '../test/helpers/haproxy.ts';
import { createNetwork, netnsUnavailable } from '../test/helpers/netns.ts';
import { startNginx, findNginx } from '../test/helpers/nginx.ts';
import { startPostgres } from '../test/helpers/postgres.ts';
import { sshKeyPair, startSshd } from '../test/helpers/sshd.ts';
import { pgEnv, runKong } from '../test/kong-sim/helpers.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STEPS = process.env.BENCH_STEPS ?? '10,25,50,100';
const PAUSE = process.env.BENCH_PAUSE ?? '2s';
const INTERVAL = process.env.BENCH_INTERVAL ?? '500ms';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const BACKENDS = (process.env.BENCH_BACKENDS ?? 'haproxy,nginx,kong-upstream,nginx-ssh').split(',');
const SSH_STEPS = process.env.BENCH_SSH_STEPS ?? '12,25,37,50,62,75,87,100';
const NGINX = findNginx(process.env.BENCH_NGINX);
const WS = '00000000-0000-4000-8000-000000000000';
const VERSION = '3.9.3';

const server = await startPostgres();
const conn = (database) => ({ host: server.host, port: server.port, user: server.user, password: server.password, database });
async function bootstrap(database) {
  await server.createDatabase(database);
  const r = await runKong(['migrations', 'bootstrap'], { ...pgEnv(server, database), KONG_SIM_VERSION: VERSION });
  if (r.exitCode !== 0) throw new Error(r.stderr);
  const pool = new pg.Pool({ ...conn(database), max: 2 });
  pool.on('error', () => {});
  await pool.query(`INSERT INTO workspaces (id, name) VALUES ($1, 'default') ON CONFLICT DO NOTHING`, [WS]);
  return pool;
}

const db = await bootstrap('kong_bench');
const front = await bootstrap('kong_bench_front');
const child = spawn(process.execPath, [path.join(root, 'test/traffic/clusters.mjs'), JSON.stringify({ pg: conn('kong_bench'), version: VERSION, front: true, frontPg: conn('kong_bench_front') })], { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = readline.createInterface({ input: child.stdout });
const replies = [];
let waiter;
lines.on('line', (line) => {
  replies.push(line);
  waiter?.();
});
const next = async () => {
  while (replies.length === 0) await new Promise((r) => (waiter = r));
  return replies.shift();
};
const info = JSON.parse(await next());
let seq = 0;
const send = async (cmd) => {
  child.stdin.write(`${JSON.stringify({ id: ++seq, ...cmd })}\n`);
  await next();
};
const host = (url) => new URL(url).host;
await db.query(`INSERT INTO services (id, name, host, port, path, protocol, ws_id) VALUES (gen_random_uuid(), 'app', '127.0.0.1', $1, '/', 'http', $2)`, [info.upstreamPort, WS]);
await db.query(`INSERT INTO routes (id, name, service_id, paths, protocols, strip_path, ws_id) SELECT gen_random_uuid(), 'app', id, ARRAY['/app'], ARRAY['http','https'], true, $1 FROM services WHERE name = 'app'`, [WS]);
await front.query(`INSERT INTO upstreams (id, name, slots, ws_id) VALUES (gen_random_uuid(), 'kong-clusters', 10000, $1)`, [WS]);
await front.query(`INSERT INTO targets (id, upstream_id, target, weight, ws_id) SELECT gen_random_uuid(), id, $1, 100, $3::uuid FROM upstreams UNION ALL SELECT gen_random_uuid(), id, $2, 0, $3::uuid FROM upstreams`, [host(info.blue.proxyUrl), host(info.green.proxyUrl), WS]);
await front.query(`INSERT INTO services (id, name, host, port, path, protocol, ws_id) VALUES (gen_random_uuid(), 'clusters', 'kong-clusters', 8000, '/', 'http', $1)`, [WS]);
await front.query(`INSERT INTO routes (id, name, service_id, paths, protocols, strip_path, ws_id) SELECT gen_random_uuid(), 'all', id, ARRAY['/'], ARRAY['http','https'], false, $1 FROM services WHERE name = 'clusters'`, [WS]);
await db.end();
await front.end();
for (const cluster of ['blue', 'green', 'front']) await send({ cluster, reload: true });

/** Runs dist/promote/index.js with INPUT_* variables; returns its outputs. */
function runPromote(inputs) {
  const temp = mkdtempSync(path.join(os.tmpdir(), 'bench-promote-'));
  const output = path.join(temp, 'output');
  writeFileSync(output, '');
  writeFileSync(path.join(temp, 'summary'), '');
  const env = { ...process.env, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: path.join(temp, 'summary'), RUNNER_TEMP: temp, GITHUB_ACTIONS: 'true' };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = String(v);
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(root, 'dist/promote/index.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    p.stdout.on('data', (c) => (stdout += c));
    p.stderr.on('data', (c) => (stdout += c));
    p.on('close', (code) => {
      const outputs = {};
      const text = readFileSync(output, 'utf8').split('\n');
      for (let i = 0; i < text.length; i++) {
        const m = /^([^=<]+)<<(.+)$/.exec(text[i]);
        if (!m) continue;
        const value = [];
        for (i++; text[i] !== m[2]; i++) value.push(text[i]);
        outputs[m[1]] = value.join('\n');
      }
      rmSync(temp, { recursive: true, force: true });
      resolve({ code, outputs, stdout });
    });
  });
}

/**
 * Keep-alive load through `origin` until stopped. With `retry`, a GET whose connection closed
 * before any response byte is sent once more at once (what browsers and Go's net/http do for
 * idempotent requests, RFC 9112 §9.3.1); counted in `retried`, and an error only if it fails again.
 */
function startLoad(origin, { retry = false } = {}) {
  const pool = new Pool(origin, { connections: CONNECTIONS, pipelining: 1 });
  const c = { requests: 0, status5xx: 0, non2xx: 0, transport: 0, codes: {}, green: 0, retried: 0, errorTimes: [] };
  let stop = false;
  const send = () => pool.request({ method: 'GET', path: '/app', signal: AbortSignal.timeout(5000) });
  const worker = async () => {
    while (!stop) {
      c.requests++;
      try {
        let r;
        try {
          r = await send();
        } catch (error) {
          // No response yet: nothing of the request was answered, and a GET may be sent again.
          if (!retry || !['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE'].includes(error.code)) throw error;
          c.retried++;
          r = await send();
        }
        await r.body.dump();
        if (r.statusCode >= 500) c.status5xx++;
        if (r.statusCode < 200 || r.statusCode >= 300) c.non2xx++;
        if (r.headers['x-kong-sim-cluster'] === 'green') c.green++;
      } catch (error) {
        c.transport++;
        c.errorTimes.push(Date.now());
        c.codes[error.code ?? error.name] = (c.codes[error.code ?? error.name] ?? 0) + 1;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  };
  const started = performance.now();
  const all = Promise.all(Array.from({ length: CONNECTIONS }, worker));
  return { c, async stop() { stop = true; await all; await pool.close(); c.ms = performance.now() - started; return c; } };
}

/** Whether `binary` is nginx 1.27.4 or later, which has keepalive_min_timeout (nginx/nginx 22a2a225b). */
function hasKeepaliveMinTimeout(binary) {
  const printed = spawnSync(binary, ['-v'], { encoding: 'utf8' });
  const [major = 0, minor = 0, patch = 0] = (/nginx\/(\d+)\.(\d+)\.(\d+)/.exec(`${printed.stderr}${printed.stdout}`) ?? []).slice(1).map(Number);
  return major > 1 || (major === 1 && (minor > 27 || (minor === 27 && patch >= 4)));
}

/**
 * nginx on a host of its own, over SSH: sshd and nginx in a network namespace, the clusters'
 * ports relayed to it. One server block per client kind (all on the same upstream include, so
 * all see the same reloads); returns the fronts and promote's inputs.
 */
async function nginxOverSsh() {
  const unavailable = netnsUnavailable();
  if (unavailable !== undefined) throw new Error(`nginx-ssh needs network namespaces: ${unavailable}`);
  const network = await createNetwork(1);
  const lb = network.hosts[0];
  await network.relay([Number(new URL(info.blue.proxyUrl).port), Number(new URL(info.green.proxyUrl).port)]);
  const blue = `${network.gateway}:${new URL(info.blue.proxyUrl).port}`;
  const green = `${network.gateway}:${new URL(info.green.proxyUrl).port}`;
  const key = sshKeyPair();
  const sshd = await startSshd(lb, key);
  const file = path.join(lb.root, 'kong-upstream.conf');
  writeFileSync(file, `server ${blue} max_fails=0;\nserver ${green} down max_fails=0;\n`);
  const minTimeout = hasKeepaliveMinTimeout(NGINX);
  // Ports of the extra server blocks: the namespace is fresh, nothing else listens there.
  const location = 'location / { proxy_pass http://kong; proxy_http_version 1.1; proxy_set_header Connection ""; }';
  const n = await startNginx({ binary: NGINX, netns: lb, httpConfig: `
  log_format promote '$status upstream_addr="$upstream_addr" upstream_status="$upstream_status"';
  upstream kong { include ${lb.onHost(file)}; keepalive 32; }
  server { listen {{HOST}}:{{PORT}}; access_log {{DIR}}/logs/promote.log promote; ${location} }
  server { listen {{HOST}}:18081; keepalive_timeout 0; access_log {{DIR}}/logs/promote.log promote; ${location} }
  ${minTimeout ? `server { listen {{HOST}}:18082; keepalive_min_timeout 1s; access_log {{DIR}}/logs/promote.log promote; ${location} }` : ''}` });
  const base = `http://${lb.address}`;
  const clients = [
    { label: 'keep-alive', origin: n.url },
    { label: 'keep-alive, GET retried once', origin: n.url, retry: true },
    { label: 'no keep-alive (keepalive_timeout 0)', origin: `${base}:18081` },
    ...(minTimeout ? [{ label: 'keep-alive, keepalive_min_timeout 1s', origin: `${base}:18082` }] : []),
  ];
  const inputs = {
    backend: 'nginx', steps: SSH_STEPS,
    'nginx-ssh-hosts': sshd.spec, 'nginx-ssh-key': key.privateKey, 'nginx-ssh-known-hosts': sshd.knownHosts,
    'nginx-binary': NGINX, 'nginx-conf': n.onHost(n.configPath), 'nginx-prefix': n.onHost(n.dir), 'nginx-upstream-file': lb.onHost(file),
    'nginx-server-params': 'max_fails=0', 'nginx-access-log': n.onHost(path.join(n.dir, 'logs/promote.log')), 'nginx-pid-file': n.onHost(n.pidFile),
    'blue-servers': blue, 'green-servers': green,
  };
  const version = /nginx\/\S+/.exec(spawnSync(NGINX, ['-v'], { encoding: 'utf8' }).stderr)?.[0] ?? NGINX;
  return { clients, inputs, label: `nginx-ssh (${version})`, cleanup: async () => { await n.stop(); await sshd.stop(); network.remove(); } };
}

const common = { 'green-proxy-url': info.green.proxyUrl, 'probe-paths': '/app', 'probe-requests': 20, 'min-samples': 50, steps: STEPS, pause: PAUSE, interval: INTERVAL, smoke: 'false' };
const results = [];
for (const backend of BACKENDS) {
  let clients;
  let inputs;
  let label = backend;
  let cleanup = async () => {};
  if (backend === 'haproxy') {
    const h = await startHaproxy({ servers: [{ name: 'blue', address: host(info.blue.proxyUrl), weight: 200 }, { name: 'green', address: host(info.green.proxyUrl), weight: 0 }] });
    clients = [{ label: 'keep-alive', origin: h.url }];
    inputs = { backend, 'haproxy-socket': h.socketPath, 'haproxy-config': h.configPath, 'haproxy-binary': h.binary, 'blue-servers': 'blue', 'green-servers': 'green' };
    cleanup = () => h.stop();
  } else if (backend === 'nginx') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-nginx-'));
    chmodSync(dir, 0o755);
    const file = path.join(dir, 'upstream.conf');
    writeFileSync(file, `server ${host(info.blue.proxyUrl)} max_fails=0;\nserver ${host(info.green.proxyUrl)} down max_fails=0;\n`);
    const n = await startNginx({ binary: NGINX, httpConfig: `
  log_format promote '$status upstream_addr="$upstream_addr" upstream_status="$upstream_status"';
  upstream kong { include ${file}; keepalive 32; }
  server { listen {{HOST}}:{{PORT}}; access_log {{DIR}}/logs/promote.log promote;
    location / { proxy_pass http://kong; proxy_http_version 1.1; proxy_set_header Connection ""; } }` });
    clients = [{ label: 'keep-alive', origin: n.url }];
    inputs = { backend, 'nginx-binary': NGINX, 'nginx-conf': n.configPath, 'nginx-prefix': n.dir, 'nginx-upstream-file': file, 'nginx-server-params': 'max_fails=0', 'nginx-access-log': path.join(n.dir, 'logs/promote.log'), 'nginx-pid-file': n.pidFile, 'blue-servers': host(info.blue.proxyUrl), 'green-servers': host(info.green.proxyUrl) };
    cleanup = async () => { await n.stop(); rmSync(dir, { recursive: true, force: true }); };
  } else if (backend === 'kong-upstream') {
    clients = [{ label: 'keep-alive', origin: info.front.proxyUrl }];
    inputs = { backend, 'front-admin-url': info.front.adminUrl, 'kong-upstream': 'kong-clusters', 'blue-servers': host(info.blue.proxyUrl), 'green-servers': host(info.green.proxyUrl) };
  } else if (backend === 'nginx-ssh') {
    ({ clients, inputs, label, cleanup } = await nginxOverSsh());
  } else {
    throw new Error(`unknown backend ${backend}`);
  }
  const loads = clients.map((client) => ({ ...client, load: startLoad(client.origin, client) }));
  await new Promise((r) => setTimeout(r, 300));
  const run = await runPromote({ ...common, ...inputs });
  // The Kong front follows target changes within its 200 ms refresh: let the last one land.
  await new Promise((r) => setTimeout(r, 400));
  const steps = run.outputs['steps-json'] ? JSON.parse(run.outputs['steps-json']) : {};
  // A step's change (its record starts once the change is applied, applyMs after it began) and
  // a second more: where a reload's closing of idle keep-alive connections would show.
  const windows = (steps.steps ?? []).filter((s) => s.applyMs > 0).map((s) => [Date.parse(s.startedAt) - s.applyMs - 100, Date.parse(s.startedAt) + 1000]);
  for (const { label: client, load } of loads) {
    const c = await load.stop();
    const inWindow = c.errorTimes.filter((t) => windows.some(([from, to]) => t >= from && t <= to)).length;
    results.push({ backend: label, client, changes: windows.length, exit: run.code, live: run.outputs.live, requests: c.requests, rate: Math.round(c.requests / (c.ms / 1000)), transport: c.transport, inWindow, codes: c.codes, retried: c.retried, status5xx: c.status5xx, non2xx: c.non2xx, green: c.green, lastGateToGreenMs: steps.lastGateToGreenMs });
  }
  if (run.code !== 0) console.error(run.stdout);
  await cleanup();
}

console.log(`\npromote bench: canary ${STEPS} (nginx-ssh: ${SSH_STEPS}), pause ${PAUSE}, interval ${INTERVAL}, ${CONNECTIONS} keep-alive connections per client, 2 simulated Kong clusters on loopback (nginx-ssh: across a veth link)\n`);
console.log('| backend | client | changes | exit | live | requests during switch | req/s | transport errors (in a reload) | retried | 5xx | non-2xx | answered by green | last gate → 100% green |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  const errors = `${r.transport}${r.transport ? ` (${r.inWindow}) ${JSON.stringify(r.codes)}` : ''}`;
  console.log(`| ${r.backend} | ${r.client} | ${r.changes} | ${r.exit} | ${r.live} | ${r.requests} | ${r.rate} | ${errors} | ${r.retried} | ${r.status5xx} | ${r.non2xx} | ${r.green} | ${r.lastGateToGreenMs} ms${r.lastGateToGreenMs <= 2000 ? '' : ' (over 2 s)'} |`);
}
child.stdin.end();
await new Promise((r) => child.once('exit', r));
await server.stop();
