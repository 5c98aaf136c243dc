// Issue 20: newlines in backup-db's compression (and ##[ in backup-dir) reached the log as lines
// of their own, which the runner reads as workflow commands. backup-db logs through runtime.ts
// info() as every action does. The bundle run as the runner runs it; dry-run, so no database.
import { describe, expect, it } from 'vitest';
import { runAction } from '../helpers/run-action.js';
import { injectedCommands } from '../lib/workflow-commands.js';

const dryRun = { mode: 'backup', 'dry-run': 'true', 'database-url': 'postgres://kong:pw@127.0.0.1:1/kong' };

describe('backup-db (dist): values in its log', () => {
  it('a compression or backup-dir value issues no workflow command', async () => {
    const cases: Record<string, string>[] = [
      { compression: 'gzip\n::stop-commands::pwned\n::error::fake' },
      { compression: 'x ##[set-env name=A]b' },
      { 'backup-dir': 'backups ##[set-env name=A]b' },
    ];
    for (const inputs of cases) {
      const run = await runAction('backup-db', { ...dryRun, ...inputs });
      expect(injectedCommands(run.stdout), JSON.stringify(inputs)).toEqual([]);
      expect(run.annotations.map((a) => a.message)).not.toContain('fake');
    }
  });
});
