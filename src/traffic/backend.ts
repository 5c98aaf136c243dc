/**
 * One interface for every way promote can move traffic between the blue (current) and the green
 * (upgraded) Kong cluster. The split is expressed as green's share in whole percent, 0..100;
 * each backend maps it onto its own weights and reads it back from the backend itself (the
 * runtime state HAProxy reports, the include file nginx loaded, Kong's targets, the Service's
 * selector), never from a file of ours: a cancelled run is resumed or reverted from what is live.
 */
export type BackendKind = 'haproxy' | 'nginx' | 'kong-upstream' | 'kong-canary' | 'kubernetes';

export type SplitState =
  | { readonly kind: 'split'; readonly green: number; readonly detail: string }
  /** The backend answered, but its state is not one this action wrote (e.g. weights all 0). */
  | { readonly kind: 'unknown'; readonly detail: string };

/** Green's traffic at the front since the previous reading: the "share counted at the front". */
export interface FrontCounts {
  readonly requests: number;
  readonly status5xx: number;
  /** Connection errors, resets, timeouts the front saw talking to green (where it can tell). */
  readonly transportErrors: number;
  readonly source: string;
}

export interface ApplyResult {
  /** Green's share as read back after the change. */
  readonly green: number;
  /** What was done, for the log: "set weight kong/green 25", "nginx reloaded", … */
  readonly actions: readonly string[];
}

export interface TrafficBackend {
  readonly kind: BackendKind;
  /** Whether any share other than 0 and 100 can be expressed (a Service selector cannot). */
  readonly supportsPartial: boolean;
  describe(): string;
  /** The split as the backend itself reports it. */
  read(): Promise<SplitState>;
  /** Sends `green` percent to green and the rest to blue; resolves once in effect and read back. */
  apply(green: number): Promise<ApplyResult>;
  /** What apply would change, without changing anything (dry-run, `render`). */
  render(green: number): Promise<string>;
  /**
   * Starts counting green's traffic at the front; each call of the returned function gives the
   * counts since the previous call. Undefined when this front cannot count per cluster.
   */
  frontCounter?(): Promise<(() => Promise<FrontCounts>) | undefined>;
}

/**
 * Integer weights per server for a split: each side's share divided over its servers, times
 * `scale` so that rounding with several servers per side stays well under half a percent.
 * A side with share 0 gets weight 0 on every server (the backend decides how to write 0).
 */
export function sideWeights(green: number, blueServers: number, greenServers: number, scale: number): { blue: number; green: number } {
  const per = (share: number, n: number) => (share === 0 ? 0 : Math.max(1, Math.round((share * scale) / n)));
  return { blue: per(100 - green, blueServers), green: per(green, greenServers) };
}

/** Green's share in whole percent from the weights of each side; undefined when all are 0. */
export function shareFromWeights(blue: readonly number[], green: readonly number[]): number | undefined {
  const b = blue.reduce((sum, w) => sum + w, 0);
  const g = green.reduce((sum, w) => sum + w, 0);
  if (b + g === 0) return undefined;
  return Math.round((100 * g) / (b + g));
}

export function checkShare(green: number): void {
  if (!Number.isInteger(green) || green < 0 || green > 100) throw new RangeError(`green share ${green} is not a whole percent 0..100`);
}
