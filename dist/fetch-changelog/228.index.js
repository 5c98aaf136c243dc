export const id = 228;
export const ids = [228];
export const modules = {

/***/ 7228:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  parseEnterpriseChangelogJson: () => (/* reexport */ parseEnterpriseChangelogJson),
  parseEnterpriseChangelogMarkdown: () => (/* reexport */ parseEnterpriseChangelogMarkdown),
  parseOssChangelog: () => (/* reexport */ parseOssChangelog)
});

// EXTERNAL MODULE: ./build/lib/errors.js
var errors = __webpack_require__(1469);
// EXTERNAL MODULE: ./build/changelog/declarative/yaml-reader.js + 1 modules
var yaml_reader = __webpack_require__(782);
;// CONCATENATED MODULE: ./build/changelog/parse/kinds.js
/**
 * Every name a Kong changelog has used for a kind of change — OSS markdown section headings of
 * all eras, the Enterprise markdown sections, and the `type` values of the Enterprise JSON —
 * mapped onto the plan's kinds. Keys are normalised by `normaliseName`.
 */
const KIND_BY_NAME = new Map([
    ['breaking changes', 'breaking'],
    ['breaking change', 'breaking'],
    // Enterprise markdown mixes both in one section; the breaking half is what must not be missed.
    ['breaking changes and deprecations', 'breaking'],
    // Keep-a-Changelog "Removed": a removed feature breaks whoever used it, and a planner should
    // over-report a break rather than miss one.
    ['removed', 'breaking'],
    ['deprecations', 'deprecation'],
    ['deprecation', 'deprecation'],
    ['deprecated', 'deprecation'],
    ['deprecation notices', 'deprecation'],
    ['additions', 'feature'],
    ['added', 'feature'],
    ['features', 'feature'],
    ['feature', 'feature'],
    ['improved', 'feature'],
    ['fixes', 'fix'],
    ['fixed', 'fix'],
    ['bugfix', 'fix'],
    ['bug fixes', 'fix'],
    ['dependencies', 'dependency'],
    ['dependency', 'dependency'],
    ['performance', 'performance'],
    ['known issues', 'known-issue'],
    ['known issue', 'known-issue'],
    ['known limitations', 'known-issue'],
    ['changes', 'other'],
    ['changed', 'other'],
    ['distribution', 'other'],
    ['distributions', 'other'],
    ['packaging', 'other'],
    ['installation', 'other'],
    ['upgrades', 'other'],
]);
/** Case, `_`/`-` separators (`breaking_change`, `known-issues`) and a trailing colon vary by era. */
function normaliseName(name) {
    return name
        .toLowerCase()
        .replace(/[_-]+/g, ' ')
        .replace(/:\s*$/, '')
        .replace(/\s+/g, ' ')
        .trim();
}
/** The kind a section heading or JSON `type` names; undefined when the name is not a kind (a scope, say). */
function kindOf(name) {
    return KIND_BY_NAME.get(normaliseName(name));
}
/** Items flagged `:warning:` (3.x OSS) are breaking whatever section they sit in. */
function isFlaggedBreaking(text) {
    return text.includes(':warning:') || text.includes('\u26a0');
}

// EXTERNAL MODULE: ./node_modules/marked/lib/marked.esm.js
var marked_esm = __webpack_require__(8022);
;// CONCATENATED MODULE: ./build/changelog/parse/oss-markdown.js



/**
 * Kong OSS `CHANGELOG.md` / `CHANGELOG-OLD.md`, every heading era: `## [X.Y.Z] - YYYY/MM/DD`,
 * `## [X.Y.Z]`, `## X.Y.Z`, and the generated 3.4.1+ layout `## X.Y.Z` → `### Kong` →
 * `#### <Type>` → `##### <Scope>`.
 */
function parseOssChangelog(markdown, source = 'Kong OSS changelog') {
    return parseChangelogMarkdown(markdown, source);
}
/**
 * The walk shared with the Enterprise markdown parser: both are "release heading, then kind and
 * scope headings at some deeper levels, then lists". Headings form a stack, so an entry's kind
 * and scope are those of the nearest enclosing headings whatever levels an era happened to use.
 */
function parseChangelogMarkdown(markdown, source) {
    const walk = new ChangelogWalk();
    for (const token of lexBlocks(markdown))
        walk.visit(token);
    const releases = walk.finish();
    if (releases.length === 0) {
        throw (0,errors/* stepError */.hH)('parse changelog', `${source}: no release heading found (expected a heading like "## 3.4.0")`);
    }
    return releases;
}
/**
 * A block of markdown as one line of inline markdown, paragraphs and list items (nested ones
 * too) joined with "; ". Used for JSON messages that carry their own lists.
 */
function flattenMarkdown(markdown) {
    return flattenBlocks(lexBlocks(markdown));
}
/** `[2.8.0] (UNRELEASED)`, `[0.14.0] - 2018/07/05`, `3.4.3.5 `, `0.1.0beta-3`, `0.2.0-2`, `2.1.0-alpha.1`. */
const VERSION = /^\[?(\d+(?:\.\d+)+(?:-\d+|[-.]?[a-z]+[-.]?\d*)?)\]?(?=\s|$)/i;
const DATE = /(\d{4})[/-](\d{1,2})[/-](\d{1,2})/;
/** A paragraph that is nothing but links, `[#11402](…)` or `[Back to TOC](#…)`. */
const ONLY_LINKS = /^(?:\s*\[[^\]]*\]\([^)\s]*\))+\s*$/;
/** `### Kong` / `### Kong-Manager` in the generated layout name a product, not a kind or scope. */
const PRODUCTS = new Map([
    ['kong', undefined],
    ['kong-manager', 'Kong Manager'],
    ['kong manager', 'Kong Manager'],
]);
class ChangelogWalk {
    releases = [];
    current;
    frames = [];
    visit(token) {
        if (isHeading(token))
            this.heading(token.depth, token.text.trim());
        else if (this.current === undefined)
            return;
        else if (isList(token))
            for (const item of token.items)
                this.add(itemText(item));
        else if (isParagraph(token) || isBlockquote(token))
            this.block(token);
        // Code blocks, tables, html and rules carry no entry of their own.
    }
    finish() {
        return this.releases.map(({ version, date, entries }) => ({ version, date, entries }));
    }
    heading(depth, text) {
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
        if (kind !== undefined && kind !== this.kind())
            this.frames.push({ depth: level, role: 'kind', kind });
        else
            this.frames.push({ depth: level, role: 'scope', scope: text });
    }
    block(token) {
        const current = this.current;
        if (current === undefined)
            return;
        if (this.frames.length === 0) {
            // Before any section: the date line (`> Released 2021/05/11`, `**Release Date** 2024/03/21`)
            // and the release's introductory prose, which summarises rather than lists changes.
            if (current.date === undefined && /releas/i.test(token.text))
                current.date = isoDate(token.text);
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
    add(text) {
        if (text === '' || this.current === undefined)
            return;
        const kind = isFlaggedBreaking(text) ? 'breaking' : (this.kind() ?? 'other');
        this.current.entries.push({ kind, scope: this.scope(), text });
    }
    kind() {
        for (let i = this.frames.length - 1; i >= 0; i--) {
            const frame = this.frames[i];
            if (frame?.role === 'kind')
                return frame.kind;
        }
        return undefined;
    }
    scope() {
        const product = this.frames.find((frame) => frame.role === 'product');
        if (product?.scope !== undefined)
            return product.scope;
        for (let i = this.frames.length - 1; i >= 0; i--) {
            const frame = this.frames[i];
            // The generated layout writes `##### Default` for "no scope".
            if (frame?.role === 'scope')
                return frame.scope === 'Default' ? 'General' : frame.scope;
        }
        return 'General';
    }
}
/** One entry's text: its own inline markdown, then each nested item, joined with "; ". */
function itemText(item) {
    const own = item.tokens.filter((token) => !isList(token));
    const nested = item.tokens.filter(isList);
    return joinParts([oneLine(own.map((token) => token.raw).join(' ')), flattenBlocks(nested)]);
}
/** Blocks (a blockquote's body, a JSON message) on one line: list items and paragraphs joined with "; ". */
function flattenBlocks(tokens) {
    return joinParts(tokens.flatMap((token) => (isList(token) ? token.items.map(itemText) : [oneLine(token.raw)])));
}
/** "; " between parts, except after a part that introduces the next with a colon. */
function joinParts(parts) {
    return parts
        .filter((part) => part !== '')
        .reduce((text, part) => (text === '' ? part : `${text}${text.endsWith(':') ? ' ' : '; '}${part}`), '');
}
function oneLine(markdown) {
    return markdown.replace(/\s+/g, ' ').trim();
}
function isoDate(text) {
    const match = DATE.exec(text);
    if (match === null)
        return undefined;
    const [, year = '', month = '', day = ''] = match;
    return `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
}
/**
 * Block tokens only: entries keep their inline markdown as written, so marked's inline pass (half
 * the lexing time on CHANGELOG-OLD.md) would be wasted. `Lexer.lex` normalises line ends first.
 */
function lexBlocks(markdown) {
    return new marked_esm/* Lexer */.JG({ gfm: true }).blockTokens(markdown.replace(/\r\n?/g, '\n'));
}
// marked's Token union includes a catch-all generic token, so `type` checks do not narrow alone.
function isHeading(token) {
    return token.type === 'heading';
}
function isList(token) {
    return token.type === 'list';
}
function isParagraph(token) {
    return token.type === 'paragraph';
}
function isBlockquote(token) {
    return token.type === 'blockquote';
}

;// CONCATENATED MODULE: ./build/changelog/parse/enterprise-json.js




/**
 * The Enterprise changelog data of developer.konghq.com (`app/_data/changelogs/gateway.json`):
 * an object keyed by version (`"3.4.3.5"`, a few 3-part) whose values hold one item list per
 * product. Releases come back in the file's key order, with no dates (the file has none).
 */
function parseEnterpriseChangelogJson(json, source = 'Kong Enterprise changelog JSON') {
    let data;
    try {
        data = JSON.parse(json);
    }
    catch {
        throw (0,errors/* stepError */.hH)(STEP, `${source}: not valid JSON${whereInvalid(json)} (the text is not shown)`);
    }
    if (!isRecord(data))
        throw shapeError(source, `expected an object keyed by version, got ${describe(data)}`);
    const releases = Object.entries(data).map(([version, products]) => {
        if (!VERSION_KEY.test(version))
            throw shapeError(source, `key "${version}" is not a version`);
        return { version, date: undefined, entries: entriesOf(products, `${source} ${version}`) };
    });
    if (releases.length === 0)
        throw shapeError(source, 'no release found (the object is empty)');
    return releases;
}
const STEP = 'parse changelog';
const VERSION_KEY = /^\d+(\.\d+)+$/;
/**
 * The products whose items are Gateway changes, and the scope forced on them: Kong Manager
 * items carry core scopes (`Default`, `Core`) that would hide which product they belong to.
 * Other keys (none today) are left out rather than guessed at.
 */
const PRODUCT_SCOPES = new Map([
    ['kong', undefined],
    ['kong-ee', undefined],
    ['kong-manager', 'Kong Manager'],
    ['kong-manager-ee', 'Kong Manager'],
]);
function entriesOf(products, where) {
    if (!isRecord(products))
        throw shapeError(where, `expected an object of product lists, got ${describe(products)}`);
    const entries = [];
    for (const [product, items] of Object.entries(products)) {
        if (!PRODUCT_SCOPES.has(product))
            continue;
        if (!Array.isArray(items))
            throw shapeError(`${where} ${product}`, `expected a list, got ${describe(items)}`);
        for (const item of items)
            entries.push(entryOf(item, PRODUCT_SCOPES.get(product), `${where} ${product}`));
    }
    return entries;
}
function entryOf(item, productScope, where) {
    if (!isRecord(item) || typeof item['message'] !== 'string' || typeof item['type'] !== 'string') {
        throw shapeError(where, `expected items with string "message" and "type", got ${describe(item)}`);
    }
    const text = withPlugins(oneLineMessage(item['message']), item['plugins']);
    const kind = isFlaggedBreaking(text) ? 'breaking' : (kindOf(item['type']) ?? 'other');
    return { kind, scope: productScope ?? scopeOf(item['scope']), text };
}
/** Messages are markdown, some with their own bullet lists; only those need the lexer. */
function oneLineMessage(message) {
    return message.includes('\n') ? flattenMarkdown(message) : message.trim();
}
/** Plugin items do not always name the plugin in the message; the `plugins` list does. */
function withPlugins(text, plugins) {
    if (!Array.isArray(plugins) || plugins.length === 0 || text.startsWith('**'))
        return text;
    return `**${plugins.map(String).join(', ')}**: ${text}`;
}
/** The changelog tool writes `Default` for an item without a scope. */
function scopeOf(scope) {
    return typeof scope === 'string' && scope !== '' && scope !== 'Default' ? scope : 'General';
}
function shapeError(where, detail) {
    return (0,errors/* stepError */.hH)(STEP, `${where}: ${detail}`);
}
function isRecord(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function describe(value) {
    if (Array.isArray(value))
        return 'a list';
    if (value === null)
        return 'null';
    return typeof value === 'object' ? 'an object' : `${typeof value} ${String(JSON.stringify(value)).slice(0, 40)}`;
}
/**
 * V8's JSON.parse message quotes the text around the error, which a file given as input may
 * hold secrets in: the line and column come from the YAML reader (JSON is YAML), its text never.
 */
function whereInvalid(json) {
    try {
        (0,yaml_reader/* readYaml */.gM)(json);
        return '';
    }
    catch (error) {
        return error instanceof yaml_reader/* YamlSyntaxError */.nN ? ` at line ${error.line}, column ${error.column}: ${error.expected}` : '';
    }
}

;// CONCATENATED MODULE: ./build/changelog/parse/enterprise-markdown.js

/**
 * The legacy Enterprise changelog (docs.konghq.com `app/gateway/changelog.md`, last at
 * `fb0334b0c3`): `## X.Y.Z.N` (sometimes with trailing spaces), a `**Release Date** YYYY/MM/DD`
 * line, `### <Type>` sections and `#### <Scope>`, plugin items nesting their changes as
 * sub-bullets. That is the OSS shape one level shallower, so the OSS walk reads it unchanged;
 * the Jekyll front matter lexes as a rule and a non-version heading, which the walk skips.
 */
function parseEnterpriseChangelogMarkdown(markdown, source = 'Kong Enterprise changelog markdown') {
    return parseChangelogMarkdown(markdown, source);
}

;// CONCATENATED MODULE: ./build/changelog/parse/index.js
// One entry for the three parsers, loaded as one chunk when a changelog is there to parse.





/***/ })

};
