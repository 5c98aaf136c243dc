/**
 * Route path facts shared by the two route rules (facts: upgrade-paths-helm-operator-deck.md
 * §5.3 and §6 items 1–2).
 */

/** 3.x reads a path as a regex only with this prefix (Kong 3.0.0 changelog, Kong/kong#9027). */
export const REGEX_PREFIX = '~';

// The 2.x → 3.x heuristic of Kong (kong/db/migrations/migrate_path_280_300.lua, is_not_regex)
// and of decK (convert/convert.go, utils.IsPathRegexLike): a path is plain when every character
// is in this set, a regex otherwise. A path already starting with `~` is left alone by both.
const PLAIN_PATH = /^[a-zA-Z0-9._~/%-]*$/;

export function isRegexLike(path: string): boolean {
  return !path.startsWith(REGEX_PREFIX) && !PLAIN_PATH.test(path);
}

/** The regex of a path as 3.x will see it: after `~`, or a 2.x path the migration will prefix. */
export function regexOf(path: string): string | undefined {
  if (path.startsWith(REGEX_PREFIX)) return path.slice(REGEX_PREFIX.length);
  return isRegexLike(path) ? path : undefined;
}

// Kong/kong 3.4.2 kong/db/migrations/migrate_path_280_300.lua, normalize_regex: a percent-encoded
// reserved character stays encoded (upper-cased), a regex metacharacter becomes its escape, any
// other byte is decoded.
const RESERVED = new Set([0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2f, 0x3a, 0x3b, 0x3d, 0x3f, 0x40, 0x5b, 0x5d]);
const META_ESCAPES: Readonly<Record<number, string>> = { 0x2e: '\\.', 0x5e: '\\^', 0x2d: '\\-', 0x7b: '\\{', 0x7d: '\\}', 0x5c: '\\\\', 0x7c: '\\|' };

/**
 * What Kong 3.x DB-less makes of a regex path in a 1.1/2.1 file when it loads it
 * (kong/db/declarative/migrations/route_path.lua → migrate_path_280_300): `~` and the
 * percent-decoded pattern.
 */
export function kongMigratedRegex(path: string): string {
  const decoded = path.includes('%')
    ? path.replace(/%([0-9a-fA-F]{2})/g, (whole, hex: string) => {
        const code = parseInt(hex, 16);
        return RESERVED.has(code) ? whole.toUpperCase() : (META_ESCAPES[code] ?? String.fromCharCode(code));
      })
    : path;
  return `${REGEX_PREFIX}${decoded}`;
}

export type UnsupportedConstruct = 'look-ahead' | 'look-behind' | 'backreference' | 'atomic group' | 'possessive quantifier';

/**
 * Constructs PCRE (the 2.x router) accepts and the Rust `regex` crate behind atc-router (the
 * 3.x `traditional_compatible` and `expressions` flavors) rejects: look-around, backreferences,
 * atomic groups and possessive quantifiers (facts §6 item 2, Kong/kong#9495). A small scanner
 * rather than a regex, so escapes and character classes do not cause false alarms.
 */
export function unsupportedConstructs(pattern: string): UnsupportedConstruct[] {
  const found = new Set<UnsupportedConstruct>();
  let inClass = false;
  let afterQuantifier = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '\\') {
      const next = pattern.slice(i + 1, i + 3);
      if (!inClass && /^([1-9]|k[<{']|g[{\d-])/.test(next)) found.add('backreference');
      i++;
      afterQuantifier = false;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      continue;
    }
    if (char === '[') {
      inClass = true;
      // A `]` right after `[` or `[^` is a literal member, not the end of the class.
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++;
      afterQuantifier = false;
      continue;
    }
    if (char === '(') {
      const group = pattern.slice(i + 1, i + 4);
      if (/^\?[=!]/.test(group)) found.add('look-ahead');
      else if (/^\?<[=!]/.test(group)) found.add('look-behind');
      else if (group.startsWith('?>')) found.add('atomic group');
      else if (group.startsWith('?P=')) found.add('backreference');
      // The `?` opening a group is not a quantifier.
      if (group.startsWith('?')) i++;
      afterQuantifier = false;
      continue;
    }
    if (char === '+' && afterQuantifier) found.add('possessive quantifier');
    afterQuantifier = char === '*' || char === '+' || char === '?' || (char === '}' && /\{\d+(,\d*)?$/.test(pattern.slice(0, i)));
  }
  return [...found];
}
