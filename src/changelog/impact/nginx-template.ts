import { crosses } from './crossing.js';
import { diffLines, type Hunk } from './line-diff.js';
import type { Impact, ImpactContext, ImpactRule } from './types.js';

/** Kong's default templates (kong/templates/*.lua) a custom one can stand for. */
export type TemplateKind = 'nginx.lua' | 'nginx_kong.lua' | 'nginx_kong_stream.lua';

/**
 * Which of Kong's templates a custom one replaces: the main one (`kong start --nginx-conf`,
 * with `events {}` and the `include 'nginx-kong.conf'` Kong's docs show), the stream block's,
 * or the http block's. Each is compared with its own default; a main template compared with
 * nginx_kong.lua reported every hunk of the wrong file.
 */
export function templateKind(custom: string): TemplateKind {
  if (/^\s*events\s*\{/m.test(custom) || /^\s*include\s+['"]?nginx-kong(-stream)?\.conf/m.test(custom)) return 'nginx.lua';
  if (/\bkong_stream\b|^\s*preread_by_lua_block/m.test(custom) && !/\bserver_name\s+kong\s*;/.test(custom)) return 'nginx_kong_stream.lua';
  return 'nginx_kong.lua';
}

// What a main template must carry, known without Kong's files (Kong/kong kong/templates/nginx.lua):
// 3.0.0 to 3.3.x put the DB-less LMDB settings in it; 3.4.0 moved them to an include.
const MAIN_TEMPLATE_LINES: readonly { readonly line: string; readonly from: string; readonly before?: string }[] = [
  { line: 'lmdb_environment_path ${{LMDB_ENVIRONMENT_PATH}};', from: '3.0.0', before: '3.4.0' },
  { line: "include 'nginx-inject.conf';", from: '3.4.0' },
];

/**
 * A custom nginx template replaces Kong's default one, so whatever Kong changed in its default
 * template between the two versions must be merged by hand (facts
 * upgrade-paths-helm-operator-deck.md §1.2, "Modified Nginx templates … must be carried
 * forward"). Each hunk of the defaults' diff the custom template does not reflect is reported;
 * without Kong's files (offline), a main template is still checked for the lines above.
 */
export const nginxTemplate: ImpactRule = {
  id: 'nginx-template',
  check(context) {
    const template = context.nginxTemplate;
    if (!template) return [];
    const customLines = template.custom.split(/\r?\n/).map((line) => line.trim());
    if (template.defaults === undefined) return builtInChecks(context, template.file, customLines);
    const present = new Set(customLines);
    return template.defaults.flatMap((defaults) => {
      const kept = new Set(defaults.to.split(/\r?\n/).map((line) => line.trim()));
      return diffLines(defaults.from, defaults.to)
        .filter((hunk) => !reflected(hunk, present, kept))
        .map((hunk): Impact => {
          const anchorIndex = hunk.anchor === undefined ? -1 : customLines.indexOf(hunk.anchor);
          return {
            rule: 'nginx-template',
            severity: 'warning',
            title: `Kong's default template ${defaults.name} changed at its line ${hunk.toLine}; the custom template lacks it`,
            detail: [...hunk.removed.filter(Boolean).map((line) => `- ${line}`), ...hunk.added.filter(Boolean).map((line) => `+ ${line}`)].join('\n'),
            where: anchorIndex >= 0 ? `${template.file}:${anchorIndex + 2}` : template.file,
            remedy: 'Merge this change into the custom template (or drop the custom template if it no longer differs).',
          };
        });
    });
  },
};

function builtInChecks(context: ImpactContext, file: string, customLines: readonly string[]): Impact[] {
  if (templateKind(customLines.join('\n')) !== 'nginx.lua') return [];
  const normalized = new Set(customLines.map((line) => line.replace(/\s+/g, ' ').replaceAll('"', "'")));
  return MAIN_TEMPLATE_LINES.filter(
    (entry) => crosses(context, entry.from) && (entry.before === undefined || !crosses(context, entry.before)) && !normalized.has(entry.line.replace(/\s+/g, ' ')),
  ).map((entry) => ({
    rule: 'nginx-template',
    severity: 'warning',
    title: `The custom main template lacks \`${entry.line}\` (Kong ${entry.from}'s nginx.lua)`,
    detail: `From ${entry.from} Kong's main template carries this line; DB-less nodes need it for their LMDB settings.`,
    where: file,
    remedy: 'Add the line next to the other top-level directives, then compare the whole template with kong/templates/nginx.lua of the target.',
  }));
}

// Reflected: every line Kong added is there, and no line Kong removed is left over. Blank lines
// carry no meaning in an nginx template, and a line Kong only moved (still in its new template,
// `pid pids/nginx.pid;` in 3.x) is not a removal.
function reflected(hunk: Hunk, present: ReadonlySet<string>, kept: ReadonlySet<string>): boolean {
  const added = hunk.added.filter(Boolean);
  const removed = hunk.removed.filter((line) => line !== '' && !kept.has(line));
  if (added.length === 0 && removed.length === 0) return true;
  return added.every((line) => present.has(line)) && (added.length > 0 || removed.every((line) => !present.has(line)));
}
