// The migration reader on the shapes the replayed samples brought (test/fixtures/replay/cli):
// Kong 1.0/1.1's lower-case list, a list the exit code promises but the output lacks, Kong's
// words without the file positions of the wrappers that passed them on, an "Error:" a paste
// trimmed, and a failure with no subsystem line before it. Starts nothing.
import { describe, expect, it } from 'vitest';
import { describeFailedMigration, failedMigration, kongError, parseMigrationsList } from '../../src/kong/migration-state.js';

const result = (stdout: string, exitCode: number, stderr = '') => ({ exitCode, stdout, stderr });

describe('parseMigrationsList on Kong 1.0/1.1 (print_state, lower case, not aligned)', () => {
  const stdout = [
    'executed migrations:',
    'core: 000_base, 001_14_to_15, 002_15_to_1',
    'key-auth: 000_base_key_auth, 001_14_to_15',
    'database has pending migrations:',
    'oauth2: 002_15_to_10',
    'database has new migrations available:',
    'core: 003_100_to_110',
    "run 'kong migrations up' to proceed",
    '',
  ].join('\n');

  it('reads executed, pending and new', () => {
    const list = parseMigrationsList(result(stdout, 4));
    expect(list.executed).toEqual({ core: ['000_base', '001_14_to_15', '002_15_to_1'], 'key-auth': ['000_base_key_auth', '001_14_to_15'] });
    expect(list.pending).toEqual({ oauth2: ['002_15_to_10'] });
    expect(list.new).toEqual({ core: ['003_100_to_110'] });
  });

  it('reads "database is up-to-date" as the end of the list', () => {
    const list = parseMigrationsList(result('executed migrations:\ncore: 000_base\ndatabase is up-to-date\n', 0));
    expect(list.executed).toEqual({ core: ['000_base'] });
  });
});

describe('parseMigrationsList when the exit code promises a list the output lacks', () => {
  it('names the first line it did not understand (exit 5, no "New migrations available:")', () => {
    expect(() => parseMigrationsList(result('Some other tool: 3 migrations to run\n', 5))).toThrow(
      /kong migrations list: exited 5 but its output holds no New migrations list this reader knows; first line not understood: "Some other tool: 3 migrations to run"/,
    );
  });

  it('says so for exit 4 without a Pending block, log lines aside', () => {
    expect(() => parseMigrationsList(result('2020/01/01 00:00:00 [verbose] schema state retrieved\n', 4))).toThrow(/exited 4 but its output holds no Pending migrations list this reader knows$/);
  });

  it('reads exit 2 (1.1-1.5: a database older than 1.0) as that, with Kong\'s words', () => {
    const stdout = "Migrations can only be listed on a postgres database that has been upgraded to 1.0, but the current database seems to be older than 0.14 (missing migrations)\n";
    expect(() => parseMigrationsList(result(stdout, 2))).toThrow(/exited 2: the database is older than Kong 1.0 \(Kong: .*upgraded to 1\.0.*\); migrate it with Kong 1\.5 first/);
  });
});

describe('kongError', () => {
  it('drops the file positions of every wrapper, installed or source paths, cut short or not', () => {
    const stderr = "Error: [PostgreSQL error] cluster_mutex callback threw an error: /usr/local/share/lua/5.1/kong/cmd/utils/migrations.lua:67: Database has pending migrations; run 'kong migrations finish'\nstack traceback:\n\t[C]: in function 'error'\n";
    expect(kongError({ stdout: '', stderr })).toBe("[PostgreSQL error] cluster_mutex callback threw an error: Database has pending migrations; run 'kong migrations finish'");
    const verbose = "Error:\n...ong/luarocks/share/lua/5.1/kong/cmd/utils/migrations.lua:161: [PostgreSQL error] failed to insert cluster lock: timeout\nstack traceback:\n";
    expect(kongError({ stdout: '', stderr: verbose })).toBe('[PostgreSQL error] failed to insert cluster lock: timeout');
    expect(kongError({ stdout: '', stderr: "Error: kong/cmd/utils/migrations.lua:20: New migrations available; run 'kong migrations up' to proceed\n" })).toBe(
      "New migrations available; run 'kong migrations up' to proceed",
    );
  });

  it('keeps a colon-separated message that is no file position', () => {
    expect(kongError({ stdout: '', stderr: 'Error: [PostgreSQL error] failed to retrieve server_version_num: connection refused\n' })).toBe(
      '[PostgreSQL error] failed to retrieve server_version_num: connection refused',
    );
  });
});

describe('describeFailedMigration', () => {
  it('names the subsystem from the migrating line before the failure', () => {
    const failed = failedMigration({ stdout: "migrating rate-limiting on database 'kong'...\n", stderr: "Error: x: [PostgreSQL error] failed to run migration '006_350_to_360' up: timeout\n" });
    expect(describeFailedMigration(failed!)).toBe('rate-limiting/006_350_to_360 (up)');
  });

  it('says the subsystem is not known when Kong printed no migrating line (000_base is core\'s and Enterprise\'s)', () => {
    const failed = failedMigration({ stdout: 'Bootstrapping database...\n', stderr: "Error: x: [PostgreSQL error] failed to run migration '000_base' up: timeout\n" });
    expect(describeFailedMigration(failed!)).toBe('000_base (up; Kong printed no "migrating <subsystem>" line before it, so its subsystem is not known)');
  });
});
