import { execFile, execFileSync, type ExecFileOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';

const execFileAsync = promisify(execFile);

export interface PostgresOptions {
  /** Database created for the test and named in `url`; default `kong`. */
  readonly database?: string;
  /** Superuser role created by initdb; default `kong_test`. */
  readonly user?: string;
  /** Extra postgresql.conf settings. */
  readonly settings?: Readonly<Record<string, string>>;
}

export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** `postgres://user:password@127.0.0.1:port/database` */
  readonly url: string;
  /** Where initdb, pg_ctl, psql, pg_dump … of this server's version are. */
  readonly bindir: string;
  /** Environment for the client binaries (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE). */
  readonly env: Readonly<Record<string, string>>;
  createDatabase(name: string): Promise<void>;
  /** Stops the server and removes its directory; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts a throwaway PostgreSQL cluster for one test file: initdb in a temp dir, 127.0.0.1 only,
 * a free port, password (SCRAM) auth for every connection so tests exercise PGPASSWORD, and
 * durability off so it starts in a second or two. Runs as the `postgres` OS user when we are
 * root (CI is), because initdb and postgres refuse to run as root.
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const bindir = findBindir();
  const user = options.user ?? 'kong_test';
  const password = randomBytes(12).toString('hex');
  const database = options.database ?? 'kong';
  const host = '127.0.0.1';

  const dir = mkdtempSync(path.join(os.tmpdir(), 'kong-pg-'));
  const dataDir = path.join(dir, 'data');
  const pwfile = path.join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  const owner = osUser();
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chownSync(pwfile, owner.uid, owner.gid);
  }
  const asOwner = (command: string, args: string[], extra: ExecFileOptions = {}) => {
    const [file, argv] = owner ? wrapAsUser(owner.name, path.join(bindir, command), args) : [path.join(bindir, command), args];
    return execFileAsync(file, argv, { cwd: dir, ...extra });
  };

  let cleanupOnExit: (() => void) | undefined;
  try {
    await asOwner('initdb', [
      '-D', dataDir, '-U', user, `--pwfile=${pwfile}`, '--auth=scram-sha-256',
      '-E', 'UTF8', '--locale=C', '--no-sync',
    ]);
    rmSync(pwfile);

    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const settings: Record<string, string> = {
        listen_addresses: `'${host}'`,
        port: String(port),
        // The socket goes in our dir: /var/run/postgresql may not exist where no service ran.
        unix_socket_directories: `'${dir}'`,
        fsync: 'off',
        synchronous_commit: 'off',
        full_page_writes: 'off',
        shared_buffers: '16MB',
        max_connections: '40',
        ...options.settings,
      };
      appendFileSync(
        path.join(dataDir, 'postgresql.auto.conf'),
        Object.entries(settings).map(([key, value]) => `${key} = ${value}\n`).join(''),
      );
      try {
        await asOwner('pg_ctl', ['-D', dataDir, '-l', path.join(dir, 'server.log'), '-w', '-t', '30', 'start']);
        break;
      } catch (error) {
        // Another worker may have taken the port between our probe and the bind: try another.
        if (attempt >= 3) throw error;
      }
    }

    cleanupOnExit = () => stopSync(owner?.name, bindir, dataDir, dir);
    process.once('exit', cleanupOnExit);

    const env = {
      PGHOST: host,
      PGPORT: String(port),
      PGUSER: user,
      PGPASSWORD: password,
      PGDATABASE: 'postgres',
    };
    const createDatabase = async (name: string) => {
      await execFileAsync(path.join(bindir, 'createdb'), [name], { env: { ...process.env, ...env } });
    };
    if (database !== 'postgres') await createDatabase(database);

    let stopped = false;
    return {
      host,
      port,
      user,
      password,
      database,
      url: `postgres://${user}:${password}@${host}:${port}/${database}`,
      bindir,
      env,
      createDatabase,
      async stop() {
        if (stopped) return;
        stopped = true;
        if (cleanupOnExit) process.removeListener('exit', cleanupOnExit);
        try {
          await asOwner('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    if (cleanupOnExit) process.removeListener('exit', cleanupOnExit);
    const log = readLog(path.join(dir, 'server.log'));
    stopSync(owner?.name, bindir, dataDir, dir);
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`startPostgres failed: ${(error as Error).message}\n${stderr}${log}`, { cause: error });
  }
}

/** The newest installed PostgreSQL's bin dir (Debian keeps them off PATH). */
export function findBindir(): string {
  if (process.env.PG_BINDIR) return process.env.PG_BINDIR;
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const majors = readdirSync(base)
      .filter((name) => /^\d+$/.test(name) && existsSync(path.join(base, name, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (majors[0]) return path.join(base, majors[0], 'bin');
  }
  try {
    const bindir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    if (existsSync(path.join(bindir, 'initdb'))) return bindir;
  } catch {
    // No pg_config: fall through.
  }
  throw new Error('no PostgreSQL server binaries (initdb) found; run `bash scripts/test.sh` to install them');
}

interface OsUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** The OS user to run PostgreSQL as: `postgres` when we are root, else ourselves (undefined). */
function osUser(): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { name: 'postgres', uid, gid };
  } catch {
    throw new Error('running as root but there is no `postgres` OS user (the Debian postgresql package creates it)');
  }
}

function wrapAsUser(user: string, file: string, args: string[]): [string, string[]] {
  if (existsSync('/usr/sbin/runuser') || existsSync('/sbin/runuser')) return ['runuser', ['-u', user, '--', file, ...args]];
  return ['setpriv', ['--reuid', user, '--regid', user, '--init-groups', '--', file, ...args]];
}

function stopSync(user: string | undefined, bindir: string, dataDir: string, dir: string): void {
  if (existsSync(path.join(dataDir, 'postmaster.pid'))) {
    const [file, args] = user
      ? wrapAsUser(user, path.join(bindir, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop'])
      : [path.join(bindir, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop']];
    try {
      execFileSync(file, args, { stdio: 'ignore', cwd: dir });
    } catch {
      // Already gone.
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

function readLog(file: string): string {
  try {
    return execFileSync('tail', ['-n', '20', file], { encoding: 'utf8' });
  } catch {
    return '';
  }
}

