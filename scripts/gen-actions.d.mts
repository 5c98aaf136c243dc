// Types for scripts/gen-actions.mjs, so the TypeScript tests can import it.
export type InputType = 'text' | 'boolean' | 'number' | 'duration' | 'rate' | 'enum' | 'list' | 'path' | 'url' | 'secret' | 'json';
export interface Input {
  description: string;
  readme?: string;
  required?: boolean;
  default?: string;
  'default-text'?: string;
  type: InputType;
  values?: string[];
  group: string;
}
export interface CliSpec {
  command: string;
  inputs?: string[];
  except?: string[];
  switches?: string[];
  repeatable?: string[];
}
export interface Manifest {
  name: string;
  description: string;
  author: string;
  branding: { icon: string; color: string };
  runs?: { post?: boolean; 'post-if'?: string };
  groups: Record<string, { title: string; note?: string }>;
  inputs: Record<string, Input>;
  outputs: Record<string, { description: string; readme?: string }>;
  cli?: CliSpec;
}
export declare const ROOT: string;
export declare const MARKERS: readonly ['inputs', 'outputs'];
export declare function actionNames(root?: string): string[];
export declare function readManifest(name: string, root?: string): Manifest;
export declare function renderActionYml(manifest: Manifest, name: string, options?: { dist?: string; title?: string; source?: string }): string;
export declare function renderInputsTable(manifest: Manifest): string;
export declare function renderOutputsTable(manifest: Manifest): string;
export declare function renderReadme(readme: string, manifest: Manifest, file: string): string;
export declare function renderInputsModule(manifest: Manifest, name: string): string;
export declare function renderCliFlags(manifests: Array<[string, Manifest]>): string;
export declare function generate(root?: string): Map<string, string>;
export declare function stale(root?: string): string[];
