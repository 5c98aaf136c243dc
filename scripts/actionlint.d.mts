// Types for scripts/actionlint.mjs, so the TypeScript tests can import it.
export interface Finding {
  file: string;
  line: number;
  column: number;
  kind: string;
  message: string;
}
export declare function isNode24Exemption(message: string): boolean;
export declare function isJobWorkflowExemption(message: string): boolean;
export declare function defaultWorkflowFiles(root?: string): string[];
export declare function lintFiles(files: readonly string[]): Promise<{ findings: Finding[]; ignored: number }>;
