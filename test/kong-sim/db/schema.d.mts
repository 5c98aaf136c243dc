// Types for schema.mjs (plain JS, used from TypeScript tests and simulators).
export interface Column {
  readonly name: string;
  readonly type: string;
  /** "subsystem:migration" that adds the column; absent = created with the table. */
  readonly since?: string;
}
export interface Table {
  readonly name: string;
  readonly createdBy: string;
  readonly droppedBy?: string;
  readonly droppedIn?: 'up' | 'teardown';
  readonly columns: readonly Column[];
}
export const DEFAULT_WORKSPACE_ID: string;
export const TABLES: readonly Table[];
export const META_TABLES: readonly string[];
export function upSql(subsystem: string, name: string): string;
export function teardownSql(subsystem: string, name: string): string;
export function tablesAfter(executedKeys: Iterable<string>, tornDownKeys?: Iterable<string>): { name: string; columns: string[] }[];
