import type { UpgradeError } from '../lib/errors.js';
import type { MigrationState, MigrationsBySubsystem } from '../kong/migration-state.js';
import type { MigrateCommand, MigrateLog } from './request.js';

/** One migration a Kong command reported, with the time its line took to appear. */
export interface MigrationRun {
  readonly hop: string;
  readonly command: 'up' | 'finish' | 'bootstrap';
  readonly subsystem: string;
  readonly name: string;
  /** `pending`: `up` ran its up part and its teardown waits for `finish` (Kong/kong 3.4.2 kong/db/init.lua l.606). */
  readonly result: 'executed' | 'pending';
  readonly seconds: number;
}

export interface KongCommandReport {
  readonly hop: string;
  readonly command: 'up' | 'finish' | 'bootstrap';
  readonly exitCode: number;
  readonly seconds: number;
  readonly stateAfter: MigrationState;
}

/** What a dry run found for one hop. */
export interface HopPreview {
  readonly version: string;
  readonly upWouldRun: MigrationsBySubsystem;
  /** Migrations `finish` would complete after this hop's `up` (teardown steps). */
  readonly finishWork: MigrationsBySubsystem;
}

export type CheckStatus = 'pass' | 'fail' | 'warning';
export interface PreflightCheck {
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
}

export interface MigrateResult {
  readonly command: MigrateCommand;
  readonly outcome: 'succeeded' | 'failed' | 'nothing-to-do' | 'dry-run' | 'rendered';
  /** The error to fail with, once the outputs are written. */
  readonly failure: UpgradeError | undefined;
  readonly hops: readonly string[];
  readonly stateBefore: MigrationState | undefined;
  readonly stateAfter: MigrationState | undefined;
  readonly executed: readonly MigrationRun[];
  readonly commands: readonly KongCommandReport[];
  readonly previews: readonly HopPreview[];
  readonly checks: readonly PreflightCheck[];
  readonly rendered: readonly { readonly title: string; readonly text: string }[];
  readonly warnings: readonly string[];
  /** What to do next, one paragraph. */
  readonly next: string;
}

/** Everything one run accumulates; turned into the result, also when it fails part-way. */
export class Session {
  stateBefore: MigrationState | undefined;
  stateAfter: MigrationState | undefined;
  readonly executed: MigrationRun[] = [];
  readonly commands: KongCommandReport[] = [];
  readonly previews: HopPreview[] = [];
  readonly checks: PreflightCheck[] = [];
  readonly rendered: { title: string; text: string }[] = [];
  readonly warnings: string[] = [];
  hops: string[] = [];
  next = '';
  constructor(readonly log: MigrateLog) {}
  warn(line: string): void {
    this.warnings.push(line);
    this.log.warning(line);
  }
  result(command: MigrateCommand, outcome: MigrateResult['outcome'], failure?: UpgradeError): MigrateResult {
    return {
      command,
      outcome,
      failure,
      hops: this.hops,
      stateBefore: this.stateBefore,
      stateAfter: this.stateAfter,
      executed: this.executed,
      commands: this.commands,
      previews: this.previews,
      checks: this.checks,
      rendered: this.rendered,
      warnings: this.warnings,
      next: this.next,
    };
  }
}
