import { diffLines, type Hunk } from './line-diff.js';
import type { Impact, ImpactRule } from './types.js';

/**
 * A custom nginx template replaces Kong's default one, so whatever Kong changed in its default
 * template between the two versions must be merged by hand (facts
 * upgrade-paths-helm-operator-deck.md §1.2, "Modified Nginx templates … must be carried
 * forward"). Each hunk of the defaults' diff the custom template does not reflect is reported.
 */
export const nginxTemplate: ImpactRule = {
  id: 'nginx-template',
  check(context) {
    const template = context.nginxTemplate;
    if (!template) return [];
    const customLines = template.custom.split(/\r?\n/).map((line) => line.trim());
    const present = new Set(customLines);
    return diffLines(template.defaultFrom, template.defaultTo)
      .filter((hunk) => !reflected(hunk, present))
      .map((hunk): Impact => {
        const anchorIndex = hunk.anchor === undefined ? -1 : customLines.indexOf(hunk.anchor);
        return {
          rule: 'nginx-template',
          severity: 'warning',
          title: `Kong's default nginx template changed at its line ${hunk.toLine}; the custom template lacks it`,
          detail: [...hunk.removed.filter(Boolean).map((line) => `- ${line}`), ...hunk.added.filter(Boolean).map((line) => `+ ${line}`)].join('\n'),
          where: anchorIndex >= 0 ? `${template.file}:${anchorIndex + 2}` : template.file,
          remedy: 'Merge this change into the custom template (or drop the custom template if it no longer differs).',
        };
      });
  },
};

// Reflected: every line Kong added is there, and no line Kong removed is left over. Blank lines
// carry no meaning in an nginx template.
function reflected(hunk: Hunk, present: ReadonlySet<string>): boolean {
  const added = hunk.added.filter(Boolean);
  const removed = hunk.removed.filter(Boolean);
  if (added.length === 0 && removed.length === 0) return true;
  return added.every((line) => present.has(line)) && (added.length > 0 || removed.every((line) => !present.has(line)));
}
