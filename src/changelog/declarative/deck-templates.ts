/**
 * decK renders a state file as a Go template with `${{` `}}` delimiters before it parses the
 * YAML (Kong/go-database-reconciler file/readfile.go, renderTemplate; `env "DECK_…"` reads an
 * environment variable). The plan never reads those variables (they hold secrets): each
 * template becomes a placeholder of the same length, letters, digits and `_` only, so it is a
 * valid plain scalar anywhere (quoted, flow or block), lines and columns do not move, and a
 * path holding one is not mistaken for a regex.
 */
const TEMPLATE = /\$\{\{(.*?)\}\}/g;
const ENV_NAME = /^\s*env\s+"([A-Za-z_][A-Za-z0-9_]*)"\s*$/;

export interface RenderedTemplates {
  readonly text: string;
  /** The `env "NAME"` variables the file refers to, unresolved. */
  readonly envNames: readonly string[];
}

export function replaceDeckTemplates(text: string): RenderedTemplates {
  if (!text.includes('${{')) return { text, envNames: [] };
  const envNames = new Set<string>();
  const replaced = text.replace(TEMPLATE, (whole: string, body: string) => {
    const name = ENV_NAME.exec(body)?.[1];
    if (name !== undefined) envNames.add(name);
    const token = name === undefined ? 'deck_template' : `deck_env_${name}`;
    return token.length <= whole.length ? token.padEnd(whole.length, '_') : token.slice(0, whole.length);
  });
  return { text: replaced, envNames: [...envNames] };
}

/** True for a value that was a decK template before rendering. */
export function isDeckPlaceholder(value: string): boolean {
  return /deck_(env_[A-Za-z0-9_]+|template_*)/.test(value);
}
