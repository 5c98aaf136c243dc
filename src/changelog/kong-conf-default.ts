/**
 * Reads Kong's `kong.conf.default`: every property appears commented out with its default,
 * `#key = value   # description`, descriptions continue on indented `#` lines, and an empty
 * default reads `#node_id =        # Node ID…` (facts: changelog-and-admin-api.md §A.4).
 * Only the first line of a property matters; description lines start with whitespace or
 * `# `, so they never look like a property.
 *
 * This module has no imports so that scripts/gen-kong-conf-data.mjs can load it with Node's
 * type stripping: the generated data and the tests share one parser.
 */

/** Property name → default value, in the file's order. An empty default is ''. */
export type KongConfDefaults = ReadonlyMap<string, string>;

const PROPERTY_START = /^#([a-z_][a-z0-9_]*)\s*=(.*)$/;

// The description starts at the first `#` that opens the rest or follows whitespace. The
// regex suggested in facts §A.4 lets a lazy value swallow the description of an empty
// default (`#node_id =   # Node ID…`), so the split is done by hand.
const DESCRIPTION = /(?:^|\s)#/;

export function parseKongConfDefault(text: string): KongConfDefaults {
  const defaults = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = PROPERTY_START.exec(line);
    if (!match) continue;
    const rest = match[2]!;
    const description = DESCRIPTION.exec(rest);
    defaults.set(match[1]!, (description ? rest.slice(0, description.index) : rest).trim());
  }
  return defaults;
}
