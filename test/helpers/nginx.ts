import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { findBinary, startDaemon, tempDir } from './daemon.ts';
import type { NetnsHost } from './netns.ts';

const execFileAsync = promisify(execFile);

export interface NginxUpstreamServer {
  /** host:port of the backend, e.g. 127.0.0.1:8081 */
  readonly address: string;
  readonly weight?: number;
  readonly backup?: boolean;
  readonly down?: boolean;
}

export interface NginxOptions {
  /**
   * The `http { … }` block's contents. `{{HOST}}` is replaced by the listen address, `{{PORT}}`
   * by the listen port, `{{DIR}}` by the nginx directory. When absent, a proxy to `upstreams` is
   * generated.
   */
  readonly httpConfig?: string;
  /** Backends of the generated `upstream backend { … }` (used when httpConfig is absent). */
  readonly upstreams?: readonly NginxUpstreamServer[];
  /** Path to the nginx binary; default $NGINX_BIN, /usr/sbin/nginx, then `nginx` on PATH. */
  readonly binary?: string;
  /** Runs nginx on this host (a network namespace), listening on its address. */
  readonly netns?: NetnsHost;
}

export interface NginxServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  readonly configPath: string;
  readonly accessLog: string;
  readonly errorLog: string;
  readonly pidFile: string;
  readonly pid: number;
  /** The path nginx itself uses for one of the paths above (on a netns host: under its /srv). */
  onHost(path: string): string;
  /** Rewrites nginx.conf (same options shape) and reloads; resolves once new workers answer. */
  reload(next?: Pick<NginxOptions, 'httpConfig' | 'upstreams'>): Promise<void>;
  /** Stops nginx (waits for the master to exit) and removes the directory; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts nginx in a temp directory on a free 127.0.0.1 port: pid, logs and every temp path live in
 * that directory, nginx runs in the foreground as our child (`daemon off`) so it can never outlive
 * the test process, and everything is removed by stop().
 *
 * As root, nginx's workers run as `nobody` (no `user` directive: nginx's default), so the directory
 * is made world-readable/traversable; the master (root) opens the logs, so they need no more.
 */
export async function startNginx(options: NginxOptions = {}): Promise<NginxServer> {
  const binary = findNginx(options.binary);
  // On a netns host, one fixed folder under its /srv: hosts configured alike have the same paths.
  const dir = options.netns === undefined ? tempDir('kong-nginx-') : path.join(options.netns.root, 'nginx');
  if (options.netns !== undefined) mkdirSync(dir, { mode: 0o755 });
  // Paths as this process sees them, and as nginx on its host does.
  const onHost = options.netns?.onHost ?? ((p: string) => p);
  for (const sub of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi', 'logs']) mkdirSync(path.join(dir, sub), { mode: 0o777 });
  for (const sub of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) chmodSync(path.join(dir, sub), 0o777);
  const configPath = path.join(dir, 'nginx.conf');
  const accessLog = path.join(dir, 'logs', 'access.log');
  const errorLog = path.join(dir, 'logs', 'error.log');
  const pidFile = path.join(dir, 'nginx.pid');

  let port = 0;
  const host = options.netns?.address ?? '127.0.0.1';
  let current: Pick<NginxOptions, 'httpConfig' | 'upstreams'> = options;
  const write = () => writeFileSync(configPath, renderConfig(current, { host, port, dir: onHost(dir), accessLog: onHost(accessLog), errorLog: onHost(errorLog), pidFile: onHost(pidFile) }));
  const nginxArgs = ['-p', onHost(dir), '-c', onHost(configPath)];
  const run = (args: string[]) => {
    const [command, ...rest] = [...(options.netns?.via ?? []), binary, ...args, ...nginxArgs];
    return execFileAsync(command!, rest);
  };

  const daemon = await startDaemon({
    name: 'nginx',
    binary,
    dir,
    via: options.netns?.via,
    host,
    configure: (free) => {
      port = free;
      write();
      return nginxArgs;
    },
    portTaken: /Address already in use/,
    failureLog: () => (existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : ''),
    stopSignal: 'SIGQUIT', // graceful shutdown (nginx -s quit)
  });
  const masterPid = daemon.child.pid ?? 0;

  return {
    port,
    url: `http://${host}:${port}`,
    dir,
    configPath,
    accessLog,
    errorLog,
    pidFile,
    pid: masterPid,
    onHost,
    async reload(next) {
      if (next) current = next;
      write();
      // Validate first: a bad config must fail the caller, not leave the old config silently running.
      await run(['-t', '-q']).catch((error: { stderr?: string }) => {
        throw new Error(`nginx config test failed: ${error.stderr ?? String(error)}`);
      });
      const before = workerPids(masterPid);
      await run(['-s', 'reload']);
      // `-s reload` only signals the master; wait until the new workers serve the new config and
      // the old ones (which finish their keep-alive connections with the old config) are gone.
      await waitFor(() => {
        const now = workerPids(masterPid);
        return now.length > 0 && !now.some((pid) => before.includes(pid));
      }, 5000);
    },
    stop: daemon.stop,
  };
}

/**
 * The `http { … }` contents promote's nginx backend expects (with startNginx): an `upstream kong`
 * block made of the include file promote rewrites, and an access log carrying
 * $upstream_addr/$upstream_status, from which promote counts green's answers at the front.
 */
export const promoteHttpConfig = (upstreamFile: string): string => `
  log_format promote '$remote_addr "$request" $status upstream_addr="$upstream_addr" upstream_status="$upstream_status"';
  upstream kong {
    include ${upstreamFile};
    keepalive 32;
  }
  server {
    listen {{HOST}}:{{PORT}};
    access_log {{DIR}}/logs/promote.log promote;
    location / {
      proxy_pass http://kong;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }`;

interface Paths {
  host: string;
  port: number;
  dir: string;
  accessLog: string;
  errorLog: string;
  pidFile: string;
}

function renderConfig(options: Pick<NginxOptions, 'httpConfig' | 'upstreams'>, p: Paths): string {
  let http = options.httpConfig;
  if (http === undefined) {
    const servers = (options.upstreams ?? []).map((u) =>
      `    server ${u.address}${u.weight !== undefined ? ` weight=${u.weight}` : ''}${u.backup ? ' backup' : ''}${u.down ? ' down' : ''} max_fails=0;`);
    if (servers.length === 0) throw new Error('startNginx: give httpConfig or at least one upstream');
    http = `
  upstream backend {
${servers.join('\n')}
  }
  server {
    listen {{HOST}}:{{PORT}};
    location / {
      proxy_pass http://backend;
      proxy_set_header Host $host;
      proxy_next_upstream error timeout;
      add_header X-Nginx-Upstream $upstream_addr always;
    }
  }`;
  }
  http = http.replaceAll('{{HOST}}', p.host).replaceAll('{{PORT}}', String(p.port)).replaceAll('{{DIR}}', p.dir);
  return `# generated by test/helpers/nginx.ts
daemon off;
master_process on;
worker_processes 1;
pid ${p.pidFile};
error_log ${p.errorLog} notice;
# Room for a bench's clients and their upstream connections (two per proxied request).
worker_rlimit_nofile 4096;
events { worker_connections 2048; }
http {
  access_log ${p.accessLog};
  client_body_temp_path ${path.join(p.dir, 'client_body')};
  proxy_temp_path ${path.join(p.dir, 'proxy')};
  fastcgi_temp_path ${path.join(p.dir, 'fastcgi')};
  uwsgi_temp_path ${path.join(p.dir, 'uwsgi')};
  scgi_temp_path ${path.join(p.dir, 'scgi')};
${http}
}
`;
}

/** The pids of the master's worker children, from /proc (Linux). */
function workerPids(masterPid: number): number[] {
  try {
    const children = readFileSync(`/proc/${masterPid}/task/${masterPid}/children`, 'utf8').trim();
    return children ? children.split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}

export function findNginx(explicit?: string): string {
  return findBinary('nginx', [explicit, process.env.NGINX_BIN, '/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'], 'install the nginx package or set NGINX_BIN');
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for nginx');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
