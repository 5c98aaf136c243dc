/**
 * Route path facts shared by the two route rules (facts: upgrade-paths-helm-operator-deck.md
 * §5.3 and §6 items 1–2).
 */

/** 3.x reads a path as a regex only with this prefix (Kong 3.0.0 changelog, Kong/kong#9027). */
export const REGEX_PREFIX = '~';

// decK's 2.x → 3.x heuristic (convert/convert.go, utils.IsPathRegexLike): a path is regex-like
// when it has any character outside this set. Kong's own migration adds `~` by the same idea.
const PLAIN_PATH = /^[a-zA-Z0-9._~/%-]*$/;

export function isRegexLike(path: string): boolean {
  return !path.startsWith(`${REGEX_PREFIX}/`) && !PLAIN_PATH.test(path);
}

/** The regex of a path as 3.x will see it: after `~`, or a 2.x path the migration will prefix. */
export function regexOf(path: string): string | undefined {
  if (path.startsWith(REGEX_PREFIX)) return path.slice(REGEX_PREFIX.length);
  return isRegexLike(path) ? path : undefined;
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
