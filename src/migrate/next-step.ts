import type { StateReading } from '../kong/migration-state.js';
import type { Hop } from './hops.js';

/** What to do next, one paragraph, from where the database stands for hop `index`. */
export function nextStep(reading: StateReading, hops: readonly Hop[], index: number): string {
  const hop = hops[index]!;
  switch (reading.state.kind) {
    case 'needs-bootstrap':
      return 'The database is not bootstrapped: run command: bootstrap for a new installation.';
    case 'new':
      return `Run \`up\` with Kong ${hop.label} (after backup-db).`;
    case 'pending':
      return `Validate the Kong ${hop.label} nodes (smoke-test), then run \`finish\` with the smoke report.`;
    case 'pending-and-new':
      return 'Pending migrations of an earlier upgrade remain: finish them with the version that ran that `up`, or roll back by restoring the backup.';
    case 'up-to-date':
      return index < hops.length - 1
        ? `Up to date for Kong ${hop.label}; next hop: Kong ${hops[index + 1]!.label}.`
        : `Up to date for Kong ${hop.label}.`;
  }
}
