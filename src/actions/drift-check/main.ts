import { readDatabaseInputs } from '../../database/connection-inputs.js';
import { targetFromInputs } from '../../database/postgres/connect.js';
import { readDriftInputs } from '../../drift/inputs.js';
import { inputError } from '../../lib/errors.js';
import { readString } from '../../lib/inputs.js';
import { runDriftCheck } from '../drift.js';
import { actionInputs, runAction } from '../runtime.js';
import { DEFAULTS } from './inputs.generated.js';

const inputs = actionInputs(DEFAULTS);

// drift-check: blue's database against its backup at a point of the workflow where no other
// action runs one (before blue is retired). promote and migrate run the same check themselves.
await runAction(async () => {
  const point = readString(inputs, 'point') ?? 'check';
  if (!/^[a-z0-9-]{1,40}$/.test(point)) throw inputError('point', `"${point}" is not a name of lower-case letters, digits and -, at most 40 (e.g. retire-blue)`);
  const db = readDatabaseInputs(inputs);
  if (db === undefined) throw inputError('database-url', 'is required (or the pg-* inputs): blue\'s database, the one manifest is a backup of');
  const drift = await readDriftInputs(inputs, 'manifest');
  if (drift === undefined) throw inputError('manifest', 'is required: the manifest.json backup-db wrote for blue\'s database');
  await runDriftCheck(point, drift, targetFromInputs(db, readString(inputs, 'database-url') !== undefined));
});
