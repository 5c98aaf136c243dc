/**
 * What an upgrade is of, besides its versions: how the nodes run and what stores their
 * configuration. The upgrade path and the strategies depend on both.
 */
export const DEPLOYMENTS = ['traditional', 'hybrid', 'db-less'] as const;
export const DATABASES = ['postgres', 'cassandra'] as const;

export type Deployment = (typeof DEPLOYMENTS)[number];
export type DatabaseKind = (typeof DATABASES)[number];

/** Kong's four upgrade strategies (Kong's upgrade guide: in-place, dual-cluster, blue-green, rolling). */
export type StrategyName = 'in-place' | 'dual-cluster' | 'blue-green' | 'rolling';
