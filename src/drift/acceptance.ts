import { ENTITY_TABLES } from '../kong/entities.js';
import { inputError } from '../lib/errors.js';
import { readString, type InputSource } from '../lib/inputs.js';

/**
 * `accept-drift`: the team's explicit word that writes made on blue after the backup may be left
 * behind (they are not on green, a copy of the backup, and a rollback to the backup loses them).
 * `true` accepts every table, a list accepts those tables only; `false` (the default) accepts none.
 */
export type Acceptance =
  | { readonly kind: 'none' }
  | { readonly kind: 'all' }
  | { readonly kind: 'tables'; readonly tables: readonly string[] };

export const ACCEPT_DRIFT_INPUT = 'accept-drift';

export function readAcceptance(source: InputSource): Acceptance {
  const value = readString(source, ACCEPT_DRIFT_INPUT);
  if (value === undefined || value.toLowerCase() === 'false') return { kind: 'none' };
  if (value.toLowerCase() === 'true') return { kind: 'all' };
  const tables: string[] = [];
  for (const item of value.split(/[\n,]/).map((part) => part.trim()).filter((part) => part !== '')) {
    // A table (sm_vaults) or its entity name (vaults), as the drift report shows both.
    const entry = ENTITY_TABLES.find((t) => t.table === item || t.entity === item);
    if (!entry) {
      throw inputError(ACCEPT_DRIFT_INPUT, `"${item}" is not a Kong entity table; use true, false, or a list of: ${ENTITY_TABLES.map((t) => t.table).join(', ')}`);
    }
    if (!tables.includes(entry.table)) tables.push(entry.table);
  }
  return { kind: 'tables', tables };
}

export function accepts(acceptance: Acceptance, table: string): boolean {
  return acceptance.kind === 'all' || (acceptance.kind === 'tables' && acceptance.tables.includes(table));
}

/** As the input was given, for the report: `true`, or the tables. */
export function describeAcceptance(acceptance: Acceptance): string {
  return acceptance.kind === 'all' ? 'true' : acceptance.kind === 'tables' ? acceptance.tables.join(', ') : 'false';
}
