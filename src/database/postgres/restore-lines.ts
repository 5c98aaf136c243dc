/**
 * What `pg_restore --verbose` says on stderr, read as it runs: which tables it has finished
 * loading, so their fingerprint can be read while it goes on with the rest.
 *
 * The messages are pg_restore's own (PostgreSQL 15, src/bin/pg_dump/pg_backup_archiver.c):
 * `processing data for table "<schema>.<table>"` when a table's data starts (restore_toc_entry),
 * and with parallel jobs the leader's `finished item <dumpId> TABLE DATA <table>` once a worker
 * has loaded and committed it (mark_restore_job_done). One job restores one item at a time and
 * prints nothing when a table ends: the next item's first line (another table's data, or a
 * post-data `creating INDEX/CONSTRAINT …`, `executing …`) says the previous table is done, its
 * COPY ended and committed (pg_restore without --single-transaction autocommits).
 */
export function loadedTablesReader(jobs: number, onLoaded: (table: string) => void): (line: string) => void {
  if (jobs > 1) {
    return (line) => {
      const finished = /^pg_restore: finished item \d+ TABLE DATA (.+)$/.exec(line.trimEnd());
      if (finished) onLoaded(finished[1]!);
    };
  }
  let loading: string | undefined;
  return (line) => {
    const text = line.trimEnd();
    if (!ITEM_START.test(text)) return;
    if (loading !== undefined) onLoaded(loading);
    const data = /^pg_restore: processing data for table "[^.]*\.(.+)"$/.exec(text);
    loading = data ? data[1] : undefined;
  };
}

/** Lines that begin an item in a one-job restore (a warning or notice in the middle of one does not). */
const ITEM_START = /^pg_restore: (processing data for table |creating |executing |processing item )/;

/** pg_restore's --verbose progress lines, left out of error messages so the error shows. */
export const PROGRESS_LINE =
  /^pg_restore: (connecting to database|creating |processing (item|data for table)|launching item|finished (item|main parallel loop)|executing |setting owner|skipping item|entering |transferring dependency)/;
