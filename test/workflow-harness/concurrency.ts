// Concurrency groups as GitHub documents them ("Control the concurrency of workflows and jobs"):
// one run or job in progress per group; a newcomer waits as the group's only pending entry,
// cancelling the one that was pending before it; `cancel-in-progress: true` also cancels the one in
// progress; `queue: max` keeps every newcomer, in order. Group names are case-insensitive.
// A registry shared by several runWorkflow calls makes their workflow-level groups meet, as runs
// of one repository do on GitHub.

export interface Claim {
  /** Who asks, for the messages: a run id or a job label. */
  readonly label: string;
  readonly cancelInProgress: boolean;
  readonly queue: 'single' | 'max';
  /** Cancels this claimant once it holds the group and a newcomer with cancel-in-progress arrives. */
  readonly cancel: (reason: string) => void;
}

export type Acquired = { readonly acquired: true; release(): void } | { readonly acquired: false; readonly reason: string };

interface Group {
  holder: Claim | undefined;
  pending: { claim: Claim; grant(): void; refuse(reason: string): void }[];
}

export class ConcurrencyGroups {
  private readonly groups = new Map<string, Group>();
  /** What happened, in order: `<label> acquired|pending|cancelled <group>`. */
  readonly events: string[] = [];

  acquire(name: string, claim: Claim): Promise<Acquired> {
    const key = name.toLowerCase();
    const group = this.groups.get(key) ?? { holder: undefined, pending: [] };
    this.groups.set(key, group);
    const granted = (): Acquired => {
      group.holder = claim;
      this.events.push(`${claim.label} acquired ${name}`);
      return { acquired: true, release: () => this.release(key, group, claim) };
    };
    if (!group.holder) return Promise.resolve(granted());
    // GitHub's wording for both ways a newcomer displaces an earlier claim.
    const displaced = `Canceling since a higher priority waiting request for '${name}' exists`;
    if (claim.cancelInProgress) group.holder.cancel(displaced);
    if (claim.queue === 'single') {
      for (const waiting of group.pending.splice(0)) waiting.refuse(displaced);
    }
    this.events.push(`${claim.label} pending ${name}`);
    return new Promise((resolve) =>
      group.pending.push({
        claim,
        grant: () => resolve(granted()),
        refuse: (reason) => {
          this.events.push(`${claim.label} cancelled ${name}`);
          resolve({ acquired: false, reason });
        },
      }),
    );
  }

  private release(key: string, group: Group, claim: Claim): void {
    if (group.holder !== claim) return;
    group.holder = undefined;
    const next = group.pending.shift();
    if (next) next.grant();
    else this.groups.delete(key);
  }
}
