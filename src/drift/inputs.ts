import path from 'node:path';
import { readDatabaseInputs } from '../database/connection-inputs.js';
import { checkPassphrase, type EncryptionOptions } from '../database/encryption.js';
import { targetFromInputs, type DatabaseTarget } from '../database/postgres/connect.js';
import { inputError, UpgradeError } from '../lib/errors.js';
import { readList, readPath, readSecret, readString, type InputSource } from '../lib/inputs.js';
import { readAcceptance, type Acceptance } from './acceptance.js';
import type { LeftOutRow } from './check.js';
import { readFreezeRecord } from './freeze-record.js';
import { readDriftReport, type DriftReport } from './report.js';

/**
 * The inputs of a drift check, the same on every action that runs one (promote, migrate before
 * `finish`, drift-check): only the manifest's input name differs.
 */
export interface DriftInputs {
  readonly manifestPath: string;
  readonly manifestInput: string;
  readonly acceptance: Acceptance;
  readonly encryption: EncryptionOptions | undefined;
  readonly earlier: readonly DriftReport[];
  readonly leaveOut: readonly LeftOutRow[];
  /** Where the report goes; undefined: the action picks a file under RUNNER_TEMP. */
  readonly reportFile: string | undefined;
}

/** undefined when `manifestInput` is not given: no drift check. */
export async function readDriftInputs(source: InputSource, manifestInput: string): Promise<DriftInputs | undefined> {
  const manifest = readPath(source, manifestInput);
  const acceptance = readAcceptance(source);
  const reports = readList(source, 'drift-reports');
  const freeze = readString(source, 'write-freeze');
  if (manifest === undefined) {
    const orphan = acceptance.kind !== 'none' ? 'accept-drift' : reports.length > 0 ? 'drift-reports' : freeze !== undefined ? 'write-freeze' : undefined;
    if (orphan !== undefined) throw inputError(orphan, `applies to the drift check against ${manifestInput}, which is not given`);
    return undefined;
  }
  const earlier: DriftReport[] = [];
  for (const file of reports) earlier.push(await readDriftReport(path.resolve(file), 'drift-reports'));
  const reportFile = readPath(source, 'drift-report-file');
  return {
    manifestPath: path.resolve(manifest),
    manifestInput,
    acceptance,
    encryption: readArchiveKey(source),
    earlier,
    leaveOut: freeze === undefined ? [] : readFreezeRecord(freeze, 'write-freeze').rows.map((row) => ({ ...row, why: 'the write freeze' })),
    reportFile: reportFile === undefined ? undefined : path.resolve(reportFile),
  };
}

/**
 * The archive's key, only to read it back (the manifest says how it was encrypted): a
 * passphrase (gpg-symmetric) or a private key (gpg-recipient), as backup-db's verify takes them.
 */
function readArchiveKey(source: InputSource): EncryptionOptions | undefined {
  const passphrase = readSecret(source, 'encryption-passphrase');
  if (passphrase !== undefined) checkPassphrase(passphrase);
  const privateKey = readSecret(source, 'encryption-private-key');
  if (privateKey !== undefined) return { method: 'gpg-recipient', recipients: [], privateKey, ...(passphrase !== undefined && { passphrase }) };
  return passphrase === undefined ? undefined : { method: 'gpg-symmetric', passphrase };
}

/**
 * A database given under a prefix (`blue-database-url` on promote, whose own database inputs
 * are not blue's): the shared reader, its errors naming the prefixed input.
 */
export function readPrefixedDatabase(source: InputSource, prefix: string): DatabaseTarget | undefined {
  const prefixed: InputSource = { get: (name) => source.get(`${prefix}${name}`), mask: (secret) => source.mask(secret) };
  try {
    const db = readDatabaseInputs(prefixed);
    return db && targetFromInputs(db, readString(prefixed, 'database-url') !== undefined, prefix);
  } catch (error) {
    if (error instanceof UpgradeError && 'input' in error.origin) {
      throw inputError(`${prefix}${error.origin.input}`, error.message.replace(/^input '[^']+': /, '').replace(/\b(database-url|pg-[a-z]+)\b/g, `${prefix}$1`), error);
    }
    throw error;
  }
}
