// Which tables pg_restore --verbose says it has finished loading. The lines are pg_restore 15's,
// as printed here restoring a Kong database with one job and with -j 2; the round trip in
// postgres-backup.test.ts runs the real thing.
import { describe, expect, it } from 'vitest';
import { loadedTablesReader, PROGRESS_LINE } from '../../src/database/postgres/restore-lines.js';

function read(jobs: number, lines: string[]): string[] {
  const loaded: string[] = [];
  const onLine = loadedTablesReader(jobs, (table) => loaded.push(table));
  for (const line of lines) onLine(line);
  return loaded;
}

describe('loadedTablesReader', () => {
  it('one job: a table is loaded when the next item starts, not when its own data starts or a warning arrives', () => {
    const lines = [
      'pg_restore: connecting to database for restore',
      'pg_restore: creating TABLE "public.acls"',
      'pg_restore: creating TABLE "public.workspaces"',
      'pg_restore: processing data for table "public.acls"',
    ];
    expect(read(1, lines)).toEqual([]);
    expect(read(1, [...lines, 'pg_restore: warning: something said during COPY'])).toEqual([]);
    expect(
      read(1, [
        ...lines,
        'pg_restore: processing data for table "public.basicauth_credentials"',
        'pg_restore: processing data for table "public.workspaces"',
        'pg_restore: creating CONSTRAINT "public.acls acls_pkey"',
        'pg_restore: creating INDEX "public.routes_ws_id_idx"',
      ]),
    ).toEqual(['acls', 'basicauth_credentials', 'workspaces']);
  });

  it('parallel jobs: only the leader\'s "finished item … TABLE DATA" counts, not a worker starting a table', () => {
    expect(
      read(2, [
        'pg_restore: launching item 3667 TABLE DATA routes',
        'pg_restore: processing data for table "public.routes"',
        'pg_restore: launching item 3660 TABLE DATA plugins',
        'pg_restore: processing data for table "public.plugins"',
        'pg_restore: finished item 3660 TABLE DATA plugins',
        'pg_restore: launching item 3369 CONSTRAINT plugins plugins_pkey',
        'pg_restore: finished item 3369 CONSTRAINT plugins plugins_pkey',
      ]),
    ).toEqual(['plugins']);
  });

  it('progress lines are told apart from the error lines a failed restore prints', () => {
    expect(PROGRESS_LINE.test('pg_restore: finished item 3667 TABLE DATA routes')).toBe(true);
    expect(PROGRESS_LINE.test('pg_restore: creating CONSTRAINT "public.routes routes_pkey"')).toBe(true);
    expect(PROGRESS_LINE.test('pg_restore: error: could not execute query: ERROR:  relation "routes" already exists')).toBe(false);
    expect(PROGRESS_LINE.test('pg_restore: while PROCESSING TOC:')).toBe(false);
  });
});
