// The migration reader on `kong migrations` output as real deployments print it: verbose logs,
// pastes that lost a blank line or wrapped a long list, and Kong's error under --v. The shapes
// come from Kong's source (kong/cmd/utils/log.lua: "%s [%s] %s" with os.date("%Y/%m/%d %H:%M:%S")
// under --v/--vv; kong/cmd/init.lua: "Error: \n" then debug.traceback(err, 2) under --v;
// kong/db/init.lua: "migrating <subsystem> on database '<db>'..." before each subsystem) and
// from the output real Kong 3.4.2 printed here (test/fixtures/observed/).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { failedMigration, kongError, parseMigrationsList, refusesPendingMigrations } from '../../src/kong/migration-state.js';
import { UpgradeError } from '../../src/lib/errors.js';

const OBSERVED = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../fixtures/observed/kong-3.4.2-list-after-up.txt');
/** Real 3.4.2 `list` after `up` (exit 4), the header comment lines dropped. */
const listAfterUp = readFileSync(OBSERVED, 'utf8').split('\n').filter((line) => !line.startsWith('#')).join('\n');
const result = (stdout: string, exitCode = 4, stderr = '') => ({ exitCode, stdout, stderr, durationMs: 1 });

const expected = {
  pending: { core: ['016_280_to_300'], 'http-log': ['001_280_to_300'], 'post-function': ['001_280_to_300'], 'pre-function': ['001_280_to_300'] },
};

describe('parseMigrationsList', () => {
  it('reads the observed output', () => {
    const list = parseMigrationsList(result(listAfterUp));
    expect(list.pending).toEqual(expected.pending);
    expect(list.executed.core).toHaveLength(18);
    expect(list.executed.session).toEqual(['000_base_session', '001_add_ttl_index', '002_320_to_330']);
    expect(list.new).toEqual({});
  });

  it("reads it when the blank line before Run 'kong migrations …' is lost", () => {
    const squeezed = listAfterUp.replace("\n\nRun 'kong migrations finish' when ready", "\nRun 'kong migrations finish' when ready");
    expect(squeezed).not.toBe(listAfterUp);
    const list = parseMigrationsList(result(squeezed));
    expect(list.pending).toEqual(expected.pending);
  });

  it('reads 3.x output that ends with the prefix line of its bin/kong process, right after the list', () => {
    const observed = readFileSync(path.join(path.dirname(OBSERVED), 'kong-3.4.2-list-up-to-date-fresh-prefix.txt'), 'utf8').split('\n').filter((line) => !line.startsWith('#')).join('\n');
    expect(observed).toMatch(/002_320_to_330\nprefix directory \/usr\/local\/kong not found, trying to create it\n$/);
    const list = parseMigrationsList(result(observed, 0));
    expect(list.executed.session).toEqual(['000_base_session', '001_add_ttl_index', '002_320_to_330']);
    expect(list.executed.core).toHaveLength(19);
  });

  it('reads it when a paste wrapped the long lists onto the next line', () => {
    const wrapped = listAfterUp.replace(/, (010_210_to_211|005_210_to_211)/g, ',\n    $1');
    expect(wrapped).not.toBe(listAfterUp);
    const list = parseMigrationsList(result(wrapped));
    expect(list.executed).toEqual(parseMigrationsList(result(listAfterUp)).executed);
  });

  it('reads --vv output: every message behind a timestamp and level, multi-line messages continuing bare', () => {
    // What log.lua makes of kong/cmd/migrations.lua's log("Executed migrations:\n%s", …),
    // log("%sPending migrations:\n%s", "\n", …) and log("\nRun 'kong migrations finish' when ready").
    const at = '2026/12/04 14:22:14';
    const blocks = listAfterUp.split('\n\n');
    const vv = [
      `${at} [verbose] Kong: 3.4.2`,
      `${at} [debug] ngx_lua: 10025`,
      `${at} [verbose] reading config file at /etc/kong/kong.conf`,
      `${at} [debug] KONG_PG_PASSWORD ENV found with "******"`,
      `${at} [verbose] prefix in use: /usr/local/kong`,
      `${at} [debug] loading subsystems migrations...`,
      `${at} [verbose] retrieving database schema state...`,
      `${at} [verbose] schema state retrieved`,
      `${at} [info] ${blocks[0]}`,
      `${at} [info] `,
      `${blocks[1]}`,
      `${at} [info] `,
      `${blocks[2]}`,
      '',
    ].join('\n');
    const list = parseMigrationsList(result(vv));
    expect(list.pending).toEqual(expected.pending);
    expect(list.executed.core).toHaveLength(18);
  });

  it('still refuses a line it cannot read, quoting it', () => {
    const broken = listAfterUp.replace('     http-log: 001_280_to_300', '     http-log 001_280_to_300');
    expect(() => parseMigrationsList(result(broken))).toThrow(UpgradeError);
    expect(() => parseMigrationsList(result(broken))).toThrow(/unexpected line in its output: "     http-log 001_280_to_300"/);
  });
});

describe('kongError', () => {
  it("keeps Kong's words when --v leaves the Error: line empty (2.0, lock timeout)", () => {
    // kong/cmd/init.lua 2.0.0 l.88-98 under --v; the message is kong/db/init.lua 2.0.0 l.319.
    const stderr = [
      'Error: ',
      "/usr/local/share/lua/5.1/kong/cmd/utils/migrations.lua:93: [PostgreSQL error] failed to insert cluster lock: timeout",
      'stack traceback:',
      "\t[C]: in function 'assert'",
      "\t/usr/local/share/lua/5.1/kong/cmd/utils/migrations.lua:93: in function 'up'",
      "\t/usr/local/share/lua/5.1/kong/cmd/migrations.lua:166: in function 'cmd_exec'",
      '',
    ].join('\n');
    expect(kongError({ stdout: '', stderr })).toBe('[PostgreSQL error] failed to insert cluster lock: timeout');
  });

  it('reads the one-line form', () => {
    expect(kongError({ stdout: '', stderr: "Error: Database has pending migrations; run 'kong migrations finish'\n\n  Run with --v (verbose) or --vv (debug) for more details\n" }))
      .toBe("Database has pending migrations; run 'kong migrations finish'");
  });
});

describe('refusesPendingMigrations', () => {
  it("finds up's refusal on either stream, with or without the lock's wrapper, and nothing else", () => {
    expect(refusesPendingMigrations({ stdout: '', stderr: "Error: Database has pending migrations; run 'kong migrations finish'\n" })).toBe(true);
    expect(refusesPendingMigrations({ stdout: "Error: [PostgreSQL error] cluster_mutex callback threw an error: /usr/local/share/lua/5.1/kong/cmd/utils/migrations.lua:67: Database has pending migrations; run 'kong migrations finish'", stderr: '' })).toBe(true);
    // up's own closing line when it leaves migrations pending is no refusal.
    expect(refusesPendingMigrations({ stdout: "\nDatabase has pending migrations; run 'kong migrations finish' when ready\n", stderr: '' })).toBe(false);
    expect(refusesPendingMigrations({ stdout: '0 migrations processed', stderr: '' })).toBe(false);
  });
});

describe('failedMigration', () => {
  const stderr = "Error: [PostgreSQL error] cluster_mutex callback threw an error: /usr/local/share/lua/5.1/kong/cmd/utils/migrations.lua:104: [PostgreSQL error] failed to run migration '006_350_to_360' up: ERROR: column \"x\" does not exist\nstack traceback:\n\t[C]: in function 'assert'\n";

  it('names the subsystem from the migrating line before the failure', () => {
    const stdout = "migrating core on database 'kong'...\ncore migrated up to: 022_350_to_360 (executed)\nmigrating rate-limiting on database 'kong'...\n";
    expect(failedMigration({ stdout, stderr })).toEqual({ subsystem: 'rate-limiting', name: '006_350_to_360', phase: 'up', reason: 'ERROR: column "x" does not exist' });
  });

  it('reads the migrating lines under --v too', () => {
    const stdout = "2026/12/04 14:22:14 [verbose] Kong: 3.6.1\n2026/12/04 14:22:14 [info] migrating acme on database 'kong'...\n2026/12/04 14:22:14 [info] acme migrated up to: 003_350_to_360 (pending)\n2026/12/04 14:22:15 [info] migrating rate-limiting on database 'kong'...\n";
    expect(failedMigration({ stdout, stderr })?.subsystem).toBe('rate-limiting');
  });

  it('says nothing when no migration failed, and leaves the subsystem unknown when no line names it', () => {
    expect(failedMigration({ stdout: 'Database is already up-to-date\n', stderr: '' })).toBeUndefined();
    expect(failedMigration({ stdout: '', stderr })?.subsystem).toBeUndefined();
  });
});
