import { checkContract, listOf, matching, object, oneOf, wholeNumber, type Contract } from '../lib/json-shape.js';
import { inputError } from '../lib/errors.js';
import { ENTITY_TABLES } from '../kong/entities.js';

/**
 * What the write freeze put in blue's database (write-freeze's output `freeze-json`,
 * `kong-upgrade/write-freeze@1`): the route and plugin a drift check must leave out, since they
 * are the freeze's, not the team's, and what its post step lifts.
 */
export const FREEZE_SCHEMA = 'kong-upgrade/write-freeze@1';

export interface FreezeRecord {
  readonly schema: typeof FREEZE_SCHEMA;
  readonly method: 'request-termination';
  /** The Admin API's route (the loopback) whose writes are refused. */
  readonly adminRoute: { readonly id: string; readonly paths: readonly string[] };
  /** The freeze's own rows, by table. */
  readonly rows: readonly { readonly table: 'routes' | 'plugins'; readonly id: string }[];
  /** The status the refused writes get. */
  readonly status: number;
  /** The id the probe deletes (a route that does not exist): its requests are not the team's. */
  readonly probeId: string;
  readonly startedAt: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TABLES = ENTITY_TABLES.map((t) => t.table).filter((t) => t === 'routes' || t === 'plugins');

export const WRITE_FREEZE: Contract = {
  schema: FREEZE_SCHEMA,
  name: 'write freeze record',
  shape: object({
    method: oneOf(['request-termination']),
    adminRoute: object({ id: matching(UUID, 'a uuid'), paths: listOf(matching(/^\S{1,500}$/, 'a route path')) }),
    rows: listOf(object({ table: oneOf(TABLES), id: matching(UUID, 'a uuid') })),
    status: wholeNumber(100, 599),
    probeId: matching(UUID, 'a uuid'),
    startedAt: matching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, 'a UTC time'),
  }),
};

/** The record as an input gives it (the freeze step's `freeze-json` output). */
export function readFreezeRecord(json: string, input: string): FreezeRecord {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (error) {
    throw inputError(input, 'is not JSON: give the write-freeze step\'s freeze-json output', error);
  }
  return checkContract<FreezeRecord>(data, 'the value given', input, [WRITE_FREEZE]);
}
