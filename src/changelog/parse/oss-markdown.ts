import { Lexer, type Token, type Tokens } from 'marked';
import { stepError } from '../../lib/errors.js';
import type { ChangelogEntry, EntryKind, Release } from '../types.js';
import { isFlaggedBreaking, kindOf } from './kinds.js';

/**
 * Kong OSS `CHANGELOG.md` / `CHANGELOG-OLD.md`, every heading era: `## [X.Y.Z] - YYYY/MM/DD`,
 * `## [X.Y.Z]`, `## X.Y.Z`, and the generated 3.4.1+ layout `## X.Y.Z` → `### Kong` →
 * `#### <Type>` → `##### <Scope>`.
 */
export function parseOssChangelog(markdown: string, source = 'Kong OSS changelog'): Release[] {
  return parseChangelogMarkdown(markdown, source);
}

/**
 * The walk shared with the Enterprise markdown parser: both are "release heading, then kind and
 * scope headings at some deeper levels, then lists". Headings form a stack, so an entry's kind
 * and scope are those of the nearest enclosing headings whatever levels an era happened to use.
 */
export function parseChangelogMarkdown(markdown: string, source: string): Release[] {
  const walk = new ChangelogWalk();
  for (const token of lexBlocks(markdown)) walk.visit(token);
  const releases = walk.finish();
  if (releases.length === 0) {
    throw stepError('parse changelog', `${source}: no release heading found (expected a heading like "## 3.4.0")`);
  }
  return releases;
}

/**
 * A block of markdown as one line of inline markdown, paragraphs and list items (nested ones
 * too) joined with "; ". Used for JSON messages that carry their own lists.
 */
export function flattenMarkdown(markdown: string): string {
  return flattenBlocks(lexBlocks(markdown));
}

/** `[2.8.0] (UNRELEASED)`, `[0.14.0] - 2018/07/05`, `3.4.3.5 `, `0.1.0beta-3`, `0.2.0-2`, `2.1.0-alpha.1`. */
const VERSION = /^\[?(\d+(?:\.\d+)+(?:-\d+|[-.]?[a-z]+[-.]?\d*)?)\]?(?=\s|$)/i;
const DATE = /(\d{4})[/-](\d{1,2})[/-](\d{1,2})/;
/** A paragraph that is nothing but links, `[#11402](…)` or `[Back to TOC](#…)`. */
const ONLY_LINKS = /^(?:\s*\[[^\]]*\]\([^)\s]*\))+\s*$/;
/** `### Kong` / `### Kong-Manager` in the generated layout name a product, not a kind or scope. */
const PRODUCTS: ReadonlyMap<string, string | undefined> = new Map([
  ['kong', undefined],
  ['kong-manager', 'Kong Manager'],
  ['kong manager', 'Kong Manager'],
]);

type Frame =
  | { readonly depth: number; readonly role: 'product'; readonly scope: string | undefined }
  | { readonly depth: number; readonly role: 'kind'; readonly kind: EntryKind }
  | { readonly depth: number; readonly role: 'scope'; readonly scope: string };

interface ReleaseDraft {
  readonly version: string;
  date: string | undefined;
  readonly entries: ChangelogEntry[];
}

class ChangelogWalk {
  private readonly releases: ReleaseDraft[] = [];
  private current: ReleaseDraft | undefined;
  private frames: Frame[] = [];

  visit(token: Token): void {
    if (isHeading(token)) this.heading(token.depth, token.text.trim());
    else if (this.current === undefined) return;
    else if (isList(token)) for (const item of token.items) this.add(itemText(item));
    else if (isParagraph(token) || isBlockquote(token)) this.block(token);
    // Code blocks, tables, html and rules carry no entry of their own.
  }

  finish(): Release[] {
    return this.releases.map(({ version, date, entries }) => ({ version, date, entries }));
  }

  private heading(depth: number, text: string): void {
    const match = VERSION.exec(text);
    const version = match?.[1];
    if (match !== null && version !== undefined) {
      // Any level: `### 3.2.1` nested inside `## 3.2.2` is a release of its own.
      this.current = { version, date: isoDate(text.slice(match[0].length)), entries: [] };
      this.releases.push(this.current);
      this.frames = [];
      return;
    }
    const product = PRODUCTS.has(text.toLowerCase());
    // `## Kong` inside 3.8.1 is a mis-levelled `### Kong`; any other non-version title at
    // level 1 or 2 (Table of Contents, Unreleased, Previous releases) ends the release.
    if (depth <= 2 && !(product && this.current !== undefined)) {
      this.current = undefined;
      this.frames = [];
      return;
    }
    const level = Math.max(depth, 3);
    this.frames = this.frames.filter((frame) => frame.depth < level);
    if (product && level === 3) {
      this.frames.push({ depth: level, role: 'product', scope: PRODUCTS.get(text.toLowerCase()) });
      return;
    }
    const kind = kindOf(text);
    // A kind heading under a heading of the same kind is a scope (generated `##### Performance`
    // under `#### Performance`); under another kind it switches kind (0.8.2 `#### Fixed` under
    // `### Added`, 2.8.0 `#### Performance` under `### Additions`).
    if (kind !== undefined && kind !== this.kind()) this.frames.push({ depth: level, role: 'kind', kind });
    else this.frames.push({ depth: level, role: 'scope', scope: text });
  }

  private block(token: Tokens.Paragraph | Tokens.Blockquote): void {
    const current = this.current;
    if (current === undefined) return;
    if (this.frames.length === 0) {
      // Before any section: the date line (`> Released 2021/05/11`, `**Release Date** 2024/03/21`)
      // and the release's introductory prose, which summarises rather than lists changes.
      if (current.date === undefined && /releas/i.test(token.text)) current.date = isoDate(token.text);
      return;
    }
    if (isParagraph(token) && ONLY_LINKS.test(token.text)) {
      // `[Back to TOC](#table-of-contents)` closes every old release; a lone PR link is the
      // reference of the entry above that lost its indentation (3.4.1).
      const last = current.entries.length - 1;
      const previous = current.entries[last];
      if (previous !== undefined && !token.text.includes('](#')) {
        current.entries[last] = { ...previous, text: `${previous.text} ${oneLine(token.text)}` };
      }
      return;
    }
    this.add(isParagraph(token) ? oneLine(token.text) : flattenBlocks(token.tokens));
  }

  private add(text: string): void {
    if (text === '' || this.current === undefined) return;
    const kind = isFlaggedBreaking(text) ? 'breaking' : (this.kind() ?? 'other');
    this.current.entries.push({ kind, scope: this.scope(), text });
  }

  private kind(): EntryKind | undefined {
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const frame = this.frames[i];
      if (frame?.role === 'kind') return frame.kind;
    }
    return undefined;
  }

  private scope(): string {
    const product = this.frames.find((frame) => frame.role === 'product');
    if (product?.scope !== undefined) return product.scope;
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const frame = this.frames[i];
      // The generated layout writes `##### Default` for "no scope".
      if (frame?.role === 'scope') return frame.scope === 'Default' ? 'General' : frame.scope;
    }
    return 'General';
  }
}

/** One entry's text: its own inline markdown, then each nested item, joined with "; ". */
function itemText(item: Tokens.ListItem): string {
  const own = item.tokens.filter((token) => !isList(token));
  const nested = item.tokens.filter(isList);
  return joinParts([oneLine(own.map((token) => token.raw).join(' ')), flattenBlocks(nested)]);
}

/** Blocks (a blockquote's body, a JSON message) on one line: list items and paragraphs joined with "; ". */
function flattenBlocks(tokens: readonly Token[]): string {
  return joinParts(tokens.flatMap((token) => (isList(token) ? token.items.map(itemText) : [oneLine(token.raw)])));
}

/** "; " between parts, except after a part that introduces the next with a colon. */
function joinParts(parts: readonly string[]): string {
  return parts
    .filter((part) => part !== '')
    .reduce((text, part) => (text === '' ? part : `${text}${text.endsWith(':') ? ' ' : '; '}${part}`), '');
}

function oneLine(markdown: string): string {
  return markdown.replace(/\s+/g, ' ').trim();
}

function isoDate(text: string): string | undefined {
  const match = DATE.exec(text);
  if (match === null) return undefined;
  const [, year = '', month = '', day = ''] = match;
  return `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
}

/**
 * Block tokens only: entries keep their inline markdown as written, so marked's inline pass (half
 * the lexing time on CHANGELOG-OLD.md) would be wasted. `Lexer.lex` normalises line ends first.
 */
function lexBlocks(markdown: string): Token[] {
  return new Lexer({ gfm: true }).blockTokens(markdown.replace(/\r\n?/g, '\n'));
}

// marked's Token union includes a catch-all generic token, so `type` checks do not narrow alone.
function isHeading(token: Token): token is Tokens.Heading {
  return token.type === 'heading';
}
function isList(token: Token): token is Tokens.List {
  return token.type === 'list';
}
function isParagraph(token: Token): token is Tokens.Paragraph {
  return token.type === 'paragraph';
}
function isBlockquote(token: Token): token is Tokens.Blockquote {
  return token.type === 'blockquote';
}
