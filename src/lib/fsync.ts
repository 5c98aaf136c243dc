import { open } from 'node:fs/promises';

/**
 * fsync each path (files, or folders for the names they hold): what makes a backup survive a
 * crash of the machine that wrote it, before its manifest says it is complete.
 */
export async function syncPaths(paths: readonly string[]): Promise<void> {
  await Promise.all(
    paths.map(async (p) => {
      const handle = await open(p, 'r').catch((error: unknown) => {
        // Windows cannot open a folder to sync it (NTFS journals the names anyway).
        if (process.platform === 'win32' && ['EISDIR', 'EPERM'].includes((error as NodeJS.ErrnoException).code ?? '')) return undefined;
        throw error;
      });
      if (handle === undefined) return;
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }),
  );
}
