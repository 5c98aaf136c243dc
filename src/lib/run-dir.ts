import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * One private folder per run (mode 0700, under RUNNER_TEMP in an action) for everything a run
 * must not leave behind when it is killed: decrypted archives, gpg homes, password files. Beside
 * them, a ledger of what the run made outside the folder (a scratch database, a database renamed
 * aside, a backup folder still being written, a child process): each entry is written before the
 * thing exists and removed once it is gone again, so what is left in the ledger after a run is
 * exactly what a killed run left, for a later step (backup-db's `post:`) to undo or report.
 */
export interface RunDir {
  readonly path: string;
  /** Records `entry` under `key` (letters, digits, `_ . -`); written through before it returns. */
  note(key: string, entry: LedgerEntry): Promise<void>;
  forget(key: string): Promise<void>;
  /** What is recorded now, by key. */
  entries(): Promise<Record<string, LedgerEntry>>;
}

/** A ledger entry: plain JSON, never a secret (the folder outlives a killed run). */
export type LedgerEntry = { readonly kind: string } & Readonly<Record<string, string | number | boolean | null>>;

const LEDGER = 'ledger';

/** A fresh private folder `kong-upgrade-XXXXXX` under `base`. */
export async function createRunDir(base: string): Promise<RunDir> {
  await mkdir(base, { recursive: true });
  const folder = await mkdtemp(path.join(base, 'kong-upgrade-'));
  // mkdtemp makes 0700 already; said again so a umask or platform default cannot widen it.
  await chmod(folder, 0o700);
  await mkdir(path.join(folder, LEDGER), { mode: 0o700 });
  return openRunDir(folder);
}

/** The run folder a previous step created (its path kept in the step's state). */
export function openRunDir(folder: string): RunDir {
  const file = (key: string) => {
    if (!/^[A-Za-z0-9_.-]{1,200}$/.test(key)) throw new Error(`run ledger key ${JSON.stringify(key)} is not a plain name`);
    return path.join(folder, LEDGER, `${key}.json`);
  };
  return {
    path: folder,
    async note(key, entry) {
      const target = file(key);
      const temp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(temp, JSON.stringify(entry), { mode: 0o600, flush: true });
      await rename(temp, target);
    },
    async forget(key) {
      await rm(file(key), { force: true });
    },
    async entries() {
      const names = await readdir(path.join(folder, LEDGER)).catch(() => [] as string[]);
      const out: Record<string, LedgerEntry> = {};
      for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
        try {
          out[name.slice(0, -'.json'.length)] = JSON.parse(await readFile(path.join(folder, LEDGER, name), 'utf8')) as LedgerEntry;
        } catch {
          // Half-written when the run was killed: the temp name, never a .json, is what remains.
        }
      }
      return out;
    },
  };
}
