/** Shape checks for values read from YAML or JSON. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The mappings of a list, skipping anything else. */
export function recordsIn(node: unknown): Record<string, unknown>[] {
  return Array.isArray(node) ? node.filter(isRecord) : [];
}
