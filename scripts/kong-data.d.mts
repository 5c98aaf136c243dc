// Types for scripts/kong-data.mjs, so the TypeScript tests can import it.
export interface KongDataEntry {
  file: string;
  repository: string;
  commit: string;
  tag?: string;
  path: string;
  bytes: number;
  sha256: string;
}
export interface Where {
  root?: string;
  env?: NodeJS.ProcessEnv;
}
export interface KongDataResult {
  entry: KongDataEntry;
  outcome: 'present' | 'fetched' | 'failed';
  where?: string;
  problem?: string;
}
export declare const CACHE_DIR: string;
export declare const FETCH_COMMAND: string;
export declare function kongDataManifest(root?: string): KongDataEntry[];
export declare function kongDataDirs(where?: Where): { name: string; dir: string }[];
export declare function locateKongData(file: string, where?: Where): string | undefined;
export declare function requireKongData(file: string, where?: Where): string;
export declare function fetchKongData(options?: Where & { baseUrl?: string }): Promise<KongDataResult[]>;
