import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 181:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("buffer");

/***/ }),

/***/ 6982:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("crypto");

/***/ }),

/***/ 2250:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("dns");

/***/ }),

/***/ 4434:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("events");

/***/ }),

/***/ 9896:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("fs");

/***/ }),

/***/ 9278:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("net");

/***/ }),

/***/ 4589:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:assert");

/***/ }),

/***/ 6698:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:async_hooks");

/***/ }),

/***/ 4573:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:buffer");

/***/ }),

/***/ 7540:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:console");

/***/ }),

/***/ 7598:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");

/***/ }),

/***/ 3053:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:diagnostics_channel");

/***/ }),

/***/ 610:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:dns");

/***/ }),

/***/ 8474:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:events");

/***/ }),

/***/ 3024:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");

/***/ }),

/***/ 1455:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");

/***/ }),

/***/ 7067:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http");

/***/ }),

/***/ 2467:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http2");

/***/ }),

/***/ 7030:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:net");

/***/ }),

/***/ 8161:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:os");

/***/ }),

/***/ 6760:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");

/***/ }),

/***/ 643:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:perf_hooks");

/***/ }),

/***/ 1792:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:querystring");

/***/ }),

/***/ 99:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:sqlite");

/***/ }),

/***/ 7075:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:stream");

/***/ }),

/***/ 7997:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:timers");

/***/ }),

/***/ 1692:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:tls");

/***/ }),

/***/ 3136:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:url");

/***/ }),

/***/ 7975:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util");

/***/ }),

/***/ 3429:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util/types");

/***/ }),

/***/ 5919:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:worker_threads");

/***/ }),

/***/ 8522:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:zlib");

/***/ }),

/***/ 6928:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("path");

/***/ }),

/***/ 932:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("process");

/***/ }),

/***/ 2203:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("stream");

/***/ }),

/***/ 3193:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("string_decoder");

/***/ }),

/***/ 4756:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("tls");

/***/ }),

/***/ 9023:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("util");

/***/ }),

/***/ 8253:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("util/types");

/***/ }),

/***/ 7349:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Scalar = __nccwpck_require__(3301);
var YAMLMap = __nccwpck_require__(4454);
var YAMLSeq = __nccwpck_require__(2223);
var resolveBlockMap = __nccwpck_require__(7103);
var resolveBlockSeq = __nccwpck_require__(334);
var resolveFlowCollection = __nccwpck_require__(3142);

function resolveCollection(CN, ctx, token, onError, tagName, tag) {
    const coll = token.type === 'block-map'
        ? resolveBlockMap.resolveBlockMap(CN, ctx, token, onError, tag)
        : token.type === 'block-seq'
            ? resolveBlockSeq.resolveBlockSeq(CN, ctx, token, onError, tag)
            : resolveFlowCollection.resolveFlowCollection(CN, ctx, token, onError, tag);
    const Coll = coll.constructor;
    // If we got a tagName matching the class, or the tag name is '!',
    // then use the tagName from the node class used to create it.
    if (tagName === '!' || tagName === Coll.tagName) {
        coll.tag = Coll.tagName;
        return coll;
    }
    if (tagName)
        coll.tag = tagName;
    return coll;
}
function composeCollection(CN, ctx, token, props, onError) {
    const tagToken = props.tag;
    const tagName = !tagToken
        ? null
        : ctx.directives.tagName(tagToken.source, msg => onError(tagToken, 'TAG_RESOLVE_FAILED', msg));
    if (token.type === 'block-seq') {
        const { anchor, newlineAfterProp: nl } = props;
        const lastProp = anchor && tagToken
            ? anchor.offset > tagToken.offset
                ? anchor
                : tagToken
            : (anchor ?? tagToken);
        if (lastProp && (!nl || nl.offset < lastProp.offset)) {
            const message = 'Missing newline after block sequence props';
            onError(lastProp, 'MISSING_CHAR', message);
        }
    }
    const expType = token.type === 'block-map'
        ? 'map'
        : token.type === 'block-seq'
            ? 'seq'
            : token.start.source === '{'
                ? 'map'
                : 'seq';
    // shortcut: check if it's a generic YAMLMap or YAMLSeq
    // before jumping into the custom tag logic.
    if (!tagToken ||
        !tagName ||
        tagName === '!' ||
        (tagName === YAMLMap.YAMLMap.tagName && expType === 'map') ||
        (tagName === YAMLSeq.YAMLSeq.tagName && expType === 'seq')) {
        return resolveCollection(CN, ctx, token, onError, tagName);
    }
    let tag = ctx.schema.tags.find(t => t.tag === tagName && t.collection === expType);
    if (!tag) {
        const kt = ctx.schema.knownTags[tagName];
        if (kt?.collection === expType) {
            ctx.schema.tags.push(Object.assign({}, kt, { default: false }));
            tag = kt;
        }
        else {
            if (kt) {
                onError(tagToken, 'BAD_COLLECTION_TYPE', `${kt.tag} used for ${expType} collection, but expects ${kt.collection ?? 'scalar'}`, true);
            }
            else {
                onError(tagToken, 'TAG_RESOLVE_FAILED', `Unresolved tag: ${tagName}`, true);
            }
            return resolveCollection(CN, ctx, token, onError, tagName);
        }
    }
    const coll = resolveCollection(CN, ctx, token, onError, tagName, tag);
    const res = tag.resolve?.(coll, msg => onError(tagToken, 'TAG_RESOLVE_FAILED', msg), ctx.options) ?? coll;
    const node = identity.isNode(res)
        ? res
        : new Scalar.Scalar(res);
    node.range = coll.range;
    node.tag = tagName;
    if (tag?.format)
        node.format = tag.format;
    return node;
}

exports.composeCollection = composeCollection;


/***/ }),

/***/ 3683:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Document = __nccwpck_require__(3021);
var composeNode = __nccwpck_require__(5937);
var resolveEnd = __nccwpck_require__(7788);
var resolveProps = __nccwpck_require__(4631);

function composeDoc(options, directives, { offset, start, value, end }, onError) {
    const opts = Object.assign({ _directives: directives }, options);
    const doc = new Document.Document(undefined, opts);
    const ctx = {
        atKey: false,
        atRoot: true,
        directives: doc.directives,
        options: doc.options,
        schema: doc.schema
    };
    const props = resolveProps.resolveProps(start, {
        indicator: 'doc-start',
        next: value ?? end?.[0],
        offset,
        onError,
        parentIndent: 0,
        startOnNewline: true
    });
    if (props.found) {
        doc.directives.docStart = true;
        if (value &&
            (value.type === 'block-map' || value.type === 'block-seq') &&
            !props.hasNewline)
            onError(props.end, 'MISSING_CHAR', 'Block collection cannot start on same line with directives-end marker');
    }
    // @ts-expect-error If Contents is set, let's trust the user
    doc.contents = value
        ? composeNode.composeNode(ctx, value, props, onError)
        : composeNode.composeEmptyNode(ctx, props.end, start, null, props, onError);
    const contentEnd = doc.contents.range[2];
    const re = resolveEnd.resolveEnd(end, contentEnd, false, onError);
    if (re.comment)
        doc.comment = re.comment;
    doc.range = [offset, contentEnd, re.offset];
    return doc;
}

exports.composeDoc = composeDoc;


/***/ }),

/***/ 5937:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Alias = __nccwpck_require__(4065);
var identity = __nccwpck_require__(1127);
var composeCollection = __nccwpck_require__(7349);
var composeScalar = __nccwpck_require__(5413);
var resolveEnd = __nccwpck_require__(7788);
var utilEmptyScalarPosition = __nccwpck_require__(2599);

const CN = { composeNode, composeEmptyNode };
function composeNode(ctx, token, props, onError) {
    const atKey = ctx.atKey;
    const { spaceBefore, comment, anchor, tag } = props;
    let node;
    let isSrcToken = true;
    switch (token.type) {
        case 'alias':
            node = composeAlias(ctx, token, onError);
            if (anchor || tag)
                onError(token, 'ALIAS_PROPS', 'An alias node must not specify any properties');
            break;
        case 'scalar':
        case 'single-quoted-scalar':
        case 'double-quoted-scalar':
        case 'block-scalar':
            node = composeScalar.composeScalar(ctx, token, tag, onError);
            if (anchor)
                node.anchor = anchor.source.substring(1);
            break;
        case 'block-map':
        case 'block-seq':
        case 'flow-collection':
            try {
                node = composeCollection.composeCollection(CN, ctx, token, props, onError);
                if (anchor)
                    node.anchor = anchor.source.substring(1);
            }
            catch (error) {
                // Almost certainly here due to a stack overflow
                const message = error instanceof Error ? error.message : String(error);
                onError(token, 'RESOURCE_EXHAUSTION', message);
            }
            break;
        default: {
            const message = token.type === 'error'
                ? token.message
                : `Unsupported token (type: ${token.type})`;
            onError(token, 'UNEXPECTED_TOKEN', message);
            isSrcToken = false;
        }
    }
    node ?? (node = composeEmptyNode(ctx, token.offset, undefined, null, props, onError));
    if (anchor && node.anchor === '')
        onError(anchor, 'BAD_ALIAS', 'Anchor cannot be an empty string');
    if (atKey &&
        ctx.options.stringKeys &&
        (!identity.isScalar(node) ||
            typeof node.value !== 'string' ||
            (node.tag && node.tag !== 'tag:yaml.org,2002:str'))) {
        const msg = 'With stringKeys, all keys must be strings';
        onError(tag ?? token, 'NON_STRING_KEY', msg);
    }
    if (spaceBefore)
        node.spaceBefore = true;
    if (comment) {
        if (token.type === 'scalar' && token.source === '')
            node.comment = comment;
        else
            node.commentBefore = comment;
    }
    // @ts-expect-error Type checking misses meaning of isSrcToken
    if (ctx.options.keepSourceTokens && isSrcToken)
        node.srcToken = token;
    return node;
}
function composeEmptyNode(ctx, offset, before, pos, { spaceBefore, comment, anchor, tag, end }, onError) {
    const token = {
        type: 'scalar',
        offset: utilEmptyScalarPosition.emptyScalarPosition(offset, before, pos),
        indent: -1,
        source: ''
    };
    const node = composeScalar.composeScalar(ctx, token, tag, onError);
    if (anchor) {
        node.anchor = anchor.source.substring(1);
        if (node.anchor === '')
            onError(anchor, 'BAD_ALIAS', 'Anchor cannot be an empty string');
    }
    if (spaceBefore)
        node.spaceBefore = true;
    if (comment) {
        node.comment = comment;
        node.range[2] = end;
    }
    return node;
}
function composeAlias({ options }, { offset, source, end }, onError) {
    const alias = new Alias.Alias(source.substring(1));
    if (alias.source === '')
        onError(offset, 'BAD_ALIAS', 'Alias cannot be an empty string');
    if (alias.source.endsWith(':'))
        onError(offset + source.length - 1, 'BAD_ALIAS', 'Alias ending in : is ambiguous', true);
    const valueEnd = offset + source.length;
    const re = resolveEnd.resolveEnd(end, valueEnd, options.strict, onError);
    alias.range = [offset, valueEnd, re.offset];
    if (re.comment)
        alias.comment = re.comment;
    return alias;
}

exports.composeEmptyNode = composeEmptyNode;
exports.composeNode = composeNode;


/***/ }),

/***/ 5413:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Scalar = __nccwpck_require__(3301);
var resolveBlockScalar = __nccwpck_require__(8913);
var resolveFlowScalar = __nccwpck_require__(6842);

function composeScalar(ctx, token, tagToken, onError) {
    const { value, type, comment, range } = token.type === 'block-scalar'
        ? resolveBlockScalar.resolveBlockScalar(ctx, token, onError)
        : resolveFlowScalar.resolveFlowScalar(token, ctx.options.strict, onError);
    const tagName = tagToken
        ? ctx.directives.tagName(tagToken.source, msg => onError(tagToken, 'TAG_RESOLVE_FAILED', msg))
        : null;
    let tag;
    if (ctx.options.stringKeys && ctx.atKey) {
        tag = ctx.schema[identity.SCALAR];
    }
    else if (tagName)
        tag = findScalarTagByName(ctx.schema, value, tagName, tagToken, onError);
    else if (token.type === 'scalar')
        tag = findScalarTagByTest(ctx, value, token, onError);
    else
        tag = ctx.schema[identity.SCALAR];
    let scalar;
    try {
        const res = tag.resolve(value, msg => onError(tagToken ?? token, 'TAG_RESOLVE_FAILED', msg), ctx.options);
        scalar = identity.isScalar(res) ? res : new Scalar.Scalar(res);
    }
    catch (error) {
        const msg = error instanceof Error ? error.message : String(error);
        onError(tagToken ?? token, 'TAG_RESOLVE_FAILED', msg);
        scalar = new Scalar.Scalar(value);
    }
    scalar.range = range;
    scalar.source = value;
    if (type)
        scalar.type = type;
    if (tagName)
        scalar.tag = tagName;
    if (tag.format)
        scalar.format = tag.format;
    if (comment)
        scalar.comment = comment;
    return scalar;
}
function findScalarTagByName(schema, value, tagName, tagToken, onError) {
    if (tagName === '!')
        return schema[identity.SCALAR]; // non-specific tag
    const matchWithTest = [];
    for (const tag of schema.tags) {
        if (!tag.collection && tag.tag === tagName) {
            if (tag.default && tag.test)
                matchWithTest.push(tag);
            else
                return tag;
        }
    }
    for (const tag of matchWithTest)
        if (tag.test?.test(value))
            return tag;
    const kt = schema.knownTags[tagName];
    if (kt && !kt.collection) {
        // Ensure that the known tag is available for stringifying,
        // but does not get used by default.
        schema.tags.push(Object.assign({}, kt, { default: false, test: undefined }));
        return kt;
    }
    onError(tagToken, 'TAG_RESOLVE_FAILED', `Unresolved tag: ${tagName}`, tagName !== 'tag:yaml.org,2002:str');
    return schema[identity.SCALAR];
}
function findScalarTagByTest({ atKey, directives, schema }, value, token, onError) {
    const tag = schema.tags.find(tag => (tag.default === true || (atKey && tag.default === 'key')) &&
        tag.test?.test(value)) || schema[identity.SCALAR];
    if (schema.compat) {
        const compat = schema.compat.find(tag => tag.default && tag.test?.test(value)) ??
            schema[identity.SCALAR];
        if (tag.tag !== compat.tag) {
            const ts = directives.tagString(tag.tag);
            const cs = directives.tagString(compat.tag);
            const msg = `Value may be parsed as either ${ts} or ${cs}`;
            onError(token, 'TAG_RESOLVE_FAILED', msg, true);
        }
    }
    return tag;
}

exports.composeScalar = composeScalar;


/***/ }),

/***/ 9984:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var node_process = __nccwpck_require__(932);
var directives = __nccwpck_require__(1342);
var Document = __nccwpck_require__(3021);
var errors = __nccwpck_require__(1464);
var identity = __nccwpck_require__(1127);
var composeDoc = __nccwpck_require__(3683);
var resolveEnd = __nccwpck_require__(7788);

function getErrorPos(src) {
    if (typeof src === 'number')
        return [src, src + 1];
    if (Array.isArray(src))
        return src.length === 2 ? src : [src[0], src[1]];
    const { offset, source } = src;
    return [offset, offset + (typeof source === 'string' ? source.length : 1)];
}
function parsePrelude(prelude) {
    let comment = '';
    let atComment = false;
    let afterEmptyLine = false;
    for (let i = 0; i < prelude.length; ++i) {
        const source = prelude[i];
        switch (source[0]) {
            case '#':
                comment +=
                    (comment === '' ? '' : afterEmptyLine ? '\n\n' : '\n') +
                        (source.substring(1) || ' ');
                atComment = true;
                afterEmptyLine = false;
                break;
            case '%':
                if (prelude[i + 1]?.[0] !== '#')
                    i += 1;
                atComment = false;
                break;
            default:
                // This may be wrong after doc-end, but in that case it doesn't matter
                if (!atComment)
                    afterEmptyLine = true;
                atComment = false;
        }
    }
    return { comment, afterEmptyLine };
}
/**
 * Compose a stream of CST nodes into a stream of YAML Documents.
 *
 * ```ts
 * import { Composer, Parser } from 'yaml'
 *
 * const src: string = ...
 * const tokens = new Parser().parse(src)
 * const docs = new Composer().compose(tokens)
 * ```
 */
class Composer {
    constructor(options = {}) {
        this.doc = null;
        this.atDirectives = false;
        this.prelude = [];
        this.errors = [];
        this.warnings = [];
        this.onError = (source, code, message, warning) => {
            const pos = getErrorPos(source);
            if (warning)
                this.warnings.push(new errors.YAMLWarning(pos, code, message));
            else
                this.errors.push(new errors.YAMLParseError(pos, code, message));
        };
        // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing
        this.directives = new directives.Directives({ version: options.version || '1.2' });
        this.options = options;
    }
    decorate(doc, afterDoc) {
        const { comment, afterEmptyLine } = parsePrelude(this.prelude);
        //console.log({ dc: doc.comment, prelude, comment })
        if (comment) {
            const dc = doc.contents;
            if (afterDoc) {
                doc.comment = doc.comment ? `${doc.comment}\n${comment}` : comment;
            }
            else if (afterEmptyLine || doc.directives.docStart || !dc) {
                doc.commentBefore = comment;
            }
            else if (identity.isCollection(dc) && !dc.flow && dc.items.length > 0) {
                let it = dc.items[0];
                if (identity.isPair(it))
                    it = it.key;
                const cb = it.commentBefore;
                it.commentBefore = cb ? `${comment}\n${cb}` : comment;
            }
            else {
                const cb = dc.commentBefore;
                dc.commentBefore = cb ? `${comment}\n${cb}` : comment;
            }
        }
        if (afterDoc) {
            for (let i = 0; i < this.errors.length; ++i)
                doc.errors.push(this.errors[i]);
            for (let i = 0; i < this.warnings.length; ++i)
                doc.warnings.push(this.warnings[i]);
        }
        else {
            doc.errors = this.errors;
            doc.warnings = this.warnings;
        }
        this.prelude = [];
        this.errors = [];
        this.warnings = [];
    }
    /**
     * Current stream status information.
     *
     * Mostly useful at the end of input for an empty stream.
     */
    streamInfo() {
        return {
            comment: parsePrelude(this.prelude).comment,
            directives: this.directives,
            errors: this.errors,
            warnings: this.warnings
        };
    }
    /**
     * Compose tokens into documents.
     *
     * @param forceDoc - If the stream contains no document, still emit a final document including any comments and directives that would be applied to a subsequent document.
     * @param endOffset - Should be set if `forceDoc` is also set, to set the document range end and to indicate errors correctly.
     */
    *compose(tokens, forceDoc = false, endOffset = -1) {
        for (const token of tokens)
            yield* this.next(token);
        yield* this.end(forceDoc, endOffset);
    }
    /** Advance the composer by one CST token. */
    *next(token) {
        if (node_process.env.LOG_STREAM)
            console.dir(token, { depth: null });
        switch (token.type) {
            case 'directive':
                this.directives.add(token.source, (offset, message, warning) => {
                    const pos = getErrorPos(token);
                    pos[0] += offset;
                    this.onError(pos, 'BAD_DIRECTIVE', message, warning);
                });
                this.prelude.push(token.source);
                this.atDirectives = true;
                break;
            case 'document': {
                const doc = composeDoc.composeDoc(this.options, this.directives, token, this.onError);
                if (this.atDirectives && !doc.directives.docStart)
                    this.onError(token, 'MISSING_CHAR', 'Missing directives-end/doc-start indicator line');
                this.decorate(doc, false);
                if (this.doc)
                    yield this.doc;
                this.doc = doc;
                this.atDirectives = false;
                break;
            }
            case 'byte-order-mark':
            case 'space':
                break;
            case 'comment':
            case 'newline':
                this.prelude.push(token.source);
                break;
            case 'error': {
                const msg = token.source
                    ? `${token.message}: ${JSON.stringify(token.source)}`
                    : token.message;
                const error = new errors.YAMLParseError(getErrorPos(token), 'UNEXPECTED_TOKEN', msg);
                if (this.atDirectives || !this.doc)
                    this.errors.push(error);
                else
                    this.doc.errors.push(error);
                break;
            }
            case 'doc-end': {
                if (!this.doc) {
                    const msg = 'Unexpected doc-end without preceding document';
                    this.errors.push(new errors.YAMLParseError(getErrorPos(token), 'UNEXPECTED_TOKEN', msg));
                    break;
                }
                this.doc.directives.docEnd = true;
                const end = resolveEnd.resolveEnd(token.end, token.offset + token.source.length, this.doc.options.strict, this.onError);
                this.decorate(this.doc, true);
                if (end.comment) {
                    const dc = this.doc.comment;
                    this.doc.comment = dc ? `${dc}\n${end.comment}` : end.comment;
                }
                this.doc.range[2] = end.offset;
                break;
            }
            default:
                this.errors.push(new errors.YAMLParseError(getErrorPos(token), 'UNEXPECTED_TOKEN', `Unsupported token ${token.type}`));
        }
    }
    /**
     * Call at end of input to yield any remaining document.
     *
     * @param forceDoc - If the stream contains no document, still emit a final document including any comments and directives that would be applied to a subsequent document.
     * @param endOffset - Should be set if `forceDoc` is also set, to set the document range end and to indicate errors correctly.
     */
    *end(forceDoc = false, endOffset = -1) {
        if (this.doc) {
            this.decorate(this.doc, true);
            yield this.doc;
            this.doc = null;
        }
        else if (forceDoc) {
            const opts = Object.assign({ _directives: this.directives }, this.options);
            const doc = new Document.Document(undefined, opts);
            if (this.atDirectives)
                this.onError(endOffset, 'MISSING_CHAR', 'Missing directives-end indicator line');
            doc.range = [0, endOffset, endOffset];
            this.decorate(doc, false);
            yield doc;
        }
    }
}

exports.Composer = Composer;


/***/ }),

/***/ 7103:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Pair = __nccwpck_require__(7165);
var YAMLMap = __nccwpck_require__(4454);
var resolveProps = __nccwpck_require__(4631);
var utilContainsNewline = __nccwpck_require__(9499);
var utilFlowIndentCheck = __nccwpck_require__(4051);
var utilMapIncludes = __nccwpck_require__(1187);

const startColMsg = 'All mapping items must start at the same column';
function resolveBlockMap({ composeNode, composeEmptyNode }, ctx, bm, onError, tag) {
    const NodeClass = tag?.nodeClass ?? YAMLMap.YAMLMap;
    const map = new NodeClass(ctx.schema);
    if (ctx.atRoot)
        ctx.atRoot = false;
    let offset = bm.offset;
    let commentEnd = null;
    for (const collItem of bm.items) {
        const { start, key, sep, value } = collItem;
        // key properties
        const keyProps = resolveProps.resolveProps(start, {
            indicator: 'explicit-key-ind',
            next: key ?? sep?.[0],
            offset,
            onError,
            parentIndent: bm.indent,
            startOnNewline: true
        });
        const implicitKey = !keyProps.found;
        if (implicitKey) {
            if (key) {
                if (key.type === 'block-seq')
                    onError(offset, 'BLOCK_AS_IMPLICIT_KEY', 'A block sequence may not be used as an implicit map key');
                else if ('indent' in key && key.indent !== bm.indent)
                    onError(offset, 'BAD_INDENT', startColMsg);
            }
            if (!keyProps.anchor && !keyProps.tag && !sep) {
                commentEnd = keyProps.end;
                if (keyProps.comment) {
                    if (map.comment)
                        map.comment += '\n' + keyProps.comment;
                    else
                        map.comment = keyProps.comment;
                }
                continue;
            }
            if (keyProps.newlineAfterProp || utilContainsNewline.containsNewline(key)) {
                onError(key ?? start[start.length - 1], 'MULTILINE_IMPLICIT_KEY', 'Implicit keys need to be on a single line');
            }
        }
        else if (keyProps.found?.indent !== bm.indent) {
            onError(offset, 'BAD_INDENT', startColMsg);
        }
        // key value
        ctx.atKey = true;
        const keyStart = keyProps.end;
        const keyNode = key
            ? composeNode(ctx, key, keyProps, onError)
            : composeEmptyNode(ctx, keyStart, start, null, keyProps, onError);
        if (ctx.schema.compat)
            utilFlowIndentCheck.flowIndentCheck(bm.indent, key, onError);
        ctx.atKey = false;
        if (utilMapIncludes.mapIncludes(ctx, map.items, keyNode))
            onError(keyStart, 'DUPLICATE_KEY', 'Map keys must be unique');
        // value properties
        const valueProps = resolveProps.resolveProps(sep ?? [], {
            indicator: 'map-value-ind',
            next: value,
            offset: keyNode.range[2],
            onError,
            parentIndent: bm.indent,
            startOnNewline: !key || key.type === 'block-scalar'
        });
        offset = valueProps.end;
        if (valueProps.found) {
            if (implicitKey) {
                if (value?.type === 'block-map' && !valueProps.hasNewline)
                    onError(offset, 'BLOCK_AS_IMPLICIT_KEY', 'Nested mappings are not allowed in compact mappings');
                if (ctx.options.strict &&
                    keyProps.start < valueProps.found.offset - 1024)
                    onError(keyNode.range, 'KEY_OVER_1024_CHARS', 'The : indicator must be at most 1024 chars after the start of an implicit block mapping key');
            }
            // value value
            const valueNode = value
                ? composeNode(ctx, value, valueProps, onError)
                : composeEmptyNode(ctx, offset, sep, null, valueProps, onError);
            if (ctx.schema.compat)
                utilFlowIndentCheck.flowIndentCheck(bm.indent, value, onError);
            offset = valueNode.range[2];
            const pair = new Pair.Pair(keyNode, valueNode);
            if (ctx.options.keepSourceTokens)
                pair.srcToken = collItem;
            map.items.push(pair);
        }
        else {
            // key with no value
            if (implicitKey)
                onError(keyNode.range, 'MISSING_CHAR', 'Implicit map keys need to be followed by map values');
            if (valueProps.comment) {
                if (keyNode.comment)
                    keyNode.comment += '\n' + valueProps.comment;
                else
                    keyNode.comment = valueProps.comment;
            }
            const pair = new Pair.Pair(keyNode);
            if (ctx.options.keepSourceTokens)
                pair.srcToken = collItem;
            map.items.push(pair);
        }
    }
    if (commentEnd && commentEnd < offset)
        onError(commentEnd, 'IMPOSSIBLE', 'Map comment with trailing content');
    map.range = [bm.offset, offset, commentEnd ?? offset];
    return map;
}

exports.resolveBlockMap = resolveBlockMap;


/***/ }),

/***/ 8913:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);

function resolveBlockScalar(ctx, scalar, onError) {
    const start = scalar.offset;
    const header = parseBlockScalarHeader(scalar, ctx.options.strict, onError);
    if (!header)
        return { value: '', type: null, comment: '', range: [start, start, start] };
    const type = header.mode === '>' ? Scalar.Scalar.BLOCK_FOLDED : Scalar.Scalar.BLOCK_LITERAL;
    const lines = scalar.source ? splitLines(scalar.source) : [];
    // determine the end of content & start of chomping
    let chompStart = lines.length;
    for (let i = lines.length - 1; i >= 0; --i) {
        const content = lines[i][1];
        if (content === '' || content === '\r')
            chompStart = i;
        else
            break;
    }
    // shortcut for empty contents
    if (chompStart === 0) {
        const value = header.chomp === '+' && lines.length > 0
            ? '\n'.repeat(Math.max(1, lines.length - 1))
            : '';
        let end = start + header.length;
        if (scalar.source)
            end += scalar.source.length;
        return { value, type, comment: header.comment, range: [start, end, end] };
    }
    // find the indentation level to trim from start
    let trimIndent = scalar.indent + header.indent;
    let offset = scalar.offset + header.length;
    let contentStart = 0;
    for (let i = 0; i < chompStart; ++i) {
        const [indent, content] = lines[i];
        if (content === '' || content === '\r') {
            if (header.indent === 0 && indent.length > trimIndent)
                trimIndent = indent.length;
        }
        else {
            if (indent.length < trimIndent) {
                const message = 'Block scalars with more-indented leading empty lines must use an explicit indentation indicator';
                onError(offset + indent.length, 'MISSING_CHAR', message);
            }
            if (header.indent === 0)
                trimIndent = indent.length;
            contentStart = i;
            if (trimIndent === 0 && !ctx.atRoot) {
                const message = 'Block scalar values in collections must be indented';
                onError(offset, 'BAD_INDENT', message);
            }
            break;
        }
        offset += indent.length + content.length + 1;
    }
    // include trailing more-indented empty lines in content
    for (let i = lines.length - 1; i >= chompStart; --i) {
        if (lines[i][0].length > trimIndent)
            chompStart = i + 1;
    }
    let value = '';
    let sep = '';
    let prevMoreIndented = false;
    // leading whitespace is kept intact
    for (let i = 0; i < contentStart; ++i)
        value += lines[i][0].slice(trimIndent) + '\n';
    for (let i = contentStart; i < chompStart; ++i) {
        let [indent, content] = lines[i];
        offset += indent.length + content.length + 1;
        const crlf = content[content.length - 1] === '\r';
        if (crlf)
            content = content.slice(0, -1);
        /* istanbul ignore if already caught in lexer */
        if (content && indent.length < trimIndent) {
            const src = header.indent
                ? 'explicit indentation indicator'
                : 'first line';
            const message = `Block scalar lines must not be less indented than their ${src}`;
            onError(offset - content.length - (crlf ? 2 : 1), 'BAD_INDENT', message);
            indent = '';
        }
        if (type === Scalar.Scalar.BLOCK_LITERAL) {
            value += sep + indent.slice(trimIndent) + content;
            sep = '\n';
        }
        else if (indent.length > trimIndent || content[0] === '\t') {
            // more-indented content within a folded block
            if (sep === ' ')
                sep = '\n';
            else if (!prevMoreIndented && sep === '\n')
                sep = '\n\n';
            value += sep + indent.slice(trimIndent) + content;
            sep = '\n';
            prevMoreIndented = true;
        }
        else if (content === '') {
            // empty line
            if (sep === '\n')
                value += '\n';
            else
                sep = '\n';
        }
        else {
            value += sep + content;
            sep = ' ';
            prevMoreIndented = false;
        }
    }
    switch (header.chomp) {
        case '-':
            break;
        case '+':
            for (let i = chompStart; i < lines.length; ++i)
                value += '\n' + lines[i][0].slice(trimIndent);
            if (value[value.length - 1] !== '\n')
                value += '\n';
            break;
        default:
            value += '\n';
    }
    const end = start + header.length + scalar.source.length;
    return { value, type, comment: header.comment, range: [start, end, end] };
}
function parseBlockScalarHeader({ offset, props }, strict, onError) {
    /* istanbul ignore if should not happen */
    if (props[0].type !== 'block-scalar-header') {
        onError(props[0], 'IMPOSSIBLE', 'Block scalar header not found');
        return null;
    }
    const { source } = props[0];
    const mode = source[0];
    let indent = 0;
    let chomp = '';
    let error = -1;
    for (let i = 1; i < source.length; ++i) {
        const ch = source[i];
        if (!chomp && (ch === '-' || ch === '+'))
            chomp = ch;
        else {
            const n = Number(ch);
            if (!indent && n)
                indent = n;
            else if (error === -1)
                error = offset + i;
        }
    }
    if (error !== -1)
        onError(error, 'UNEXPECTED_TOKEN', `Block scalar header includes extra characters: ${source}`);
    let hasSpace = false;
    let comment = '';
    let length = source.length;
    for (let i = 1; i < props.length; ++i) {
        const token = props[i];
        switch (token.type) {
            case 'space':
                hasSpace = true;
            // fallthrough
            case 'newline':
                length += token.source.length;
                break;
            case 'comment':
                if (strict && !hasSpace) {
                    const message = 'Comments must be separated from other tokens by white space characters';
                    onError(token, 'MISSING_CHAR', message);
                }
                length += token.source.length;
                comment = token.source.substring(1);
                break;
            case 'error':
                onError(token, 'UNEXPECTED_TOKEN', token.message);
                length += token.source.length;
                break;
            /* istanbul ignore next should not happen */
            default: {
                const message = `Unexpected token in block scalar header: ${token.type}`;
                onError(token, 'UNEXPECTED_TOKEN', message);
                const ts = token.source;
                if (ts && typeof ts === 'string')
                    length += ts.length;
            }
        }
    }
    return { mode, indent, chomp, comment, length };
}
/** @returns Array of lines split up as `[indent, content]` */
function splitLines(source) {
    const split = source.split(/\n( *)/);
    const first = split[0];
    const m = first.match(/^( *)/);
    const line0 = m?.[1]
        ? [m[1], first.slice(m[1].length)]
        : ['', first];
    const lines = [line0];
    for (let i = 1; i < split.length; i += 2)
        lines.push([split[i], split[i + 1]]);
    return lines;
}

exports.resolveBlockScalar = resolveBlockScalar;


/***/ }),

/***/ 334:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var YAMLSeq = __nccwpck_require__(2223);
var resolveProps = __nccwpck_require__(4631);
var utilFlowIndentCheck = __nccwpck_require__(4051);

function resolveBlockSeq({ composeNode, composeEmptyNode }, ctx, bs, onError, tag) {
    const NodeClass = tag?.nodeClass ?? YAMLSeq.YAMLSeq;
    const seq = new NodeClass(ctx.schema);
    if (ctx.atRoot)
        ctx.atRoot = false;
    if (ctx.atKey)
        ctx.atKey = false;
    let offset = bs.offset;
    let commentEnd = null;
    for (const { start, value } of bs.items) {
        const props = resolveProps.resolveProps(start, {
            indicator: 'seq-item-ind',
            next: value,
            offset,
            onError,
            parentIndent: bs.indent,
            startOnNewline: true
        });
        if (!props.found) {
            if (props.anchor || props.tag || value) {
                if (value?.type === 'block-seq')
                    onError(props.end, 'BAD_INDENT', 'All sequence items must start at the same column');
                else
                    onError(offset, 'MISSING_CHAR', 'Sequence item without - indicator');
            }
            else {
                commentEnd = props.end;
                if (props.comment)
                    seq.comment = props.comment;
                continue;
            }
        }
        const node = value
            ? composeNode(ctx, value, props, onError)
            : composeEmptyNode(ctx, props.end, start, null, props, onError);
        if (ctx.schema.compat)
            utilFlowIndentCheck.flowIndentCheck(bs.indent, value, onError);
        offset = node.range[2];
        seq.items.push(node);
    }
    seq.range = [bs.offset, offset, commentEnd ?? offset];
    return seq;
}

exports.resolveBlockSeq = resolveBlockSeq;


/***/ }),

/***/ 7788:
/***/ ((__unused_webpack_module, exports) => {



function resolveEnd(end, offset, reqSpace, onError) {
    let comment = '';
    if (end) {
        let hasSpace = false;
        let sep = '';
        for (const token of end) {
            const { source, type } = token;
            switch (type) {
                case 'space':
                    hasSpace = true;
                    break;
                case 'comment': {
                    if (reqSpace && !hasSpace)
                        onError(token, 'MISSING_CHAR', 'Comments must be separated from other tokens by white space characters');
                    const cb = source.substring(1) || ' ';
                    if (!comment)
                        comment = cb;
                    else
                        comment += sep + cb;
                    sep = '';
                    break;
                }
                case 'newline':
                    if (comment)
                        sep += source;
                    hasSpace = true;
                    break;
                default:
                    onError(token, 'UNEXPECTED_TOKEN', `Unexpected ${type} at node end`);
            }
            offset += source.length;
        }
    }
    return { comment, offset };
}

exports.resolveEnd = resolveEnd;


/***/ }),

/***/ 3142:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Pair = __nccwpck_require__(7165);
var YAMLMap = __nccwpck_require__(4454);
var YAMLSeq = __nccwpck_require__(2223);
var resolveEnd = __nccwpck_require__(7788);
var resolveProps = __nccwpck_require__(4631);
var utilContainsNewline = __nccwpck_require__(9499);
var utilMapIncludes = __nccwpck_require__(1187);

const blockMsg = 'Block collections are not allowed within flow collections';
const isBlock = (token) => token && (token.type === 'block-map' || token.type === 'block-seq');
function resolveFlowCollection({ composeNode, composeEmptyNode }, ctx, fc, onError, tag) {
    const isMap = fc.start.source === '{';
    const fcName = isMap ? 'flow map' : 'flow sequence';
    const NodeClass = (tag?.nodeClass ?? (isMap ? YAMLMap.YAMLMap : YAMLSeq.YAMLSeq));
    const coll = new NodeClass(ctx.schema);
    coll.flow = true;
    const atRoot = ctx.atRoot;
    if (atRoot)
        ctx.atRoot = false;
    if (ctx.atKey)
        ctx.atKey = false;
    let offset = fc.offset + fc.start.source.length;
    for (let i = 0; i < fc.items.length; ++i) {
        const collItem = fc.items[i];
        const { start, key, sep, value } = collItem;
        const props = resolveProps.resolveProps(start, {
            flow: fcName,
            indicator: 'explicit-key-ind',
            next: key ?? sep?.[0],
            offset,
            onError,
            parentIndent: fc.indent,
            startOnNewline: false
        });
        if (!props.found) {
            if (!props.anchor && !props.tag && !sep && !value) {
                if (i === 0 && props.comma)
                    onError(props.comma, 'UNEXPECTED_TOKEN', `Unexpected , in ${fcName}`);
                else if (i < fc.items.length - 1)
                    onError(props.start, 'UNEXPECTED_TOKEN', `Unexpected empty item in ${fcName}`);
                if (props.comment) {
                    if (coll.comment)
                        coll.comment += '\n' + props.comment;
                    else
                        coll.comment = props.comment;
                }
                offset = props.end;
                continue;
            }
            if (!isMap && ctx.options.strict && utilContainsNewline.containsNewline(key))
                onError(key, // checked by containsNewline()
                'MULTILINE_IMPLICIT_KEY', 'Implicit keys of flow sequence pairs need to be on a single line');
        }
        if (i === 0) {
            if (props.comma)
                onError(props.comma, 'UNEXPECTED_TOKEN', `Unexpected , in ${fcName}`);
        }
        else {
            if (!props.comma)
                onError(props.start, 'MISSING_CHAR', `Missing , between ${fcName} items`);
            if (props.comment) {
                let prevItemComment = '';
                loop: for (const st of start) {
                    switch (st.type) {
                        case 'comma':
                        case 'space':
                            break;
                        case 'comment':
                            prevItemComment = st.source.substring(1);
                            break loop;
                        default:
                            break loop;
                    }
                }
                if (prevItemComment) {
                    let prev = coll.items[coll.items.length - 1];
                    if (identity.isPair(prev))
                        prev = prev.value ?? prev.key;
                    if (prev.comment)
                        prev.comment += '\n' + prevItemComment;
                    else
                        prev.comment = prevItemComment;
                    props.comment = props.comment.substring(prevItemComment.length + 1);
                }
            }
        }
        if (!isMap && !sep && !props.found) {
            // item is a value in a seq
            // → key & sep are empty, start does not include ? or :
            const valueNode = value
                ? composeNode(ctx, value, props, onError)
                : composeEmptyNode(ctx, props.end, sep, null, props, onError);
            coll.items.push(valueNode);
            offset = valueNode.range[2];
            if (isBlock(value))
                onError(valueNode.range, 'BLOCK_IN_FLOW', blockMsg);
        }
        else {
            // item is a key+value pair
            // key value
            ctx.atKey = true;
            const keyStart = props.end;
            const keyNode = key
                ? composeNode(ctx, key, props, onError)
                : composeEmptyNode(ctx, keyStart, start, null, props, onError);
            if (isBlock(key))
                onError(keyNode.range, 'BLOCK_IN_FLOW', blockMsg);
            ctx.atKey = false;
            // value properties
            const valueProps = resolveProps.resolveProps(sep ?? [], {
                flow: fcName,
                indicator: 'map-value-ind',
                next: value,
                offset: keyNode.range[2],
                onError,
                parentIndent: fc.indent,
                startOnNewline: false
            });
            if (valueProps.found) {
                if (!isMap && !props.found && ctx.options.strict) {
                    if (sep)
                        for (const st of sep) {
                            if (st === valueProps.found)
                                break;
                            if (st.type === 'newline') {
                                onError(st, 'MULTILINE_IMPLICIT_KEY', 'Implicit keys of flow sequence pairs need to be on a single line');
                                break;
                            }
                        }
                    if (props.start < valueProps.found.offset - 1024)
                        onError(valueProps.found, 'KEY_OVER_1024_CHARS', 'The : indicator must be at most 1024 chars after the start of an implicit flow sequence key');
                }
            }
            else if (value) {
                if ('source' in value && value.source?.[0] === ':')
                    onError(value, 'MISSING_CHAR', `Missing space after : in ${fcName}`);
                else
                    onError(valueProps.start, 'MISSING_CHAR', `Missing , or : between ${fcName} items`);
            }
            // value value
            const valueNode = value
                ? composeNode(ctx, value, valueProps, onError)
                : valueProps.found
                    ? composeEmptyNode(ctx, valueProps.end, sep, null, valueProps, onError)
                    : null;
            if (valueNode) {
                if (isBlock(value))
                    onError(valueNode.range, 'BLOCK_IN_FLOW', blockMsg);
            }
            else if (valueProps.comment) {
                if (keyNode.comment)
                    keyNode.comment += '\n' + valueProps.comment;
                else
                    keyNode.comment = valueProps.comment;
            }
            const pair = new Pair.Pair(keyNode, valueNode);
            if (ctx.options.keepSourceTokens)
                pair.srcToken = collItem;
            if (isMap) {
                const map = coll;
                if (utilMapIncludes.mapIncludes(ctx, map.items, keyNode))
                    onError(keyStart, 'DUPLICATE_KEY', 'Map keys must be unique');
                map.items.push(pair);
            }
            else {
                const map = new YAMLMap.YAMLMap(ctx.schema);
                map.flow = true;
                map.items.push(pair);
                const endRange = (valueNode ?? keyNode).range;
                map.range = [keyNode.range[0], endRange[1], endRange[2]];
                coll.items.push(map);
            }
            offset = valueNode ? valueNode.range[2] : valueProps.end;
        }
    }
    const expectedEnd = isMap ? '}' : ']';
    const [ce, ...ee] = fc.end;
    let cePos = offset;
    if (ce?.source === expectedEnd)
        cePos = ce.offset + ce.source.length;
    else {
        const name = fcName[0].toUpperCase() + fcName.substring(1);
        const msg = atRoot
            ? `${name} must end with a ${expectedEnd}`
            : `${name} in block collection must be sufficiently indented and end with a ${expectedEnd}`;
        onError(offset, atRoot ? 'MISSING_CHAR' : 'BAD_INDENT', msg);
        if (ce && ce.source.length !== 1)
            ee.unshift(ce);
    }
    if (ee.length > 0) {
        const end = resolveEnd.resolveEnd(ee, cePos, ctx.options.strict, onError);
        if (end.comment) {
            if (coll.comment)
                coll.comment += '\n' + end.comment;
            else
                coll.comment = end.comment;
        }
        coll.range = [fc.offset, cePos, end.offset];
    }
    else {
        coll.range = [fc.offset, cePos, cePos];
    }
    return coll;
}

exports.resolveFlowCollection = resolveFlowCollection;


/***/ }),

/***/ 6842:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);
var resolveEnd = __nccwpck_require__(7788);

function resolveFlowScalar(scalar, strict, onError) {
    const { offset, type, source, end } = scalar;
    let _type;
    let value;
    const _onError = (rel, code, msg) => onError(offset + rel, code, msg);
    switch (type) {
        case 'scalar':
            _type = Scalar.Scalar.PLAIN;
            value = plainValue(source, _onError);
            break;
        case 'single-quoted-scalar':
            _type = Scalar.Scalar.QUOTE_SINGLE;
            value = singleQuotedValue(source, _onError);
            break;
        case 'double-quoted-scalar':
            _type = Scalar.Scalar.QUOTE_DOUBLE;
            value = doubleQuotedValue(source, _onError);
            break;
        /* istanbul ignore next should not happen */
        default:
            onError(scalar, 'UNEXPECTED_TOKEN', `Expected a flow scalar value, but found: ${type}`);
            return {
                value: '',
                type: null,
                comment: '',
                range: [offset, offset + source.length, offset + source.length]
            };
    }
    const valueEnd = offset + source.length;
    const re = resolveEnd.resolveEnd(end, valueEnd, strict, onError);
    return {
        value,
        type: _type,
        comment: re.comment,
        range: [offset, valueEnd, re.offset]
    };
}
function plainValue(source, onError) {
    let badChar = '';
    switch (source[0]) {
        /* istanbul ignore next should not happen */
        case '\t':
            badChar = 'a tab character';
            break;
        case ',':
            badChar = 'flow indicator character ,';
            break;
        case '%':
            badChar = 'directive indicator character %';
            break;
        case '|':
        case '>': {
            badChar = `block scalar indicator ${source[0]}`;
            break;
        }
        case '@':
        case '`': {
            badChar = `reserved character ${source[0]}`;
            break;
        }
    }
    if (badChar)
        onError(0, 'BAD_SCALAR_START', `Plain value cannot start with ${badChar}`);
    return unfoldLines(source);
}
function singleQuotedValue(source, onError) {
    if (source[source.length - 1] !== "'" || source.length === 1)
        onError(source.length, 'MISSING_CHAR', "Missing closing 'quote");
    return unfoldLines(source.slice(1, -1)).replace(/''/g, "'");
}
function unfoldLines(source) {
    const line = /(.*?)\r?\n/sy;
    let match = line.exec(source);
    if (!match)
        return source;
    /**
     * The negative lookbehinds in these RegExps are to
     * prevent causing a polynomial search time in certain cases.
     *
     * The try-catch is for Safari < 16.4 and other old browsers:
     * https://caniuse.com/js-regexp-lookbehind
     */
    let trimEnd, trimBoth;
    try {
        trimEnd = new RegExp('(?<![ \t])[ \t]+$');
        trimBoth = new RegExp('^[ \t]+|(?<![ \t])[ \t]+$', 'g');
    }
    catch {
        trimEnd = /[ \t]+$/;
        trimBoth = /^[ \t]+|[ \t]+$/g;
    }
    let res = match[1].replace(trimEnd, '');
    let sep = ' ';
    let pos = line.lastIndex;
    while ((match = line.exec(source))) {
        const lm = match[1].replace(trimBoth, '');
        if (lm === '') {
            if (sep === '\n')
                res += sep;
            else
                sep = '\n';
        }
        else {
            res += sep + lm;
            sep = ' ';
        }
        pos = line.lastIndex;
    }
    const last = /[ \t]*(.*)/sy;
    last.lastIndex = pos;
    match = last.exec(source);
    return res + sep + (match?.[1] ?? '');
}
function doubleQuotedValue(source, onError) {
    let res = '';
    for (let i = 1; i < source.length - 1; ++i) {
        const ch = source[i];
        if (ch === '\r' && source[i + 1] === '\n')
            continue;
        if (ch === '\n') {
            const { fold, offset } = foldNewline(source, i);
            res += fold;
            i = offset;
        }
        else if (ch === '\\') {
            let next = source[++i];
            const cc = escapeCodes[next];
            if (cc)
                res += cc;
            else if (next === '\n') {
                // skip escaped newlines, but still trim the following line
                next = source[i + 1];
                while (next === ' ' || next === '\t')
                    next = source[++i + 1];
            }
            else if (next === '\r' && source[i + 1] === '\n') {
                // skip escaped CRLF newlines, but still trim the following line
                next = source[++i + 1];
                while (next === ' ' || next === '\t')
                    next = source[++i + 1];
            }
            else if (next === 'x' || next === 'u' || next === 'U') {
                const length = next === 'x' ? 2 : next === 'u' ? 4 : 8;
                res += parseCharCode(source, i + 1, length, onError);
                i += length;
            }
            else {
                const raw = source.substr(i - 1, 2);
                onError(i - 1, 'BAD_DQ_ESCAPE', `Invalid escape sequence ${raw}`);
                res += raw;
            }
        }
        else if (ch === ' ' || ch === '\t') {
            // trim trailing whitespace
            const wsStart = i;
            let next = source[i + 1];
            while (next === ' ' || next === '\t')
                next = source[++i + 1];
            if (next !== '\n' && !(next === '\r' && source[i + 2] === '\n'))
                res += i > wsStart ? source.slice(wsStart, i + 1) : ch;
        }
        else {
            res += ch;
        }
    }
    if (source[source.length - 1] !== '"' || source.length === 1)
        onError(source.length, 'MISSING_CHAR', 'Missing closing "quote');
    return res;
}
/**
 * Fold a single newline into a space, multiple newlines to N - 1 newlines.
 * Presumes `source[offset] === '\n'`
 */
function foldNewline(source, offset) {
    let fold = '';
    let ch = source[offset + 1];
    while (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
        if (ch === '\r' && source[offset + 2] !== '\n')
            break;
        if (ch === '\n')
            fold += '\n';
        offset += 1;
        ch = source[offset + 1];
    }
    if (!fold)
        fold = ' ';
    return { fold, offset };
}
const escapeCodes = {
    '0': '\0', // null character
    a: '\x07', // bell character
    b: '\b', // backspace
    e: '\x1b', // escape character
    f: '\f', // form feed
    n: '\n', // line feed
    r: '\r', // carriage return
    t: '\t', // horizontal tab
    v: '\v', // vertical tab
    N: '\u0085', // Unicode next line
    _: '\u00a0', // Unicode non-breaking space
    L: '\u2028', // Unicode line separator
    P: '\u2029', // Unicode paragraph separator
    ' ': ' ',
    '"': '"',
    '/': '/',
    '\\': '\\',
    '\t': '\t'
};
function parseCharCode(source, offset, length, onError) {
    const cc = source.substr(offset, length);
    const ok = cc.length === length && /^[0-9a-fA-F]+$/.test(cc);
    const code = ok ? parseInt(cc, 16) : NaN;
    try {
        return String.fromCodePoint(code);
    }
    catch {
        const raw = source.substr(offset - 2, length + 2);
        onError(offset - 2, 'BAD_DQ_ESCAPE', `Invalid escape sequence ${raw}`);
        return raw;
    }
}

exports.resolveFlowScalar = resolveFlowScalar;


/***/ }),

/***/ 4631:
/***/ ((__unused_webpack_module, exports) => {



function resolveProps(tokens, { flow, indicator, next, offset, onError, parentIndent, startOnNewline }) {
    let spaceBefore = false;
    let atNewline = startOnNewline;
    let hasSpace = startOnNewline;
    let comment = '';
    let commentSep = '';
    let hasNewline = false;
    let reqSpace = false;
    let tab = null;
    let anchor = null;
    let tag = null;
    let newlineAfterProp = null;
    let comma = null;
    let found = null;
    let start = null;
    for (const token of tokens) {
        if (reqSpace) {
            if (token.type !== 'space' &&
                token.type !== 'newline' &&
                token.type !== 'comma')
                onError(token.offset, 'MISSING_CHAR', 'Tags and anchors must be separated from the next token by white space');
            reqSpace = false;
        }
        if (tab) {
            if (atNewline && token.type !== 'comment' && token.type !== 'newline') {
                onError(tab, 'TAB_AS_INDENT', 'Tabs are not allowed as indentation');
            }
            tab = null;
        }
        switch (token.type) {
            case 'space':
                // At the doc level, tabs at line start may be parsed
                // as leading white space rather than indentation.
                // In a flow collection, only the parser handles indent.
                if (!flow &&
                    (indicator !== 'doc-start' || next?.type !== 'flow-collection') &&
                    token.source.includes('\t')) {
                    tab = token;
                }
                hasSpace = true;
                break;
            case 'comment': {
                if (!hasSpace)
                    onError(token, 'MISSING_CHAR', 'Comments must be separated from other tokens by white space characters');
                const cb = token.source.substring(1) || ' ';
                if (!comment)
                    comment = cb;
                else
                    comment += commentSep + cb;
                commentSep = '';
                atNewline = false;
                break;
            }
            case 'newline':
                if (atNewline) {
                    if (comment)
                        comment += token.source;
                    else if (!found || indicator !== 'seq-item-ind')
                        spaceBefore = true;
                }
                else
                    commentSep += token.source;
                atNewline = true;
                hasNewline = true;
                if (anchor || tag)
                    newlineAfterProp = token;
                hasSpace = true;
                break;
            case 'anchor':
                if (anchor)
                    onError(token, 'MULTIPLE_ANCHORS', 'A node can have at most one anchor');
                if (token.source.endsWith(':'))
                    onError(token.offset + token.source.length - 1, 'BAD_ALIAS', 'Anchor ending in : is ambiguous', true);
                anchor = token;
                start ?? (start = token.offset);
                atNewline = false;
                hasSpace = false;
                reqSpace = true;
                break;
            case 'tag': {
                if (tag)
                    onError(token, 'MULTIPLE_TAGS', 'A node can have at most one tag');
                tag = token;
                start ?? (start = token.offset);
                atNewline = false;
                hasSpace = false;
                reqSpace = true;
                break;
            }
            case indicator:
                // Could here handle preceding comments differently
                if (anchor || tag)
                    onError(token, 'BAD_PROP_ORDER', `Anchors and tags must be after the ${token.source} indicator`);
                if (found)
                    onError(token, 'UNEXPECTED_TOKEN', `Unexpected ${token.source} in ${flow ?? 'collection'}`);
                found = token;
                atNewline =
                    indicator === 'seq-item-ind' || indicator === 'explicit-key-ind';
                hasSpace = false;
                break;
            case 'comma':
                if (flow) {
                    if (comma)
                        onError(token, 'UNEXPECTED_TOKEN', `Unexpected , in ${flow}`);
                    comma = token;
                    atNewline = false;
                    hasSpace = false;
                    break;
                }
            // else fallthrough
            default:
                onError(token, 'UNEXPECTED_TOKEN', `Unexpected ${token.type} token`);
                atNewline = false;
                hasSpace = false;
        }
    }
    const last = tokens[tokens.length - 1];
    const end = last ? last.offset + last.source.length : offset;
    if (reqSpace &&
        next &&
        next.type !== 'space' &&
        next.type !== 'newline' &&
        next.type !== 'comma' &&
        (next.type !== 'scalar' || next.source !== '')) {
        onError(next.offset, 'MISSING_CHAR', 'Tags and anchors must be separated from the next token by white space');
    }
    if (tab &&
        ((atNewline && tab.indent <= parentIndent) ||
            next?.type === 'block-map' ||
            next?.type === 'block-seq'))
        onError(tab, 'TAB_AS_INDENT', 'Tabs are not allowed as indentation');
    return {
        comma,
        found,
        spaceBefore,
        comment,
        hasNewline,
        anchor,
        tag,
        newlineAfterProp,
        end,
        start: start ?? end
    };
}

exports.resolveProps = resolveProps;


/***/ }),

/***/ 9499:
/***/ ((__unused_webpack_module, exports) => {



function containsNewline(key) {
    if (!key)
        return null;
    switch (key.type) {
        case 'alias':
        case 'scalar':
        case 'double-quoted-scalar':
        case 'single-quoted-scalar':
            if (key.source.includes('\n'))
                return true;
            if (key.end)
                for (const st of key.end)
                    if (st.type === 'newline')
                        return true;
            return false;
        case 'flow-collection':
            for (const it of key.items) {
                for (const st of it.start)
                    if (st.type === 'newline')
                        return true;
                if (it.sep)
                    for (const st of it.sep)
                        if (st.type === 'newline')
                            return true;
                if (containsNewline(it.key) || containsNewline(it.value))
                    return true;
            }
            return false;
        default:
            return true;
    }
}

exports.containsNewline = containsNewline;


/***/ }),

/***/ 2599:
/***/ ((__unused_webpack_module, exports) => {



function emptyScalarPosition(offset, before, pos) {
    if (before) {
        pos ?? (pos = before.length);
        for (let i = pos - 1; i >= 0; --i) {
            let st = before[i];
            switch (st.type) {
                case 'space':
                case 'comment':
                case 'newline':
                    offset -= st.source.length;
                    continue;
            }
            // Technically, an empty scalar is immediately after the last non-empty
            // node, but it's more useful to place it after any whitespace.
            st = before[++i];
            while (st?.type === 'space') {
                offset += st.source.length;
                st = before[++i];
            }
            break;
        }
    }
    return offset;
}

exports.emptyScalarPosition = emptyScalarPosition;


/***/ }),

/***/ 4051:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var utilContainsNewline = __nccwpck_require__(9499);

function flowIndentCheck(indent, fc, onError) {
    if (fc?.type === 'flow-collection') {
        const end = fc.end[0];
        if (end.indent === indent &&
            (end.source === ']' || end.source === '}') &&
            utilContainsNewline.containsNewline(fc)) {
            const msg = 'Flow end indicator should be more indented than parent';
            onError(end, 'BAD_INDENT', msg, true);
        }
    }
}

exports.flowIndentCheck = flowIndentCheck;


/***/ }),

/***/ 1187:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);

function mapIncludes(ctx, items, search) {
    const { uniqueKeys } = ctx.options;
    if (uniqueKeys === false)
        return false;
    const isEqual = typeof uniqueKeys === 'function'
        ? uniqueKeys
        : (a, b) => a === b || (identity.isScalar(a) && identity.isScalar(b) && a.value === b.value);
    return items.some(pair => isEqual(pair.key, search));
}

exports.mapIncludes = mapIncludes;


/***/ }),

/***/ 3021:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Alias = __nccwpck_require__(4065);
var Collection = __nccwpck_require__(101);
var identity = __nccwpck_require__(1127);
var Pair = __nccwpck_require__(7165);
var toJS = __nccwpck_require__(4043);
var Schema = __nccwpck_require__(5840);
var stringifyDocument = __nccwpck_require__(6829);
var anchors = __nccwpck_require__(1596);
var applyReviver = __nccwpck_require__(3661);
var createNode = __nccwpck_require__(2404);
var directives = __nccwpck_require__(1342);

class Document {
    constructor(value, replacer, options) {
        /** A comment before this Document */
        this.commentBefore = null;
        /** A comment immediately after this Document */
        this.comment = null;
        /** Errors encountered during parsing. */
        this.errors = [];
        /** Warnings encountered during parsing. */
        this.warnings = [];
        Object.defineProperty(this, identity.NODE_TYPE, { value: identity.DOC });
        let _replacer = null;
        if (typeof replacer === 'function' || Array.isArray(replacer)) {
            _replacer = replacer;
        }
        else if (options === undefined && replacer) {
            options = replacer;
            replacer = undefined;
        }
        const opt = Object.assign({
            intAsBigInt: false,
            keepSourceTokens: false,
            logLevel: 'warn',
            prettyErrors: true,
            strict: true,
            stringKeys: false,
            uniqueKeys: true,
            version: '1.2'
        }, options);
        this.options = opt;
        let { version } = opt;
        if (options?._directives) {
            this.directives = options._directives.atDocument();
            if (this.directives.yaml.explicit)
                version = this.directives.yaml.version;
        }
        else
            this.directives = new directives.Directives({ version });
        this.setSchema(version, options);
        // @ts-expect-error We can't really know that this matches Contents.
        this.contents =
            value === undefined ? null : this.createNode(value, _replacer, options);
    }
    /**
     * Create a deep copy of this Document and its contents.
     *
     * Custom Node values that inherit from `Object` still refer to their original instances.
     */
    clone() {
        const copy = Object.create(Document.prototype, {
            [identity.NODE_TYPE]: { value: identity.DOC }
        });
        copy.commentBefore = this.commentBefore;
        copy.comment = this.comment;
        copy.errors = this.errors.slice();
        copy.warnings = this.warnings.slice();
        copy.options = Object.assign({}, this.options);
        if (this.directives)
            copy.directives = this.directives.clone();
        copy.schema = this.schema.clone();
        // @ts-expect-error We can't really know that this matches Contents.
        copy.contents = identity.isNode(this.contents)
            ? this.contents.clone(copy.schema)
            : this.contents;
        if (this.range)
            copy.range = this.range.slice();
        return copy;
    }
    /** Adds a value to the document. */
    add(value) {
        if (assertCollection(this.contents))
            this.contents.add(value);
    }
    /** Adds a value to the document. */
    addIn(path, value) {
        if (assertCollection(this.contents))
            this.contents.addIn(path, value);
    }
    /**
     * Create a new `Alias` node, ensuring that the target `node` has the required anchor.
     *
     * If `node` already has an anchor, `name` is ignored.
     * Otherwise, the `node.anchor` value will be set to `name`,
     * or if an anchor with that name is already present in the document,
     * `name` will be used as a prefix for a new unique anchor.
     * If `name` is undefined, the generated anchor will use 'a' as a prefix.
     */
    createAlias(node, name) {
        if (!node.anchor) {
            const prev = anchors.anchorNames(this);
            node.anchor =
                // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing
                !name || prev.has(name) ? anchors.findNewAnchor(name || 'a', prev) : name;
        }
        return new Alias.Alias(node.anchor);
    }
    createNode(value, replacer, options) {
        let _replacer = undefined;
        if (typeof replacer === 'function') {
            value = replacer.call({ '': value }, '', value);
            _replacer = replacer;
        }
        else if (Array.isArray(replacer)) {
            const keyToStr = (v) => typeof v === 'number' || v instanceof String || v instanceof Number;
            const asStr = replacer.filter(keyToStr).map(String);
            if (asStr.length > 0)
                replacer = replacer.concat(asStr);
            _replacer = replacer;
        }
        else if (options === undefined && replacer) {
            options = replacer;
            replacer = undefined;
        }
        const { aliasDuplicateObjects, anchorPrefix, flow, keepUndefined, onTagObj, tag } = options ?? {};
        const { onAnchor, setAnchors, sourceObjects } = anchors.createNodeAnchors(this, 
        // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing
        anchorPrefix || 'a');
        const ctx = {
            aliasDuplicateObjects: aliasDuplicateObjects ?? true,
            keepUndefined: keepUndefined ?? false,
            onAnchor,
            onTagObj,
            replacer: _replacer,
            schema: this.schema,
            sourceObjects
        };
        const node = createNode.createNode(value, tag, ctx);
        if (flow && identity.isCollection(node))
            node.flow = true;
        setAnchors();
        return node;
    }
    /**
     * Convert a key and a value into a `Pair` using the current schema,
     * recursively wrapping all values as `Scalar` or `Collection` nodes.
     */
    createPair(key, value, options = {}) {
        const k = this.createNode(key, null, options);
        const v = this.createNode(value, null, options);
        return new Pair.Pair(k, v);
    }
    /**
     * Removes a value from the document.
     * @returns `true` if the item was found and removed.
     */
    delete(key) {
        return assertCollection(this.contents) ? this.contents.delete(key) : false;
    }
    /**
     * Removes a value from the document.
     * @returns `true` if the item was found and removed.
     */
    deleteIn(path) {
        if (Collection.isEmptyPath(path)) {
            if (this.contents == null)
                return false;
            // @ts-expect-error Presumed impossible if Strict extends false
            this.contents = null;
            return true;
        }
        return assertCollection(this.contents)
            ? this.contents.deleteIn(path)
            : false;
    }
    /**
     * Returns item at `key`, or `undefined` if not found. By default unwraps
     * scalar values from their surrounding node; to disable set `keepScalar` to
     * `true` (collections are always returned intact).
     */
    get(key, keepScalar) {
        return identity.isCollection(this.contents)
            ? this.contents.get(key, keepScalar)
            : undefined;
    }
    /**
     * Returns item at `path`, or `undefined` if not found. By default unwraps
     * scalar values from their surrounding node; to disable set `keepScalar` to
     * `true` (collections are always returned intact).
     */
    getIn(path, keepScalar) {
        if (Collection.isEmptyPath(path))
            return !keepScalar && identity.isScalar(this.contents)
                ? this.contents.value
                : this.contents;
        return identity.isCollection(this.contents)
            ? this.contents.getIn(path, keepScalar)
            : undefined;
    }
    /**
     * Checks if the document includes a value with the key `key`.
     */
    has(key) {
        return identity.isCollection(this.contents) ? this.contents.has(key) : false;
    }
    /**
     * Checks if the document includes a value at `path`.
     */
    hasIn(path) {
        if (Collection.isEmptyPath(path))
            return this.contents !== undefined;
        return identity.isCollection(this.contents) ? this.contents.hasIn(path) : false;
    }
    /**
     * Sets a value in this document. For `!!set`, `value` needs to be a
     * boolean to add/remove the item from the set.
     */
    set(key, value) {
        if (this.contents == null) {
            // @ts-expect-error We can't really know that this matches Contents.
            this.contents = Collection.collectionFromPath(this.schema, [key], value);
        }
        else if (assertCollection(this.contents)) {
            this.contents.set(key, value);
        }
    }
    /**
     * Sets a value in this document. For `!!set`, `value` needs to be a
     * boolean to add/remove the item from the set.
     */
    setIn(path, value) {
        if (Collection.isEmptyPath(path)) {
            // @ts-expect-error We can't really know that this matches Contents.
            this.contents = value;
        }
        else if (this.contents == null) {
            // @ts-expect-error We can't really know that this matches Contents.
            this.contents = Collection.collectionFromPath(this.schema, Array.from(path), value);
        }
        else if (assertCollection(this.contents)) {
            this.contents.setIn(path, value);
        }
    }
    /**
     * Change the YAML version and schema used by the document.
     * A `null` version disables support for directives, explicit tags, anchors, and aliases.
     * It also requires the `schema` option to be given as a `Schema` instance value.
     *
     * Overrides all previously set schema options.
     */
    setSchema(version, options = {}) {
        if (typeof version === 'number')
            version = String(version);
        let opt;
        switch (version) {
            case '1.1':
                if (this.directives)
                    this.directives.yaml.version = '1.1';
                else
                    this.directives = new directives.Directives({ version: '1.1' });
                opt = { resolveKnownTags: false, schema: 'yaml-1.1' };
                break;
            case '1.2':
            case 'next':
                if (this.directives)
                    this.directives.yaml.version = version;
                else
                    this.directives = new directives.Directives({ version });
                opt = { resolveKnownTags: true, schema: 'core' };
                break;
            case null:
                if (this.directives)
                    delete this.directives;
                opt = null;
                break;
            default: {
                const sv = JSON.stringify(version);
                throw new Error(`Expected '1.1', '1.2' or null as first argument, but found: ${sv}`);
            }
        }
        // Not using `instanceof Schema` to allow for duck typing
        if (options.schema instanceof Object)
            this.schema = options.schema;
        else if (opt)
            this.schema = new Schema.Schema(Object.assign(opt, options));
        else
            throw new Error(`With a null YAML version, the { schema: Schema } option is required`);
    }
    // json & jsonArg are only used from toJSON()
    toJS({ json, jsonArg, mapAsMap, maxAliasCount, onAnchor, reviver } = {}) {
        const ctx = {
            anchors: new Map(),
            doc: this,
            keep: !json,
            mapAsMap: mapAsMap === true,
            mapKeyWarned: false,
            maxAliasCount: typeof maxAliasCount === 'number' ? maxAliasCount : 100
        };
        const res = toJS.toJS(this.contents, jsonArg ?? '', ctx);
        if (typeof onAnchor === 'function')
            for (const { count, res } of ctx.anchors.values())
                onAnchor(res, count);
        return typeof reviver === 'function'
            ? applyReviver.applyReviver(reviver, { '': res }, '', res)
            : res;
    }
    /**
     * A JSON representation of the document `contents`.
     *
     * @param jsonArg Used by `JSON.stringify` to indicate the array index or
     *   property name.
     */
    toJSON(jsonArg, onAnchor) {
        return this.toJS({ json: true, jsonArg, mapAsMap: false, onAnchor });
    }
    /** A YAML representation of the document. */
    toString(options = {}) {
        if (this.errors.length > 0)
            throw new Error('Document with errors cannot be stringified');
        if ('indent' in options &&
            (!Number.isInteger(options.indent) || Number(options.indent) <= 0)) {
            const s = JSON.stringify(options.indent);
            throw new Error(`"indent" option must be a positive integer, not ${s}`);
        }
        return stringifyDocument.stringifyDocument(this, options);
    }
}
function assertCollection(contents) {
    if (identity.isCollection(contents))
        return true;
    throw new Error('Expected a YAML collection as document contents');
}

exports.Document = Document;


/***/ }),

/***/ 1596:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var visit = __nccwpck_require__(204);

/**
 * Verify that the input string is a valid anchor.
 *
 * Will throw on errors.
 */
function anchorIsValid(anchor) {
    if (/[\x00-\x19\s,[\]{}]/.test(anchor)) {
        const sa = JSON.stringify(anchor);
        const msg = `Anchor must not contain whitespace or control characters: ${sa}`;
        throw new Error(msg);
    }
    return true;
}
function anchorNames(root) {
    const anchors = new Set();
    visit.visit(root, {
        Value(_key, node) {
            if (node.anchor)
                anchors.add(node.anchor);
        }
    });
    return anchors;
}
/** Find a new anchor name with the given `prefix` and a one-indexed suffix. */
function findNewAnchor(prefix, exclude) {
    for (let i = 1; true; ++i) {
        const name = `${prefix}${i}`;
        if (!exclude.has(name))
            return name;
    }
}
function createNodeAnchors(doc, prefix) {
    const aliasObjects = [];
    const sourceObjects = new Map();
    let prevAnchors = null;
    return {
        onAnchor: (source) => {
            aliasObjects.push(source);
            prevAnchors ?? (prevAnchors = anchorNames(doc));
            const anchor = findNewAnchor(prefix, prevAnchors);
            prevAnchors.add(anchor);
            return anchor;
        },
        /**
         * With circular references, the source node is only resolved after all
         * of its child nodes are. This is why anchors are set only after all of
         * the nodes have been created.
         */
        setAnchors: () => {
            for (const source of aliasObjects) {
                const ref = sourceObjects.get(source);
                if (typeof ref === 'object' &&
                    ref.anchor &&
                    (identity.isScalar(ref.node) || identity.isCollection(ref.node))) {
                    ref.node.anchor = ref.anchor;
                }
                else {
                    const error = new Error('Failed to resolve repeated object (this should not happen)');
                    error.source = source;
                    throw error;
                }
            }
        },
        sourceObjects
    };
}

exports.anchorIsValid = anchorIsValid;
exports.anchorNames = anchorNames;
exports.createNodeAnchors = createNodeAnchors;
exports.findNewAnchor = findNewAnchor;


/***/ }),

/***/ 3661:
/***/ ((__unused_webpack_module, exports) => {



/**
 * Applies the JSON.parse reviver algorithm as defined in the ECMA-262 spec,
 * in section 24.5.1.1 "Runtime Semantics: InternalizeJSONProperty" of the
 * 2021 edition: https://tc39.es/ecma262/#sec-json.parse
 *
 * Includes extensions for handling Map and Set objects.
 */
function applyReviver(reviver, obj, key, val) {
    if (val && typeof val === 'object') {
        if (Array.isArray(val)) {
            for (let i = 0, len = val.length; i < len; ++i) {
                const v0 = val[i];
                const v1 = applyReviver(reviver, val, String(i), v0);
                // eslint-disable-next-line @typescript-eslint/no-array-delete
                if (v1 === undefined)
                    delete val[i];
                else if (v1 !== v0)
                    val[i] = v1;
            }
        }
        else if (val instanceof Map) {
            for (const k of Array.from(val.keys())) {
                const v0 = val.get(k);
                const v1 = applyReviver(reviver, val, k, v0);
                if (v1 === undefined)
                    val.delete(k);
                else if (v1 !== v0)
                    val.set(k, v1);
            }
        }
        else if (val instanceof Set) {
            for (const v0 of Array.from(val)) {
                const v1 = applyReviver(reviver, val, v0, v0);
                if (v1 === undefined)
                    val.delete(v0);
                else if (v1 !== v0) {
                    val.delete(v0);
                    val.add(v1);
                }
            }
        }
        else {
            for (const [k, v0] of Object.entries(val)) {
                const v1 = applyReviver(reviver, val, k, v0);
                if (v1 === undefined)
                    delete val[k];
                else if (v1 !== v0)
                    val[k] = v1;
            }
        }
    }
    return reviver.call(obj, key, val);
}

exports.applyReviver = applyReviver;


/***/ }),

/***/ 2404:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Alias = __nccwpck_require__(4065);
var identity = __nccwpck_require__(1127);
var Scalar = __nccwpck_require__(3301);

const defaultTagPrefix = 'tag:yaml.org,2002:';
function findTagObject(value, tagName, tags) {
    if (tagName) {
        const match = tags.filter(t => t.tag === tagName);
        const tagObj = match.find(t => !t.format) ?? match[0];
        if (!tagObj)
            throw new Error(`Tag ${tagName} not found`);
        return tagObj;
    }
    return tags.find(t => t.identify?.(value) && !t.format);
}
function createNode(value, tagName, ctx) {
    if (identity.isDocument(value))
        value = value.contents;
    if (identity.isNode(value))
        return value;
    if (identity.isPair(value)) {
        const map = ctx.schema[identity.MAP].createNode?.(ctx.schema, null, ctx);
        map.items.push(value);
        return map;
    }
    if (value instanceof String ||
        value instanceof Number ||
        value instanceof Boolean ||
        (typeof BigInt !== 'undefined' && value instanceof BigInt) // not supported everywhere
    ) {
        // https://tc39.es/ecma262/#sec-serializejsonproperty
        value = value.valueOf();
    }
    const { aliasDuplicateObjects, onAnchor, onTagObj, schema, sourceObjects } = ctx;
    // Detect duplicate references to the same object & use Alias nodes for all
    // after first. The `ref` wrapper allows for circular references to resolve.
    let ref = undefined;
    if (aliasDuplicateObjects && value && typeof value === 'object') {
        ref = sourceObjects.get(value);
        if (ref) {
            ref.anchor ?? (ref.anchor = onAnchor(value));
            return new Alias.Alias(ref.anchor);
        }
        else {
            ref = { anchor: null, node: null };
            sourceObjects.set(value, ref);
        }
    }
    if (tagName?.startsWith('!!'))
        tagName = defaultTagPrefix + tagName.slice(2);
    let tagObj = findTagObject(value, tagName, schema.tags);
    if (!tagObj) {
        if (value && typeof value.toJSON === 'function') {
            // eslint-disable-next-line @typescript-eslint/no-unsafe-call
            value = value.toJSON();
        }
        if (!value || typeof value !== 'object') {
            const node = new Scalar.Scalar(value);
            if (ref)
                ref.node = node;
            return node;
        }
        tagObj =
            value instanceof Map
                ? schema[identity.MAP]
                : Symbol.iterator in Object(value)
                    ? schema[identity.SEQ]
                    : schema[identity.MAP];
    }
    if (onTagObj) {
        onTagObj(tagObj);
        delete ctx.onTagObj;
    }
    const node = tagObj?.createNode
        ? tagObj.createNode(ctx.schema, value, ctx)
        : typeof tagObj?.nodeClass?.from === 'function'
            ? tagObj.nodeClass.from(ctx.schema, value, ctx)
            : new Scalar.Scalar(value);
    if (tagName)
        node.tag = tagName;
    else if (!tagObj.default)
        node.tag = tagObj.tag;
    if (ref)
        ref.node = node;
    return node;
}

exports.createNode = createNode;


/***/ }),

/***/ 1342:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var visit = __nccwpck_require__(204);

const escapeChars = {
    '!': '%21',
    ',': '%2C',
    '[': '%5B',
    ']': '%5D',
    '{': '%7B',
    '}': '%7D'
};
const escapeTagName = (tn) => tn.replace(/[!,[\]{}]/g, ch => escapeChars[ch]);
class Directives {
    constructor(yaml, tags) {
        /**
         * The directives-end/doc-start marker `---`. If `null`, a marker may still be
         * included in the document's stringified representation.
         */
        this.docStart = null;
        /** The doc-end marker `...`.  */
        this.docEnd = false;
        this.yaml = Object.assign({}, Directives.defaultYaml, yaml);
        this.tags = Object.assign({}, Directives.defaultTags, tags);
    }
    clone() {
        const copy = new Directives(this.yaml, this.tags);
        copy.docStart = this.docStart;
        return copy;
    }
    /**
     * During parsing, get a Directives instance for the current document and
     * update the stream state according to the current version's spec.
     */
    atDocument() {
        const res = new Directives(this.yaml, this.tags);
        switch (this.yaml.version) {
            case '1.1':
                this.atNextDocument = true;
                break;
            case '1.2':
                this.atNextDocument = false;
                this.yaml = {
                    explicit: Directives.defaultYaml.explicit,
                    version: '1.2'
                };
                this.tags = Object.assign({}, Directives.defaultTags);
                break;
        }
        return res;
    }
    /**
     * @param onError - May be called even if the action was successful
     * @returns `true` on success
     */
    add(line, onError) {
        if (this.atNextDocument) {
            this.yaml = { explicit: Directives.defaultYaml.explicit, version: '1.1' };
            this.tags = Object.assign({}, Directives.defaultTags);
            this.atNextDocument = false;
        }
        const parts = line.trim().split(/[ \t]+/);
        const name = parts.shift();
        switch (name) {
            case '%TAG': {
                if (parts.length !== 2) {
                    onError(0, '%TAG directive should contain exactly two parts');
                    if (parts.length < 2)
                        return false;
                }
                const [handle, prefix] = parts;
                this.tags[handle] = prefix;
                return true;
            }
            case '%YAML': {
                this.yaml.explicit = true;
                if (parts.length !== 1) {
                    onError(0, '%YAML directive should contain exactly one part');
                    return false;
                }
                const [version] = parts;
                if (version === '1.1' || version === '1.2') {
                    this.yaml.version = version;
                    return true;
                }
                else {
                    const isValid = /^\d+\.\d+$/.test(version);
                    onError(6, `Unsupported YAML version ${version}`, isValid);
                    return false;
                }
            }
            default:
                onError(0, `Unknown directive ${name}`, true);
                return false;
        }
    }
    /**
     * Resolves a tag, matching handles to those defined in %TAG directives.
     *
     * @returns Resolved tag, which may also be the non-specific tag `'!'` or a
     *   `'!local'` tag, or `null` if unresolvable.
     */
    tagName(source, onError) {
        if (source === '!')
            return '!'; // non-specific tag
        if (source[0] !== '!') {
            onError(`Not a valid tag: ${source}`);
            return null;
        }
        if (source[1] === '<') {
            const verbatim = source.slice(2, -1);
            if (verbatim === '!' || verbatim === '!!') {
                onError(`Verbatim tags aren't resolved, so ${source} is invalid.`);
                return null;
            }
            if (source[source.length - 1] !== '>')
                onError('Verbatim tags must end with a >');
            return verbatim;
        }
        const [, handle, suffix] = source.match(/^(.*!)([^!]*)$/s);
        if (!suffix)
            onError(`The ${source} tag has no suffix`);
        const prefix = this.tags[handle];
        if (prefix) {
            try {
                return prefix + decodeURIComponent(suffix);
            }
            catch (error) {
                onError(String(error));
                return null;
            }
        }
        if (handle === '!')
            return source; // local tag
        onError(`Could not resolve tag: ${source}`);
        return null;
    }
    /**
     * Given a fully resolved tag, returns its printable string form,
     * taking into account current tag prefixes and defaults.
     */
    tagString(tag) {
        for (const [handle, prefix] of Object.entries(this.tags)) {
            if (tag.startsWith(prefix))
                return handle + escapeTagName(tag.substring(prefix.length));
        }
        return tag[0] === '!' ? tag : `!<${tag}>`;
    }
    toString(doc) {
        const lines = this.yaml.explicit
            ? [`%YAML ${this.yaml.version || '1.2'}`]
            : [];
        const tagEntries = Object.entries(this.tags);
        let tagNames;
        if (doc && tagEntries.length > 0 && identity.isNode(doc.contents)) {
            const tags = {};
            visit.visit(doc.contents, (_key, node) => {
                if (identity.isNode(node) && node.tag)
                    tags[node.tag] = true;
            });
            tagNames = Object.keys(tags);
        }
        else
            tagNames = [];
        for (const [handle, prefix] of tagEntries) {
            if (handle === '!!' && prefix === 'tag:yaml.org,2002:')
                continue;
            if (!doc || tagNames.some(tn => tn.startsWith(prefix)))
                lines.push(`%TAG ${handle} ${prefix}`);
        }
        return lines.join('\n');
    }
}
Directives.defaultYaml = { explicit: false, version: '1.2' };
Directives.defaultTags = { '!!': 'tag:yaml.org,2002:' };

exports.Directives = Directives;


/***/ }),

/***/ 1464:
/***/ ((__unused_webpack_module, exports) => {



class YAMLError extends Error {
    constructor(name, pos, code, message) {
        super();
        this.name = name;
        this.code = code;
        this.message = message;
        this.pos = pos;
    }
}
class YAMLParseError extends YAMLError {
    constructor(pos, code, message) {
        super('YAMLParseError', pos, code, message);
    }
}
class YAMLWarning extends YAMLError {
    constructor(pos, code, message) {
        super('YAMLWarning', pos, code, message);
    }
}
const prettifyError = (src, lc) => (error) => {
    if (error.pos[0] === -1)
        return;
    error.linePos = error.pos.map(pos => lc.linePos(pos));
    const { line, col } = error.linePos[0];
    error.message += ` at line ${line}, column ${col}`;
    let ci = col - 1;
    let lineStr = src
        .substring(lc.lineStarts[line - 1], lc.lineStarts[line])
        .replace(/[\n\r]+$/, '');
    // Trim to max 80 chars, keeping col position near the middle
    if (ci >= 60 && lineStr.length > 80) {
        const trimStart = Math.min(ci - 39, lineStr.length - 79);
        lineStr = '…' + lineStr.substring(trimStart);
        ci -= trimStart - 1;
    }
    if (lineStr.length > 80)
        lineStr = lineStr.substring(0, 79) + '…';
    // Include previous line in context if pointing at line start
    if (line > 1 && /^ *$/.test(lineStr.substring(0, ci))) {
        // Regexp won't match if start is trimmed
        let prev = src.substring(lc.lineStarts[line - 2], lc.lineStarts[line - 1]);
        if (prev.length > 80)
            prev = prev.substring(0, 79) + '…\n';
        lineStr = prev + lineStr;
    }
    if (/[^ ]/.test(lineStr)) {
        let count = 1;
        const end = error.linePos[1];
        if (end?.line === line && end.col > col) {
            count = Math.max(1, Math.min(end.col - col, 80 - ci));
        }
        const pointer = ' '.repeat(ci) + '^'.repeat(count);
        error.message += `:\n\n${lineStr}\n${pointer}\n`;
    }
};

exports.YAMLError = YAMLError;
exports.YAMLParseError = YAMLParseError;
exports.YAMLWarning = YAMLWarning;
exports.prettifyError = prettifyError;


/***/ }),

/***/ 8815:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {

var __webpack_unused_export__;


var composer = __nccwpck_require__(9984);
var Document = __nccwpck_require__(3021);
var Schema = __nccwpck_require__(5840);
var errors = __nccwpck_require__(1464);
var Alias = __nccwpck_require__(4065);
var identity = __nccwpck_require__(1127);
var Pair = __nccwpck_require__(7165);
var Scalar = __nccwpck_require__(3301);
var YAMLMap = __nccwpck_require__(4454);
var YAMLSeq = __nccwpck_require__(2223);
var cst = __nccwpck_require__(3461);
var lexer = __nccwpck_require__(361);
var lineCounter = __nccwpck_require__(6628);
var parser = __nccwpck_require__(3456);
var publicApi = __nccwpck_require__(4047);
var visit = __nccwpck_require__(204);



__webpack_unused_export__ = composer.Composer;
__webpack_unused_export__ = Document.Document;
__webpack_unused_export__ = Schema.Schema;
__webpack_unused_export__ = errors.YAMLError;
__webpack_unused_export__ = errors.YAMLParseError;
__webpack_unused_export__ = errors.YAMLWarning;
__webpack_unused_export__ = Alias.Alias;
__webpack_unused_export__ = identity.isAlias;
__webpack_unused_export__ = identity.isCollection;
__webpack_unused_export__ = identity.isDocument;
exports.jh = identity.isMap;
__webpack_unused_export__ = identity.isNode;
__webpack_unused_export__ = identity.isPair;
exports.jn = identity.isScalar;
exports.oP = identity.isSeq;
__webpack_unused_export__ = Pair.Pair;
__webpack_unused_export__ = Scalar.Scalar;
__webpack_unused_export__ = YAMLMap.YAMLMap;
__webpack_unused_export__ = YAMLSeq.YAMLSeq;
__webpack_unused_export__ = cst;
__webpack_unused_export__ = lexer.Lexer;
exports.HN = lineCounter.LineCounter;
__webpack_unused_export__ = parser.Parser;
__webpack_unused_export__ = publicApi.parse;
exports.hR = publicApi.parseAllDocuments;
__webpack_unused_export__ = publicApi.parseDocument;
__webpack_unused_export__ = publicApi.stringify;
__webpack_unused_export__ = visit.visit;
__webpack_unused_export__ = visit.visitAsync;


/***/ }),

/***/ 7249:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var node_process = __nccwpck_require__(932);

function debug(logLevel, ...messages) {
    if (logLevel === 'debug')
        console.log(...messages);
}
function warn(logLevel, warning) {
    if (logLevel === 'debug' || logLevel === 'warn') {
        if (typeof node_process.emitWarning === 'function')
            node_process.emitWarning(warning);
        else
            console.warn(warning);
    }
}

exports.debug = debug;
exports.warn = warn;


/***/ }),

/***/ 4065:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var anchors = __nccwpck_require__(1596);
var visit = __nccwpck_require__(204);
var identity = __nccwpck_require__(1127);
var Node = __nccwpck_require__(6673);
var toJS = __nccwpck_require__(4043);

class Alias extends Node.NodeBase {
    constructor(source) {
        super(identity.ALIAS);
        this.source = source;
        Object.defineProperty(this, 'tag', {
            set() {
                throw new Error('Alias nodes cannot have tags');
            }
        });
    }
    /**
     * Resolve the value of this alias within `doc`, finding the last
     * instance of the `source` anchor before this node.
     */
    resolve(doc, ctx) {
        if (ctx?.maxAliasCount === 0)
            throw new ReferenceError('Alias resolution is disabled');
        let nodes;
        if (ctx?.aliasResolveCache) {
            nodes = ctx.aliasResolveCache;
        }
        else {
            nodes = [];
            visit.visit(doc, {
                Node: (_key, node) => {
                    if (identity.isAlias(node) || identity.hasAnchor(node))
                        nodes.push(node);
                }
            });
            if (ctx)
                ctx.aliasResolveCache = nodes;
        }
        let found = undefined;
        for (const node of nodes) {
            if (node === this)
                break;
            if (node.anchor === this.source)
                found = node;
        }
        if (found && ctx) {
            const { anchors, doc, maxAliasCount } = ctx;
            let data = anchors.get(found);
            if (!data) {
                // Resolve anchors for Node.prototype.toJS()
                toJS.toJS(found, null, ctx);
                data = anchors.get(found);
            }
            /* istanbul ignore if */
            if (data?.res === undefined) {
                const msg = 'This should not happen: Alias anchor was not resolved?';
                throw new ReferenceError(msg);
            }
            if (maxAliasCount >= 0) {
                data.count += 1;
                if (data.aliasCount === 0)
                    data.aliasCount = getAliasCount(doc, found, anchors);
                if (data.count * data.aliasCount > maxAliasCount) {
                    const msg = 'Excessive alias count indicates a resource exhaustion attack';
                    throw new ReferenceError(msg);
                }
            }
        }
        return found;
    }
    toJSON(_arg, ctx) {
        if (!ctx)
            return { source: this.source };
        const source = this.resolve(ctx.doc, ctx);
        if (!source) {
            const msg = `Unresolved alias (the anchor must be set before the alias): ${this.source}`;
            throw new ReferenceError(msg);
        }
        return ctx.anchors.get(source).res;
    }
    toString(ctx, _onComment, _onChompKeep) {
        const src = `*${this.source}`;
        if (ctx) {
            anchors.anchorIsValid(this.source);
            if (ctx.options.verifyAliasOrder && !ctx.anchors.has(this.source)) {
                const msg = `Unresolved alias (the anchor must be set before the alias): ${this.source}`;
                throw new Error(msg);
            }
            if (ctx.implicitKey)
                return `${src} `;
        }
        return src;
    }
}
function getAliasCount(doc, node, anchors) {
    if (identity.isAlias(node)) {
        const source = node.resolve(doc);
        const anchor = anchors && source && anchors.get(source);
        return anchor ? anchor.count * anchor.aliasCount : 0;
    }
    else if (identity.isCollection(node)) {
        let count = 0;
        for (const item of node.items) {
            const c = getAliasCount(doc, item, anchors);
            if (c > count)
                count = c;
        }
        return count;
    }
    else if (identity.isPair(node)) {
        const kc = getAliasCount(doc, node.key, anchors);
        const vc = getAliasCount(doc, node.value, anchors);
        return Math.max(kc, vc);
    }
    return 1;
}

exports.Alias = Alias;


/***/ }),

/***/ 101:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var createNode = __nccwpck_require__(2404);
var identity = __nccwpck_require__(1127);
var Node = __nccwpck_require__(6673);

function collectionFromPath(schema, path, value) {
    let v = value;
    for (let i = path.length - 1; i >= 0; --i) {
        const k = path[i];
        if (typeof k === 'number' && Number.isInteger(k) && k >= 0) {
            const a = [];
            a[k] = v;
            v = a;
        }
        else {
            v = new Map([[k, v]]);
        }
    }
    return createNode.createNode(v, undefined, {
        aliasDuplicateObjects: false,
        keepUndefined: false,
        onAnchor: () => {
            throw new Error('This should not happen, please report a bug.');
        },
        schema,
        sourceObjects: new Map()
    });
}
// Type guard is intentionally a little wrong so as to be more useful,
// as it does not cover untypable empty non-string iterables (e.g. []).
const isEmptyPath = (path) => path == null ||
    (typeof path === 'object' && !!path[Symbol.iterator]().next().done);
class Collection extends Node.NodeBase {
    constructor(type, schema) {
        super(type);
        Object.defineProperty(this, 'schema', {
            value: schema,
            configurable: true,
            enumerable: false,
            writable: true
        });
    }
    /**
     * Create a copy of this collection.
     *
     * @param schema - If defined, overwrites the original's schema
     */
    clone(schema) {
        const copy = Object.create(Object.getPrototypeOf(this), Object.getOwnPropertyDescriptors(this));
        if (schema)
            copy.schema = schema;
        copy.items = copy.items.map(it => identity.isNode(it) || identity.isPair(it) ? it.clone(schema) : it);
        if (this.range)
            copy.range = this.range.slice();
        return copy;
    }
    /**
     * Adds a value to the collection. For `!!map` and `!!omap` the value must
     * be a Pair instance or a `{ key, value }` object, which may not have a key
     * that already exists in the map.
     */
    addIn(path, value) {
        if (isEmptyPath(path))
            this.add(value);
        else {
            const [key, ...rest] = path;
            const node = this.get(key, true);
            if (identity.isCollection(node))
                node.addIn(rest, value);
            else if (node === undefined && this.schema)
                this.set(key, collectionFromPath(this.schema, rest, value));
            else
                throw new Error(`Expected YAML collection at ${key}. Remaining path: ${rest}`);
        }
    }
    /**
     * Removes a value from the collection.
     * @returns `true` if the item was found and removed.
     */
    deleteIn(path) {
        const [key, ...rest] = path;
        if (rest.length === 0)
            return this.delete(key);
        const node = this.get(key, true);
        if (identity.isCollection(node))
            return node.deleteIn(rest);
        else
            throw new Error(`Expected YAML collection at ${key}. Remaining path: ${rest}`);
    }
    /**
     * Returns item at `key`, or `undefined` if not found. By default unwraps
     * scalar values from their surrounding node; to disable set `keepScalar` to
     * `true` (collections are always returned intact).
     */
    getIn(path, keepScalar) {
        const [key, ...rest] = path;
        const node = this.get(key, true);
        if (rest.length === 0)
            return !keepScalar && identity.isScalar(node) ? node.value : node;
        else
            return identity.isCollection(node) ? node.getIn(rest, keepScalar) : undefined;
    }
    hasAllNullValues(allowScalar) {
        return this.items.every(node => {
            if (!identity.isPair(node))
                return false;
            const n = node.value;
            return (n == null ||
                (allowScalar &&
                    identity.isScalar(n) &&
                    n.value == null &&
                    !n.commentBefore &&
                    !n.comment &&
                    !n.tag));
        });
    }
    /**
     * Checks if the collection includes a value with the key `key`.
     */
    hasIn(path) {
        const [key, ...rest] = path;
        if (rest.length === 0)
            return this.has(key);
        const node = this.get(key, true);
        return identity.isCollection(node) ? node.hasIn(rest) : false;
    }
    /**
     * Sets a value in this collection. For `!!set`, `value` needs to be a
     * boolean to add/remove the item from the set.
     */
    setIn(path, value) {
        const [key, ...rest] = path;
        if (rest.length === 0) {
            this.set(key, value);
        }
        else {
            const node = this.get(key, true);
            if (identity.isCollection(node))
                node.setIn(rest, value);
            else if (node === undefined && this.schema)
                this.set(key, collectionFromPath(this.schema, rest, value));
            else
                throw new Error(`Expected YAML collection at ${key}. Remaining path: ${rest}`);
        }
    }
}

exports.Collection = Collection;
exports.collectionFromPath = collectionFromPath;
exports.isEmptyPath = isEmptyPath;


/***/ }),

/***/ 6673:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var applyReviver = __nccwpck_require__(3661);
var identity = __nccwpck_require__(1127);
var toJS = __nccwpck_require__(4043);

class NodeBase {
    constructor(type) {
        Object.defineProperty(this, identity.NODE_TYPE, { value: type });
    }
    /** Create a copy of this node.  */
    clone() {
        const copy = Object.create(Object.getPrototypeOf(this), Object.getOwnPropertyDescriptors(this));
        if (this.range)
            copy.range = this.range.slice();
        return copy;
    }
    /** A plain JavaScript representation of this node. */
    toJS(doc, { mapAsMap, maxAliasCount, onAnchor, reviver } = {}) {
        if (!identity.isDocument(doc))
            throw new TypeError('A document argument is required');
        const ctx = {
            anchors: new Map(),
            doc,
            keep: true,
            mapAsMap: mapAsMap === true,
            mapKeyWarned: false,
            maxAliasCount: typeof maxAliasCount === 'number' ? maxAliasCount : 100
        };
        const res = toJS.toJS(this, '', ctx);
        if (typeof onAnchor === 'function')
            for (const { count, res } of ctx.anchors.values())
                onAnchor(res, count);
        return typeof reviver === 'function'
            ? applyReviver.applyReviver(reviver, { '': res }, '', res)
            : res;
    }
}

exports.NodeBase = NodeBase;


/***/ }),

/***/ 7165:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var createNode = __nccwpck_require__(2404);
var stringifyPair = __nccwpck_require__(9748);
var addPairToJSMap = __nccwpck_require__(7104);
var identity = __nccwpck_require__(1127);

function createPair(key, value, ctx) {
    const k = createNode.createNode(key, undefined, ctx);
    const v = createNode.createNode(value, undefined, ctx);
    return new Pair(k, v);
}
class Pair {
    constructor(key, value = null) {
        Object.defineProperty(this, identity.NODE_TYPE, { value: identity.PAIR });
        this.key = key;
        this.value = value;
    }
    clone(schema) {
        let { key, value } = this;
        if (identity.isNode(key))
            key = key.clone(schema);
        if (identity.isNode(value))
            value = value.clone(schema);
        return new Pair(key, value);
    }
    toJSON(_, ctx) {
        const pair = ctx?.mapAsMap ? new Map() : {};
        return addPairToJSMap.addPairToJSMap(ctx, pair, this);
    }
    toString(ctx, onComment, onChompKeep) {
        return ctx?.doc
            ? stringifyPair.stringifyPair(this, ctx, onComment, onChompKeep)
            : JSON.stringify(this);
    }
}

exports.Pair = Pair;
exports.createPair = createPair;


/***/ }),

/***/ 3301:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Node = __nccwpck_require__(6673);
var toJS = __nccwpck_require__(4043);

const isScalarValue = (value) => !value || (typeof value !== 'function' && typeof value !== 'object');
class Scalar extends Node.NodeBase {
    constructor(value) {
        super(identity.SCALAR);
        this.value = value;
    }
    toJSON(arg, ctx) {
        return ctx?.keep ? this.value : toJS.toJS(this.value, arg, ctx);
    }
    toString() {
        return String(this.value);
    }
}
Scalar.BLOCK_FOLDED = 'BLOCK_FOLDED';
Scalar.BLOCK_LITERAL = 'BLOCK_LITERAL';
Scalar.PLAIN = 'PLAIN';
Scalar.QUOTE_DOUBLE = 'QUOTE_DOUBLE';
Scalar.QUOTE_SINGLE = 'QUOTE_SINGLE';

exports.Scalar = Scalar;
exports.isScalarValue = isScalarValue;


/***/ }),

/***/ 4454:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var stringifyCollection = __nccwpck_require__(1212);
var addPairToJSMap = __nccwpck_require__(7104);
var Collection = __nccwpck_require__(101);
var identity = __nccwpck_require__(1127);
var Pair = __nccwpck_require__(7165);
var Scalar = __nccwpck_require__(3301);

function findPair(items, key) {
    const k = identity.isScalar(key) ? key.value : key;
    for (const it of items) {
        if (identity.isPair(it)) {
            if (it.key === key || it.key === k)
                return it;
            if (identity.isScalar(it.key) && it.key.value === k)
                return it;
        }
    }
    return undefined;
}
class YAMLMap extends Collection.Collection {
    static get tagName() {
        return 'tag:yaml.org,2002:map';
    }
    constructor(schema) {
        super(identity.MAP, schema);
        this.items = [];
    }
    /**
     * A generic collection parsing method that can be extended
     * to other node classes that inherit from YAMLMap
     */
    static from(schema, obj, ctx) {
        const { keepUndefined, replacer } = ctx;
        const map = new this(schema);
        const add = (key, value) => {
            if (typeof replacer === 'function')
                value = replacer.call(obj, key, value);
            else if (Array.isArray(replacer) && !replacer.includes(key))
                return;
            if (value !== undefined || keepUndefined)
                map.items.push(Pair.createPair(key, value, ctx));
        };
        if (obj instanceof Map) {
            for (const [key, value] of obj)
                add(key, value);
        }
        else if (obj && typeof obj === 'object') {
            for (const key of Object.keys(obj))
                add(key, obj[key]);
        }
        if (typeof schema.sortMapEntries === 'function') {
            map.items.sort(schema.sortMapEntries);
        }
        return map;
    }
    /**
     * Adds a value to the collection.
     *
     * @param overwrite - If not set `true`, using a key that is already in the
     *   collection will throw. Otherwise, overwrites the previous value.
     */
    add(pair, overwrite) {
        let _pair;
        if (identity.isPair(pair))
            _pair = pair;
        else if (!pair || typeof pair !== 'object' || !('key' in pair)) {
            // In TypeScript, this never happens.
            _pair = new Pair.Pair(pair, pair?.value);
        }
        else
            _pair = new Pair.Pair(pair.key, pair.value);
        const prev = findPair(this.items, _pair.key);
        const sortEntries = this.schema?.sortMapEntries;
        if (prev) {
            if (!overwrite)
                throw new Error(`Key ${_pair.key} already set`);
            // For scalars, keep the old node & its comments and anchors
            if (identity.isScalar(prev.value) && Scalar.isScalarValue(_pair.value))
                prev.value.value = _pair.value;
            else
                prev.value = _pair.value;
        }
        else if (sortEntries) {
            const i = this.items.findIndex(item => sortEntries(_pair, item) < 0);
            if (i === -1)
                this.items.push(_pair);
            else
                this.items.splice(i, 0, _pair);
        }
        else {
            this.items.push(_pair);
        }
    }
    delete(key) {
        const it = findPair(this.items, key);
        if (!it)
            return false;
        const del = this.items.splice(this.items.indexOf(it), 1);
        return del.length > 0;
    }
    get(key, keepScalar) {
        const it = findPair(this.items, key);
        const node = it?.value;
        return (!keepScalar && identity.isScalar(node) ? node.value : node) ?? undefined;
    }
    has(key) {
        return !!findPair(this.items, key);
    }
    set(key, value) {
        this.add(new Pair.Pair(key, value), true);
    }
    /**
     * @param ctx - Conversion context, originally set in Document#toJS()
     * @param {Class} Type - If set, forces the returned collection type
     * @returns Instance of Type, Map, or Object
     */
    toJSON(_, ctx, Type) {
        const map = Type ? new Type() : ctx?.mapAsMap ? new Map() : {};
        if (ctx?.onCreate)
            ctx.onCreate(map);
        for (const item of this.items)
            addPairToJSMap.addPairToJSMap(ctx, map, item);
        return map;
    }
    toString(ctx, onComment, onChompKeep) {
        if (!ctx)
            return JSON.stringify(this);
        for (const item of this.items) {
            if (!identity.isPair(item))
                throw new Error(`Map items must all be pairs; found ${JSON.stringify(item)} instead`);
        }
        if (!ctx.allNullValues && this.hasAllNullValues(false))
            ctx = Object.assign({}, ctx, { allNullValues: true });
        return stringifyCollection.stringifyCollection(this, ctx, {
            blockItemPrefix: '',
            flowChars: { start: '{', end: '}' },
            itemIndent: ctx.indent || '',
            onChompKeep,
            onComment
        });
    }
}

exports.YAMLMap = YAMLMap;
exports.findPair = findPair;


/***/ }),

/***/ 2223:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var createNode = __nccwpck_require__(2404);
var stringifyCollection = __nccwpck_require__(1212);
var Collection = __nccwpck_require__(101);
var identity = __nccwpck_require__(1127);
var Scalar = __nccwpck_require__(3301);
var toJS = __nccwpck_require__(4043);

class YAMLSeq extends Collection.Collection {
    static get tagName() {
        return 'tag:yaml.org,2002:seq';
    }
    constructor(schema) {
        super(identity.SEQ, schema);
        this.items = [];
    }
    add(value) {
        this.items.push(value);
    }
    /**
     * Removes a value from the collection.
     *
     * `key` must contain a representation of an integer for this to succeed.
     * It may be wrapped in a `Scalar`.
     *
     * @returns `true` if the item was found and removed.
     */
    delete(key) {
        const idx = asItemIndex(key);
        if (typeof idx !== 'number')
            return false;
        const del = this.items.splice(idx, 1);
        return del.length > 0;
    }
    get(key, keepScalar) {
        const idx = asItemIndex(key);
        if (typeof idx !== 'number')
            return undefined;
        const it = this.items[idx];
        return !keepScalar && identity.isScalar(it) ? it.value : it;
    }
    /**
     * Checks if the collection includes a value with the key `key`.
     *
     * `key` must contain a representation of an integer for this to succeed.
     * It may be wrapped in a `Scalar`.
     */
    has(key) {
        const idx = asItemIndex(key);
        return typeof idx === 'number' && idx < this.items.length;
    }
    /**
     * Sets a value in this collection. For `!!set`, `value` needs to be a
     * boolean to add/remove the item from the set.
     *
     * If `key` does not contain a representation of an integer, this will throw.
     * It may be wrapped in a `Scalar`.
     */
    set(key, value) {
        const idx = asItemIndex(key);
        if (typeof idx !== 'number')
            throw new Error(`Expected a valid index, not ${key}.`);
        const prev = this.items[idx];
        if (identity.isScalar(prev) && Scalar.isScalarValue(value))
            prev.value = value;
        else
            this.items[idx] = value;
    }
    toJSON(_, ctx) {
        const seq = [];
        if (ctx?.onCreate)
            ctx.onCreate(seq);
        let i = 0;
        for (const item of this.items)
            seq.push(toJS.toJS(item, String(i++), ctx));
        return seq;
    }
    toString(ctx, onComment, onChompKeep) {
        if (!ctx)
            return JSON.stringify(this);
        return stringifyCollection.stringifyCollection(this, ctx, {
            blockItemPrefix: '- ',
            flowChars: { start: '[', end: ']' },
            itemIndent: (ctx.indent || '') + '  ',
            onChompKeep,
            onComment
        });
    }
    static from(schema, obj, ctx) {
        const { replacer } = ctx;
        const seq = new this(schema);
        if (obj && Symbol.iterator in Object(obj)) {
            let i = 0;
            for (let it of obj) {
                if (typeof replacer === 'function') {
                    const key = obj instanceof Set ? it : String(i++);
                    it = replacer.call(obj, key, it);
                }
                seq.items.push(createNode.createNode(it, undefined, ctx));
            }
        }
        return seq;
    }
}
function asItemIndex(key) {
    let idx = identity.isScalar(key) ? key.value : key;
    if (idx && typeof idx === 'string')
        idx = Number(idx);
    return typeof idx === 'number' && Number.isInteger(idx) && idx >= 0
        ? idx
        : null;
}

exports.YAMLSeq = YAMLSeq;


/***/ }),

/***/ 7104:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var log = __nccwpck_require__(7249);
var merge = __nccwpck_require__(452);
var stringify = __nccwpck_require__(2148);
var identity = __nccwpck_require__(1127);
var toJS = __nccwpck_require__(4043);

function addPairToJSMap(ctx, map, { key, value }) {
    if (identity.isNode(key) && key.addToJSMap)
        key.addToJSMap(ctx, map, value);
    // TODO: Should drop this special case for bare << handling
    else if (merge.isMergeKey(ctx, key))
        merge.addMergeToJSMap(ctx, map, value);
    else {
        const jsKey = toJS.toJS(key, '', ctx);
        if (map instanceof Map) {
            map.set(jsKey, toJS.toJS(value, jsKey, ctx));
        }
        else if (map instanceof Set) {
            map.add(jsKey);
        }
        else {
            const stringKey = stringifyKey(key, jsKey, ctx);
            const jsValue = toJS.toJS(value, stringKey, ctx);
            if (stringKey in map)
                Object.defineProperty(map, stringKey, {
                    value: jsValue,
                    writable: true,
                    enumerable: true,
                    configurable: true
                });
            else
                map[stringKey] = jsValue;
        }
    }
    return map;
}
function stringifyKey(key, jsKey, ctx) {
    if (jsKey === null)
        return '';
    // eslint-disable-next-line @typescript-eslint/no-base-to-string
    if (typeof jsKey !== 'object')
        return String(jsKey);
    if (identity.isNode(key) && ctx?.doc) {
        const strCtx = stringify.createStringifyContext(ctx.doc, {});
        strCtx.anchors = new Set();
        for (const node of ctx.anchors.keys())
            strCtx.anchors.add(node.anchor);
        strCtx.inFlow = true;
        strCtx.inStringifyKey = true;
        const strKey = key.toString(strCtx);
        if (!ctx.mapKeyWarned) {
            let jsonStr = JSON.stringify(strKey);
            if (jsonStr.length > 40)
                jsonStr = jsonStr.substring(0, 36) + '..."';
            log.warn(ctx.doc.options.logLevel, `Keys with collection values will be stringified due to JS Object restrictions: ${jsonStr}. Set mapAsMap: true to use object keys.`);
            ctx.mapKeyWarned = true;
        }
        return strKey;
    }
    return JSON.stringify(jsKey);
}

exports.addPairToJSMap = addPairToJSMap;


/***/ }),

/***/ 1127:
/***/ ((__unused_webpack_module, exports) => {



const ALIAS = Symbol.for('yaml.alias');
const DOC = Symbol.for('yaml.document');
const MAP = Symbol.for('yaml.map');
const PAIR = Symbol.for('yaml.pair');
const SCALAR = Symbol.for('yaml.scalar');
const SEQ = Symbol.for('yaml.seq');
const NODE_TYPE = Symbol.for('yaml.node.type');
const isAlias = (node) => !!node && typeof node === 'object' && node[NODE_TYPE] === ALIAS;
const isDocument = (node) => !!node && typeof node === 'object' && node[NODE_TYPE] === DOC;
const isMap = (node) => !!node && typeof node === 'object' && node[NODE_TYPE] === MAP;
const isPair = (node) => !!node && typeof node === 'object' && node[NODE_TYPE] === PAIR;
const isScalar = (node) => !!node && typeof node === 'object' && node[NODE_TYPE] === SCALAR;
const isSeq = (node) => !!node && typeof node === 'object' && node[NODE_TYPE] === SEQ;
function isCollection(node) {
    if (node && typeof node === 'object')
        switch (node[NODE_TYPE]) {
            case MAP:
            case SEQ:
                return true;
        }
    return false;
}
function isNode(node) {
    if (node && typeof node === 'object')
        switch (node[NODE_TYPE]) {
            case ALIAS:
            case MAP:
            case SCALAR:
            case SEQ:
                return true;
        }
    return false;
}
const hasAnchor = (node) => (isScalar(node) || isCollection(node)) && !!node.anchor;

exports.ALIAS = ALIAS;
exports.DOC = DOC;
exports.MAP = MAP;
exports.NODE_TYPE = NODE_TYPE;
exports.PAIR = PAIR;
exports.SCALAR = SCALAR;
exports.SEQ = SEQ;
exports.hasAnchor = hasAnchor;
exports.isAlias = isAlias;
exports.isCollection = isCollection;
exports.isDocument = isDocument;
exports.isMap = isMap;
exports.isNode = isNode;
exports.isPair = isPair;
exports.isScalar = isScalar;
exports.isSeq = isSeq;


/***/ }),

/***/ 4043:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);

/**
 * Recursively convert any node or its contents to native JavaScript
 *
 * @param value - The input value
 * @param arg - If `value` defines a `toJSON()` method, use this
 *   as its first argument
 * @param ctx - Conversion context, originally set in Document#toJS(). If
 *   `{ keep: true }` is not set, output should be suitable for JSON
 *   stringification.
 */
function toJS(value, arg, ctx) {
    // eslint-disable-next-line @typescript-eslint/no-unsafe-return
    if (Array.isArray(value))
        return value.map((v, i) => toJS(v, String(i), ctx));
    if (value && typeof value.toJSON === 'function') {
        // eslint-disable-next-line @typescript-eslint/no-unsafe-call
        if (!ctx || !identity.hasAnchor(value))
            return value.toJSON(arg, ctx);
        const data = { aliasCount: 0, count: 1, res: undefined };
        ctx.anchors.set(value, data);
        ctx.onCreate = res => {
            data.res = res;
            delete ctx.onCreate;
        };
        const res = value.toJSON(arg, ctx);
        if (ctx.onCreate)
            ctx.onCreate(res);
        return res;
    }
    if (typeof value === 'bigint' && !ctx?.keep)
        return Number(value);
    return value;
}

exports.toJS = toJS;


/***/ }),

/***/ 110:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var resolveBlockScalar = __nccwpck_require__(8913);
var resolveFlowScalar = __nccwpck_require__(6842);
var errors = __nccwpck_require__(1464);
var stringifyString = __nccwpck_require__(3069);

function resolveAsScalar(token, strict = true, onError) {
    if (token) {
        const _onError = (pos, code, message) => {
            const offset = typeof pos === 'number' ? pos : Array.isArray(pos) ? pos[0] : pos.offset;
            if (onError)
                onError(offset, code, message);
            else
                throw new errors.YAMLParseError([offset, offset + 1], code, message);
        };
        switch (token.type) {
            case 'scalar':
            case 'single-quoted-scalar':
            case 'double-quoted-scalar':
                return resolveFlowScalar.resolveFlowScalar(token, strict, _onError);
            case 'block-scalar':
                return resolveBlockScalar.resolveBlockScalar({ options: { strict } }, token, _onError);
        }
    }
    return null;
}
/**
 * Create a new scalar token with `value`
 *
 * Values that represent an actual string but may be parsed as a different type should use a `type` other than `'PLAIN'`,
 * as this function does not support any schema operations and won't check for such conflicts.
 *
 * @param value The string representation of the value, which will have its content properly indented.
 * @param context.end Comments and whitespace after the end of the value, or after the block scalar header. If undefined, a newline will be added.
 * @param context.implicitKey Being within an implicit key may affect the resolved type of the token's value.
 * @param context.indent The indent level of the token.
 * @param context.inFlow Is this scalar within a flow collection? This may affect the resolved type of the token's value.
 * @param context.offset The offset position of the token.
 * @param context.type The preferred type of the scalar token. If undefined, the previous type of the `token` will be used, defaulting to `'PLAIN'`.
 */
function createScalarToken(value, context) {
    const { implicitKey = false, indent, inFlow = false, offset = -1, type = 'PLAIN' } = context;
    const source = stringifyString.stringifyString({ type, value }, {
        implicitKey,
        indent: indent > 0 ? ' '.repeat(indent) : '',
        inFlow,
        options: { blockQuote: true, lineWidth: -1 }
    });
    const end = context.end ?? [
        { type: 'newline', offset: -1, indent, source: '\n' }
    ];
    switch (source[0]) {
        case '|':
        case '>': {
            const he = source.indexOf('\n');
            const head = source.substring(0, he);
            const body = source.substring(he + 1) + '\n';
            const props = [
                { type: 'block-scalar-header', offset, indent, source: head }
            ];
            if (!addEndtoBlockProps(props, end))
                props.push({ type: 'newline', offset: -1, indent, source: '\n' });
            return { type: 'block-scalar', offset, indent, props, source: body };
        }
        case '"':
            return { type: 'double-quoted-scalar', offset, indent, source, end };
        case "'":
            return { type: 'single-quoted-scalar', offset, indent, source, end };
        default:
            return { type: 'scalar', offset, indent, source, end };
    }
}
/**
 * Set the value of `token` to the given string `value`, overwriting any previous contents and type that it may have.
 *
 * Best efforts are made to retain any comments previously associated with the `token`,
 * though all contents within a collection's `items` will be overwritten.
 *
 * Values that represent an actual string but may be parsed as a different type should use a `type` other than `'PLAIN'`,
 * as this function does not support any schema operations and won't check for such conflicts.
 *
 * @param token Any token. If it does not include an `indent` value, the value will be stringified as if it were an implicit key.
 * @param value The string representation of the value, which will have its content properly indented.
 * @param context.afterKey In most cases, values after a key should have an additional level of indentation.
 * @param context.implicitKey Being within an implicit key may affect the resolved type of the token's value.
 * @param context.inFlow Being within a flow collection may affect the resolved type of the token's value.
 * @param context.type The preferred type of the scalar token. If undefined, the previous type of the `token` will be used, defaulting to `'PLAIN'`.
 */
function setScalarValue(token, value, context = {}) {
    let { afterKey = false, implicitKey = false, inFlow = false, type } = context;
    let indent = 'indent' in token ? token.indent : null;
    if (afterKey && typeof indent === 'number')
        indent += 2;
    if (!type)
        switch (token.type) {
            case 'single-quoted-scalar':
                type = 'QUOTE_SINGLE';
                break;
            case 'double-quoted-scalar':
                type = 'QUOTE_DOUBLE';
                break;
            case 'block-scalar': {
                const header = token.props[0];
                if (header.type !== 'block-scalar-header')
                    throw new Error('Invalid block scalar header');
                type = header.source[0] === '>' ? 'BLOCK_FOLDED' : 'BLOCK_LITERAL';
                break;
            }
            default:
                type = 'PLAIN';
        }
    const source = stringifyString.stringifyString({ type, value }, {
        implicitKey: implicitKey || indent === null,
        indent: indent !== null && indent > 0 ? ' '.repeat(indent) : '',
        inFlow,
        options: { blockQuote: true, lineWidth: -1 }
    });
    switch (source[0]) {
        case '|':
        case '>':
            setBlockScalarValue(token, source);
            break;
        case '"':
            setFlowScalarValue(token, source, 'double-quoted-scalar');
            break;
        case "'":
            setFlowScalarValue(token, source, 'single-quoted-scalar');
            break;
        default:
            setFlowScalarValue(token, source, 'scalar');
    }
}
function setBlockScalarValue(token, source) {
    const he = source.indexOf('\n');
    const head = source.substring(0, he);
    const body = source.substring(he + 1) + '\n';
    if (token.type === 'block-scalar') {
        const header = token.props[0];
        if (header.type !== 'block-scalar-header')
            throw new Error('Invalid block scalar header');
        header.source = head;
        token.source = body;
    }
    else {
        const { offset } = token;
        const indent = 'indent' in token ? token.indent : -1;
        const props = [
            { type: 'block-scalar-header', offset, indent, source: head }
        ];
        if (!addEndtoBlockProps(props, 'end' in token ? token.end : undefined))
            props.push({ type: 'newline', offset: -1, indent, source: '\n' });
        for (const key of Object.keys(token))
            if (key !== 'type' && key !== 'offset')
                delete token[key];
        Object.assign(token, { type: 'block-scalar', indent, props, source: body });
    }
}
/** @returns `true` if last token is a newline */
function addEndtoBlockProps(props, end) {
    if (end)
        for (const st of end)
            switch (st.type) {
                case 'space':
                case 'comment':
                    props.push(st);
                    break;
                case 'newline':
                    props.push(st);
                    return true;
            }
    return false;
}
function setFlowScalarValue(token, source, type) {
    switch (token.type) {
        case 'scalar':
        case 'double-quoted-scalar':
        case 'single-quoted-scalar':
            token.type = type;
            token.source = source;
            break;
        case 'block-scalar': {
            const end = token.props.slice(1);
            let oa = source.length;
            if (token.props[0].type === 'block-scalar-header')
                oa -= token.props[0].source.length;
            for (const tok of end)
                tok.offset += oa;
            delete token.props;
            Object.assign(token, { type, source, end });
            break;
        }
        case 'block-map':
        case 'block-seq': {
            const offset = token.offset + source.length;
            const nl = { type: 'newline', offset, indent: token.indent, source: '\n' };
            delete token.items;
            Object.assign(token, { type, source, end: [nl] });
            break;
        }
        default: {
            const indent = 'indent' in token ? token.indent : -1;
            const end = 'end' in token && Array.isArray(token.end)
                ? token.end.filter(st => st.type === 'space' ||
                    st.type === 'comment' ||
                    st.type === 'newline')
                : [];
            for (const key of Object.keys(token))
                if (key !== 'type' && key !== 'offset')
                    delete token[key];
            Object.assign(token, { type, indent, source, end });
        }
    }
}

exports.createScalarToken = createScalarToken;
exports.resolveAsScalar = resolveAsScalar;
exports.setScalarValue = setScalarValue;


/***/ }),

/***/ 1733:
/***/ ((__unused_webpack_module, exports) => {



/**
 * Stringify a CST document, token, or collection item
 *
 * Fair warning: This applies no validation whatsoever, and
 * simply concatenates the sources in their logical order.
 */
const stringify = (cst) => 'type' in cst ? stringifyToken(cst) : stringifyItem(cst);
function stringifyToken(token) {
    switch (token.type) {
        case 'block-scalar': {
            let res = '';
            for (const tok of token.props)
                res += stringifyToken(tok);
            return res + token.source;
        }
        case 'block-map':
        case 'block-seq': {
            let res = '';
            for (const item of token.items)
                res += stringifyItem(item);
            return res;
        }
        case 'flow-collection': {
            let res = token.start.source;
            for (const item of token.items)
                res += stringifyItem(item);
            for (const st of token.end)
                res += st.source;
            return res;
        }
        case 'document': {
            let res = stringifyItem(token);
            if (token.end)
                for (const st of token.end)
                    res += st.source;
            return res;
        }
        default: {
            let res = token.source;
            if ('end' in token && token.end)
                for (const st of token.end)
                    res += st.source;
            return res;
        }
    }
}
function stringifyItem({ start, key, sep, value }) {
    let res = '';
    for (const st of start)
        res += st.source;
    if (key)
        res += stringifyToken(key);
    if (sep)
        for (const st of sep)
            res += st.source;
    if (value)
        res += stringifyToken(value);
    return res;
}

exports.stringify = stringify;


/***/ }),

/***/ 7715:
/***/ ((__unused_webpack_module, exports) => {



const BREAK = Symbol('break visit');
const SKIP = Symbol('skip children');
const REMOVE = Symbol('remove item');
/**
 * Apply a visitor to a CST document or item.
 *
 * Walks through the tree (depth-first) starting from the root, calling a
 * `visitor` function with two arguments when entering each item:
 *   - `item`: The current item, which included the following members:
 *     - `start: SourceToken[]` – Source tokens before the key or value,
 *       possibly including its anchor or tag.
 *     - `key?: Token | null` – Set for pair values. May then be `null`, if
 *       the key before the `:` separator is empty.
 *     - `sep?: SourceToken[]` – Source tokens between the key and the value,
 *       which should include the `:` map value indicator if `value` is set.
 *     - `value?: Token` – The value of a sequence item, or of a map pair.
 *   - `path`: The steps from the root to the current node, as an array of
 *     `['key' | 'value', number]` tuples.
 *
 * The return value of the visitor may be used to control the traversal:
 *   - `undefined` (default): Do nothing and continue
 *   - `visit.SKIP`: Do not visit the children of this token, continue with
 *      next sibling
 *   - `visit.BREAK`: Terminate traversal completely
 *   - `visit.REMOVE`: Remove the current item, then continue with the next one
 *   - `number`: Set the index of the next step. This is useful especially if
 *     the index of the current token has changed.
 *   - `function`: Define the next visitor for this item. After the original
 *     visitor is called on item entry, next visitors are called after handling
 *     a non-empty `key` and when exiting the item.
 */
function visit(cst, visitor) {
    if ('type' in cst && cst.type === 'document')
        cst = { start: cst.start, value: cst.value };
    _visit(Object.freeze([]), cst, visitor);
}
// Without the `as symbol` casts, TS declares these in the `visit`
// namespace using `var`, but then complains about that because
// `unique symbol` must be `const`.
/** Terminate visit traversal completely */
visit.BREAK = BREAK;
/** Do not visit the children of the current item */
visit.SKIP = SKIP;
/** Remove the current item */
visit.REMOVE = REMOVE;
/** Find the item at `path` from `cst` as the root */
visit.itemAtPath = (cst, path) => {
    let item = cst;
    for (const [field, index] of path) {
        const tok = item?.[field];
        if (tok && 'items' in tok) {
            item = tok.items[index];
        }
        else
            return undefined;
    }
    return item;
};
/**
 * Get the immediate parent collection of the item at `path` from `cst` as the root.
 *
 * Throws an error if the collection is not found, which should never happen if the item itself exists.
 */
visit.parentCollection = (cst, path) => {
    const parent = visit.itemAtPath(cst, path.slice(0, -1));
    const field = path[path.length - 1][0];
    const coll = parent?.[field];
    if (coll && 'items' in coll)
        return coll;
    throw new Error('Parent collection not found');
};
function _visit(path, item, visitor) {
    let ctrl = visitor(item, path);
    if (typeof ctrl === 'symbol')
        return ctrl;
    for (const field of ['key', 'value']) {
        const token = item[field];
        if (token && 'items' in token) {
            for (let i = 0; i < token.items.length; ++i) {
                const ci = _visit(Object.freeze(path.concat([[field, i]])), token.items[i], visitor);
                if (typeof ci === 'number')
                    i = ci - 1;
                else if (ci === BREAK)
                    return BREAK;
                else if (ci === REMOVE) {
                    token.items.splice(i, 1);
                    i -= 1;
                }
            }
            if (typeof ctrl === 'function' && field === 'key')
                ctrl = ctrl(item, path);
        }
    }
    return typeof ctrl === 'function' ? ctrl(item, path) : ctrl;
}

exports.visit = visit;


/***/ }),

/***/ 3461:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var cstScalar = __nccwpck_require__(110);
var cstStringify = __nccwpck_require__(1733);
var cstVisit = __nccwpck_require__(7715);

/** The byte order mark */
const BOM = '\u{FEFF}';
/** Start of doc-mode */
const DOCUMENT = '\x02'; // C0: Start of Text
/** Unexpected end of flow-mode */
const FLOW_END = '\x18'; // C0: Cancel
/** Next token is a scalar value */
const SCALAR = '\x1f'; // C0: Unit Separator
/** @returns `true` if `token` is a flow or block collection */
const isCollection = (token) => !!token && 'items' in token;
/** @returns `true` if `token` is a flow or block scalar; not an alias */
const isScalar = (token) => !!token &&
    (token.type === 'scalar' ||
        token.type === 'single-quoted-scalar' ||
        token.type === 'double-quoted-scalar' ||
        token.type === 'block-scalar');
/* istanbul ignore next */
/** Get a printable representation of a lexer token */
function prettyToken(token) {
    switch (token) {
        case BOM:
            return '<BOM>';
        case DOCUMENT:
            return '<DOC>';
        case FLOW_END:
            return '<FLOW_END>';
        case SCALAR:
            return '<SCALAR>';
        default:
            return JSON.stringify(token);
    }
}
/** Identify the type of a lexer token. May return `null` for unknown tokens. */
function tokenType(source) {
    switch (source) {
        case BOM:
            return 'byte-order-mark';
        case DOCUMENT:
            return 'doc-mode';
        case FLOW_END:
            return 'flow-error-end';
        case SCALAR:
            return 'scalar';
        case '---':
            return 'doc-start';
        case '...':
            return 'doc-end';
        case '':
        case '\n':
        case '\r\n':
            return 'newline';
        case '-':
            return 'seq-item-ind';
        case '?':
            return 'explicit-key-ind';
        case ':':
            return 'map-value-ind';
        case '{':
            return 'flow-map-start';
        case '}':
            return 'flow-map-end';
        case '[':
            return 'flow-seq-start';
        case ']':
            return 'flow-seq-end';
        case ',':
            return 'comma';
    }
    switch (source[0]) {
        case ' ':
        case '\t':
            return 'space';
        case '#':
            return 'comment';
        case '%':
            return 'directive-line';
        case '*':
            return 'alias';
        case '&':
            return 'anchor';
        case '!':
            return 'tag';
        case "'":
            return 'single-quoted-scalar';
        case '"':
            return 'double-quoted-scalar';
        case '|':
        case '>':
            return 'block-scalar-header';
    }
    return null;
}

exports.createScalarToken = cstScalar.createScalarToken;
exports.resolveAsScalar = cstScalar.resolveAsScalar;
exports.setScalarValue = cstScalar.setScalarValue;
exports.stringify = cstStringify.stringify;
exports.visit = cstVisit.visit;
exports.BOM = BOM;
exports.DOCUMENT = DOCUMENT;
exports.FLOW_END = FLOW_END;
exports.SCALAR = SCALAR;
exports.isCollection = isCollection;
exports.isScalar = isScalar;
exports.prettyToken = prettyToken;
exports.tokenType = tokenType;


/***/ }),

/***/ 361:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var cst = __nccwpck_require__(3461);

/*
START -> stream

stream
  directive -> line-end -> stream
  indent + line-end -> stream
  [else] -> line-start

line-end
  comment -> line-end
  newline -> .
  input-end -> END

line-start
  doc-start -> doc
  doc-end -> stream
  [else] -> indent -> block-start

block-start
  seq-item-start -> block-start
  explicit-key-start -> block-start
  map-value-start -> block-start
  [else] -> doc

doc
  line-end -> line-start
  spaces -> doc
  anchor -> doc
  tag -> doc
  flow-start -> flow -> doc
  flow-end -> error -> doc
  seq-item-start -> error -> doc
  explicit-key-start -> error -> doc
  map-value-start -> doc
  alias -> doc
  quote-start -> quoted-scalar -> doc
  block-scalar-header -> line-end -> block-scalar(min) -> line-start
  [else] -> plain-scalar(false, min) -> doc

flow
  line-end -> flow
  spaces -> flow
  anchor -> flow
  tag -> flow
  flow-start -> flow -> flow
  flow-end -> .
  seq-item-start -> error -> flow
  explicit-key-start -> flow
  map-value-start -> flow
  alias -> flow
  quote-start -> quoted-scalar -> flow
  comma -> flow
  [else] -> plain-scalar(true, 0) -> flow

quoted-scalar
  quote-end -> .
  [else] -> quoted-scalar

block-scalar(min)
  newline + peek(indent < min) -> .
  [else] -> block-scalar(min)

plain-scalar(is-flow, min)
  scalar-end(is-flow) -> .
  peek(newline + (indent < min)) -> .
  [else] -> plain-scalar(min)
*/
function isEmpty(ch) {
    switch (ch) {
        case undefined:
        case ' ':
        case '\n':
        case '\r':
        case '\t':
            return true;
        default:
            return false;
    }
}
const hexDigits = new Set('0123456789ABCDEFabcdef');
const tagChars = new Set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-#;/?:@&=+$_.!~*'()");
const flowIndicatorChars = new Set(',[]{}');
const invalidAnchorChars = new Set(' ,[]{}\n\r\t');
const isNotAnchorChar = (ch) => !ch || invalidAnchorChars.has(ch);
/**
 * Splits an input string into lexical tokens, i.e. smaller strings that are
 * easily identifiable by `tokens.tokenType()`.
 *
 * Lexing starts always in a "stream" context. Incomplete input may be buffered
 * until a complete token can be emitted.
 *
 * In addition to slices of the original input, the following control characters
 * may also be emitted:
 *
 * - `\x02` (Start of Text): A document starts with the next token
 * - `\x18` (Cancel): Unexpected end of flow-mode (indicates an error)
 * - `\x1f` (Unit Separator): Next token is a scalar value
 * - `\u{FEFF}` (Byte order mark): Emitted separately outside documents
 */
class Lexer {
    constructor() {
        /**
         * Flag indicating whether the end of the current buffer marks the end of
         * all input
         */
        this.atEnd = false;
        /**
         * Explicit indent set in block scalar header, as an offset from the current
         * minimum indent, so e.g. set to 1 from a header `|2+`. Set to -1 if not
         * explicitly set.
         */
        this.blockScalarIndent = -1;
        /**
         * Block scalars that include a + (keep) chomping indicator in their header
         * include trailing empty lines, which are otherwise excluded from the
         * scalar's contents.
         */
        this.blockScalarKeep = false;
        /** Current input */
        this.buffer = '';
        /**
         * Flag noting whether the map value indicator : can immediately follow this
         * node within a flow context.
         */
        this.flowKey = false;
        /** Count of surrounding flow collection levels. */
        this.flowLevel = 0;
        /**
         * Minimum level of indentation required for next lines to be parsed as a
         * part of the current scalar value.
         */
        this.indentNext = 0;
        /** Indentation level of the current line. */
        this.indentValue = 0;
        /** Position of the next \n character. */
        this.lineEndPos = null;
        /** Stores the state of the lexer if reaching the end of incpomplete input */
        this.next = null;
        /** A pointer to `buffer`; the current position of the lexer. */
        this.pos = 0;
    }
    /**
     * Generate YAML tokens from the `source` string. If `incomplete`,
     * a part of the last line may be left as a buffer for the next call.
     *
     * @returns A generator of lexical tokens
     */
    *lex(source, incomplete = false) {
        if (source) {
            if (typeof source !== 'string')
                throw TypeError('source is not a string');
            this.buffer = this.buffer ? this.buffer + source : source;
            this.lineEndPos = null;
        }
        this.atEnd = !incomplete;
        let next = this.next ?? 'stream';
        while (next && (incomplete || this.hasChars(1)))
            next = yield* this.parseNext(next);
    }
    atLineEnd() {
        let i = this.pos;
        let ch = this.buffer[i];
        while (ch === ' ' || ch === '\t')
            ch = this.buffer[++i];
        if (!ch || ch === '#' || ch === '\n')
            return true;
        if (ch === '\r')
            return this.buffer[i + 1] === '\n';
        return false;
    }
    charAt(n) {
        return this.buffer[this.pos + n];
    }
    continueScalar(offset) {
        let ch = this.buffer[offset];
        if (this.indentNext > 0) {
            let indent = 0;
            while (ch === ' ')
                ch = this.buffer[++indent + offset];
            if (ch === '\r') {
                const next = this.buffer[indent + offset + 1];
                if (next === '\n' || (!next && !this.atEnd))
                    return offset + indent + 1;
            }
            return ch === '\n' || indent >= this.indentNext || (!ch && !this.atEnd)
                ? offset + indent
                : -1;
        }
        if (ch === '-' || ch === '.') {
            const dt = this.buffer.substr(offset, 3);
            if ((dt === '---' || dt === '...') && isEmpty(this.buffer[offset + 3]))
                return -1;
        }
        return offset;
    }
    getLine() {
        let end = this.lineEndPos;
        if (typeof end !== 'number' || (end !== -1 && end < this.pos)) {
            end = this.buffer.indexOf('\n', this.pos);
            this.lineEndPos = end;
        }
        if (end === -1)
            return this.atEnd ? this.buffer.substring(this.pos) : null;
        if (this.buffer[end - 1] === '\r')
            end -= 1;
        return this.buffer.substring(this.pos, end);
    }
    hasChars(n) {
        return this.pos + n <= this.buffer.length;
    }
    setNext(state) {
        this.buffer = this.buffer.substring(this.pos);
        this.pos = 0;
        this.lineEndPos = null;
        this.next = state;
        return null;
    }
    peek(n) {
        return this.buffer.substr(this.pos, n);
    }
    *parseNext(next) {
        switch (next) {
            case 'stream':
                return yield* this.parseStream();
            case 'line-start':
                return yield* this.parseLineStart();
            case 'block-start':
                return yield* this.parseBlockStart();
            case 'doc':
                return yield* this.parseDocument();
            case 'flow':
                return yield* this.parseFlowCollection();
            case 'quoted-scalar':
                return yield* this.parseQuotedScalar();
            case 'block-scalar':
                return yield* this.parseBlockScalar();
            case 'plain-scalar':
                return yield* this.parsePlainScalar();
        }
    }
    *parseStream() {
        let line = this.getLine();
        if (line === null)
            return this.setNext('stream');
        if (line[0] === cst.BOM) {
            yield* this.pushCount(1);
            line = line.substring(1);
        }
        if (line[0] === '%') {
            let dirEnd = line.length;
            let cs = line.indexOf('#');
            while (cs !== -1) {
                const ch = line[cs - 1];
                if (ch === ' ' || ch === '\t') {
                    dirEnd = cs - 1;
                    break;
                }
                else {
                    cs = line.indexOf('#', cs + 1);
                }
            }
            while (true) {
                const ch = line[dirEnd - 1];
                if (ch === ' ' || ch === '\t')
                    dirEnd -= 1;
                else
                    break;
            }
            const n = (yield* this.pushCount(dirEnd)) + (yield* this.pushSpaces(true));
            yield* this.pushCount(line.length - n); // possible comment
            this.pushNewline();
            return 'stream';
        }
        if (this.atLineEnd()) {
            const sp = yield* this.pushSpaces(true);
            yield* this.pushCount(line.length - sp);
            yield* this.pushNewline();
            return 'stream';
        }
        yield cst.DOCUMENT;
        return yield* this.parseLineStart();
    }
    *parseLineStart() {
        const ch = this.charAt(0);
        if (!ch && !this.atEnd)
            return this.setNext('line-start');
        if (ch === '-' || ch === '.') {
            if (!this.atEnd && !this.hasChars(4))
                return this.setNext('line-start');
            const s = this.peek(3);
            if ((s === '---' || s === '...') && isEmpty(this.charAt(3))) {
                yield* this.pushCount(3);
                this.indentValue = 0;
                this.indentNext = 0;
                return s === '---' ? 'doc' : 'stream';
            }
        }
        this.indentValue = yield* this.pushSpaces(false);
        if (this.indentNext > this.indentValue && !isEmpty(this.charAt(1)))
            this.indentNext = this.indentValue;
        return yield* this.parseBlockStart();
    }
    *parseBlockStart() {
        const [ch0, ch1] = this.peek(2);
        if (!ch1 && !this.atEnd)
            return this.setNext('block-start');
        if ((ch0 === '-' || ch0 === '?' || ch0 === ':') && isEmpty(ch1)) {
            const n = (yield* this.pushCount(1)) + (yield* this.pushSpaces(true));
            this.indentNext = this.indentValue + 1;
            this.indentValue += n;
            return 'block-start';
        }
        return 'doc';
    }
    *parseDocument() {
        yield* this.pushSpaces(true);
        const line = this.getLine();
        if (line === null)
            return this.setNext('doc');
        let n = yield* this.pushIndicators();
        switch (line[n]) {
            case '#':
                yield* this.pushCount(line.length - n);
            // fallthrough
            case undefined:
                yield* this.pushNewline();
                return yield* this.parseLineStart();
            case '{':
            case '[':
                yield* this.pushCount(1);
                this.flowKey = false;
                this.flowLevel = 1;
                return 'flow';
            case '}':
            case ']':
                // this is an error
                yield* this.pushCount(1);
                return 'doc';
            case '*':
                yield* this.pushUntil(isNotAnchorChar);
                return 'doc';
            case '"':
            case "'":
                return yield* this.parseQuotedScalar();
            case '|':
            case '>':
                n += yield* this.parseBlockScalarHeader();
                n += yield* this.pushSpaces(true);
                yield* this.pushCount(line.length - n);
                yield* this.pushNewline();
                return yield* this.parseBlockScalar();
            default:
                return yield* this.parsePlainScalar();
        }
    }
    *parseFlowCollection() {
        let nl, sp;
        let indent = -1;
        do {
            nl = yield* this.pushNewline();
            if (nl > 0) {
                sp = yield* this.pushSpaces(false);
                this.indentValue = indent = sp;
            }
            else {
                sp = 0;
            }
            sp += yield* this.pushSpaces(true);
        } while (nl + sp > 0);
        const line = this.getLine();
        if (line === null)
            return this.setNext('flow');
        if ((indent !== -1 && indent < this.indentNext && line[0] !== '#') ||
            (indent === 0 &&
                (line.startsWith('---') || line.startsWith('...')) &&
                isEmpty(line[3]))) {
            // Allowing for the terminal ] or } at the same (rather than greater)
            // indent level as the initial [ or { is technically invalid, but
            // failing here would be surprising to users.
            const atFlowEndMarker = indent === this.indentNext - 1 &&
                this.flowLevel === 1 &&
                (line[0] === ']' || line[0] === '}');
            if (!atFlowEndMarker) {
                // this is an error
                this.flowLevel = 0;
                yield cst.FLOW_END;
                return yield* this.parseLineStart();
            }
        }
        let n = 0;
        while (line[n] === ',') {
            n += yield* this.pushCount(1);
            n += yield* this.pushSpaces(true);
            this.flowKey = false;
        }
        n += yield* this.pushIndicators();
        switch (line[n]) {
            case undefined:
                return 'flow';
            case '#':
                yield* this.pushCount(line.length - n);
                return 'flow';
            case '{':
            case '[':
                yield* this.pushCount(1);
                this.flowKey = false;
                this.flowLevel += 1;
                return 'flow';
            case '}':
            case ']':
                yield* this.pushCount(1);
                this.flowKey = true;
                this.flowLevel -= 1;
                return this.flowLevel ? 'flow' : 'doc';
            case '*':
                yield* this.pushUntil(isNotAnchorChar);
                return 'flow';
            case '"':
            case "'":
                this.flowKey = true;
                return yield* this.parseQuotedScalar();
            case ':': {
                const next = this.charAt(1);
                if (this.flowKey || isEmpty(next) || next === ',') {
                    this.flowKey = false;
                    yield* this.pushCount(1);
                    yield* this.pushSpaces(true);
                    return 'flow';
                }
            }
            // fallthrough
            default:
                this.flowKey = false;
                return yield* this.parsePlainScalar();
        }
    }
    *parseQuotedScalar() {
        const quote = this.charAt(0);
        let end = this.buffer.indexOf(quote, this.pos + 1);
        if (quote === "'") {
            while (end !== -1 && this.buffer[end + 1] === "'")
                end = this.buffer.indexOf("'", end + 2);
        }
        else {
            // double-quote
            while (end !== -1) {
                let n = 0;
                while (this.buffer[end - 1 - n] === '\\')
                    n += 1;
                if (n % 2 === 0)
                    break;
                end = this.buffer.indexOf('"', end + 1);
            }
        }
        // Only looking for newlines within the quotes
        const qb = this.buffer.substring(0, end);
        let nl = qb.indexOf('\n', this.pos);
        if (nl !== -1) {
            while (nl !== -1) {
                const cs = this.continueScalar(nl + 1);
                if (cs === -1)
                    break;
                nl = qb.indexOf('\n', cs);
            }
            if (nl !== -1) {
                // this is an error caused by an unexpected unindent
                end = nl - (qb[nl - 1] === '\r' ? 2 : 1);
            }
        }
        if (end === -1) {
            if (!this.atEnd)
                return this.setNext('quoted-scalar');
            end = this.buffer.length;
        }
        yield* this.pushToIndex(end + 1, false);
        return this.flowLevel ? 'flow' : 'doc';
    }
    *parseBlockScalarHeader() {
        this.blockScalarIndent = -1;
        this.blockScalarKeep = false;
        let i = this.pos;
        while (true) {
            const ch = this.buffer[++i];
            if (ch === '+')
                this.blockScalarKeep = true;
            else if (ch > '0' && ch <= '9')
                this.blockScalarIndent = Number(ch) - 1;
            else if (ch !== '-')
                break;
        }
        return yield* this.pushUntil(ch => isEmpty(ch) || ch === '#');
    }
    *parseBlockScalar() {
        let nl = this.pos - 1; // may be -1 if this.pos === 0
        let indent = 0;
        let ch;
        loop: for (let i = this.pos; (ch = this.buffer[i]); ++i) {
            switch (ch) {
                case ' ':
                    indent += 1;
                    break;
                case '\n':
                    nl = i;
                    indent = 0;
                    break;
                case '\r': {
                    const next = this.buffer[i + 1];
                    if (!next && !this.atEnd)
                        return this.setNext('block-scalar');
                    if (next === '\n')
                        break;
                } // fallthrough
                default:
                    break loop;
            }
        }
        if (!ch && !this.atEnd)
            return this.setNext('block-scalar');
        if (indent >= this.indentNext) {
            if (this.blockScalarIndent === -1)
                this.indentNext = indent;
            else {
                this.indentNext =
                    this.blockScalarIndent + (this.indentNext === 0 ? 1 : this.indentNext);
            }
            do {
                const cs = this.continueScalar(nl + 1);
                if (cs === -1)
                    break;
                nl = this.buffer.indexOf('\n', cs);
            } while (nl !== -1);
            if (nl === -1) {
                if (!this.atEnd)
                    return this.setNext('block-scalar');
                nl = this.buffer.length;
            }
        }
        // Trailing insufficiently indented tabs are invalid.
        // To catch that during parsing, we include them in the block scalar value.
        let i = nl + 1;
        ch = this.buffer[i];
        while (ch === ' ')
            ch = this.buffer[++i];
        if (ch === '\t') {
            while (ch === '\t' || ch === ' ' || ch === '\r' || ch === '\n')
                ch = this.buffer[++i];
            nl = i - 1;
        }
        else if (!this.blockScalarKeep) {
            do {
                let i = nl - 1;
                let ch = this.buffer[i];
                if (ch === '\r')
                    ch = this.buffer[--i];
                const lastChar = i; // Drop the line if last char not more indented
                while (ch === ' ')
                    ch = this.buffer[--i];
                if (ch === '\n' && i >= this.pos && i + 1 + indent > lastChar)
                    nl = i;
                else
                    break;
            } while (true);
        }
        yield cst.SCALAR;
        yield* this.pushToIndex(nl + 1, true);
        return yield* this.parseLineStart();
    }
    *parsePlainScalar() {
        const inFlow = this.flowLevel > 0;
        let end = this.pos - 1;
        let i = this.pos - 1;
        let ch;
        while ((ch = this.buffer[++i])) {
            if (ch === ':') {
                const next = this.buffer[i + 1];
                if (isEmpty(next) || (inFlow && flowIndicatorChars.has(next)))
                    break;
                end = i;
            }
            else if (isEmpty(ch)) {
                let next = this.buffer[i + 1];
                if (ch === '\r') {
                    if (next === '\n') {
                        i += 1;
                        ch = '\n';
                        next = this.buffer[i + 1];
                    }
                    else
                        end = i;
                }
                if (next === '#' || (inFlow && flowIndicatorChars.has(next)))
                    break;
                if (ch === '\n') {
                    const cs = this.continueScalar(i + 1);
                    if (cs === -1)
                        break;
                    i = Math.max(i, cs - 2); // to advance, but still account for ' #'
                }
            }
            else {
                if (inFlow && flowIndicatorChars.has(ch))
                    break;
                end = i;
            }
        }
        if (!ch && !this.atEnd)
            return this.setNext('plain-scalar');
        yield cst.SCALAR;
        yield* this.pushToIndex(end + 1, true);
        return inFlow ? 'flow' : 'doc';
    }
    *pushCount(n) {
        if (n > 0) {
            yield this.buffer.substr(this.pos, n);
            this.pos += n;
            return n;
        }
        return 0;
    }
    *pushToIndex(i, allowEmpty) {
        const s = this.buffer.slice(this.pos, i);
        if (s) {
            yield s;
            this.pos += s.length;
            return s.length;
        }
        else if (allowEmpty)
            yield '';
        return 0;
    }
    *pushIndicators() {
        let n = 0;
        loop: while (true) {
            switch (this.charAt(0)) {
                case '!':
                    n += yield* this.pushTag();
                    n += yield* this.pushSpaces(true);
                    continue loop;
                case '&':
                    n += yield* this.pushUntil(isNotAnchorChar);
                    n += yield* this.pushSpaces(true);
                    continue loop;
                case '-': // this is an error
                case '?': // this is an error outside flow collections
                case ':': {
                    const inFlow = this.flowLevel > 0;
                    const ch1 = this.charAt(1);
                    if (isEmpty(ch1) || (inFlow && flowIndicatorChars.has(ch1))) {
                        if (!inFlow)
                            this.indentNext = this.indentValue + 1;
                        else if (this.flowKey)
                            this.flowKey = false;
                        n += yield* this.pushCount(1);
                        n += yield* this.pushSpaces(true);
                        continue loop;
                    }
                }
            }
            break loop;
        }
        return n;
    }
    *pushTag() {
        if (this.charAt(1) === '<') {
            let i = this.pos + 2;
            let ch = this.buffer[i];
            while (!isEmpty(ch) && ch !== '>')
                ch = this.buffer[++i];
            return yield* this.pushToIndex(ch === '>' ? i + 1 : i, false);
        }
        else {
            let i = this.pos + 1;
            let ch = this.buffer[i];
            while (ch) {
                if (tagChars.has(ch))
                    ch = this.buffer[++i];
                else if (ch === '%' &&
                    hexDigits.has(this.buffer[i + 1]) &&
                    hexDigits.has(this.buffer[i + 2])) {
                    ch = this.buffer[(i += 3)];
                }
                else
                    break;
            }
            return yield* this.pushToIndex(i, false);
        }
    }
    *pushNewline() {
        const ch = this.buffer[this.pos];
        if (ch === '\n')
            return yield* this.pushCount(1);
        else if (ch === '\r' && this.charAt(1) === '\n')
            return yield* this.pushCount(2);
        else
            return 0;
    }
    *pushSpaces(allowTabs) {
        let i = this.pos - 1;
        let ch;
        do {
            ch = this.buffer[++i];
        } while (ch === ' ' || (allowTabs && ch === '\t'));
        const n = i - this.pos;
        if (n > 0) {
            yield this.buffer.substr(this.pos, n);
            this.pos = i;
        }
        return n;
    }
    *pushUntil(test) {
        let i = this.pos;
        let ch = this.buffer[i];
        while (!test(ch))
            ch = this.buffer[++i];
        return yield* this.pushToIndex(i, false);
    }
}

exports.Lexer = Lexer;


/***/ }),

/***/ 6628:
/***/ ((__unused_webpack_module, exports) => {



/**
 * Tracks newlines during parsing in order to provide an efficient API for
 * determining the one-indexed `{ line, col }` position for any offset
 * within the input.
 */
class LineCounter {
    constructor() {
        this.lineStarts = [];
        /**
         * Should be called in ascending order. Otherwise, call
         * `lineCounter.lineStarts.sort()` before calling `linePos()`.
         */
        this.addNewLine = (offset) => this.lineStarts.push(offset);
        /**
         * Performs a binary search and returns the 1-indexed { line, col }
         * position of `offset`. If `line === 0`, `addNewLine` has never been
         * called or `offset` is before the first known newline.
         */
        this.linePos = (offset) => {
            let low = 0;
            let high = this.lineStarts.length;
            while (low < high) {
                const mid = (low + high) >> 1; // Math.floor((low + high) / 2)
                if (this.lineStarts[mid] < offset)
                    low = mid + 1;
                else
                    high = mid;
            }
            if (this.lineStarts[low] === offset)
                return { line: low + 1, col: 1 };
            if (low === 0)
                return { line: 0, col: offset };
            const start = this.lineStarts[low - 1];
            return { line: low, col: offset - start + 1 };
        };
    }
}

exports.LineCounter = LineCounter;


/***/ }),

/***/ 3456:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var node_process = __nccwpck_require__(932);
var cst = __nccwpck_require__(3461);
var lexer = __nccwpck_require__(361);

function includesToken(list, type) {
    for (let i = 0; i < list.length; ++i)
        if (list[i].type === type)
            return true;
    return false;
}
function findNonEmptyIndex(list) {
    for (let i = 0; i < list.length; ++i) {
        switch (list[i].type) {
            case 'space':
            case 'comment':
            case 'newline':
                break;
            default:
                return i;
        }
    }
    return -1;
}
function isFlowToken(token) {
    switch (token?.type) {
        case 'alias':
        case 'scalar':
        case 'single-quoted-scalar':
        case 'double-quoted-scalar':
        case 'flow-collection':
            return true;
        default:
            return false;
    }
}
function getPrevProps(parent) {
    switch (parent.type) {
        case 'document':
            return parent.start;
        case 'block-map': {
            const it = parent.items[parent.items.length - 1];
            return it.sep ?? it.start;
        }
        case 'block-seq':
            return parent.items[parent.items.length - 1].start;
        /* istanbul ignore next should not happen */
        default:
            return [];
    }
}
/** Note: May modify input array */
function getFirstKeyStartProps(prev) {
    if (prev.length === 0)
        return [];
    let i = prev.length;
    loop: while (--i >= 0) {
        switch (prev[i].type) {
            case 'doc-start':
            case 'explicit-key-ind':
            case 'map-value-ind':
            case 'seq-item-ind':
            case 'newline':
                break loop;
        }
    }
    while (prev[++i]?.type === 'space') {
        /* loop */
    }
    return prev.splice(i, prev.length);
}
function arrayPushArray(target, source) {
    // May exhaust call stack with large `source` array
    if (source.length < 1e5)
        Array.prototype.push.apply(target, source);
    else
        for (let i = 0; i < source.length; ++i)
            target.push(source[i]);
}
function fixFlowSeqItems(fc) {
    if (fc.start.type === 'flow-seq-start') {
        for (const it of fc.items) {
            if (it.sep &&
                !it.value &&
                !includesToken(it.start, 'explicit-key-ind') &&
                !includesToken(it.sep, 'map-value-ind')) {
                if (it.key)
                    it.value = it.key;
                delete it.key;
                if (isFlowToken(it.value)) {
                    if (it.value.end)
                        arrayPushArray(it.value.end, it.sep);
                    else
                        it.value.end = it.sep;
                }
                else
                    arrayPushArray(it.start, it.sep);
                delete it.sep;
            }
        }
    }
}
/**
 * A YAML concrete syntax tree (CST) parser
 *
 * ```ts
 * const src: string = ...
 * for (const token of new Parser().parse(src)) {
 *   // token: Token
 * }
 * ```
 *
 * To use the parser with a user-provided lexer:
 *
 * ```ts
 * function* parse(source: string, lexer: Lexer) {
 *   const parser = new Parser()
 *   for (const lexeme of lexer.lex(source))
 *     yield* parser.next(lexeme)
 *   yield* parser.end()
 * }
 *
 * const src: string = ...
 * const lexer = new Lexer()
 * for (const token of parse(src, lexer)) {
 *   // token: Token
 * }
 * ```
 */
class Parser {
    /**
     * @param onNewLine - If defined, called separately with the start position of
     *   each new line (in `parse()`, including the start of input).
     */
    constructor(onNewLine) {
        /** If true, space and sequence indicators count as indentation */
        this.atNewLine = true;
        /** If true, next token is a scalar value */
        this.atScalar = false;
        /** Current indentation level */
        this.indent = 0;
        /** Current offset since the start of parsing */
        this.offset = 0;
        /** On the same line with a block map key */
        this.onKeyLine = false;
        /** Top indicates the node that's currently being built */
        this.stack = [];
        /** The source of the current token, set in parse() */
        this.source = '';
        /** The type of the current token, set in parse() */
        this.type = '';
        // Must be defined after `next()`
        this.lexer = new lexer.Lexer();
        this.onNewLine = onNewLine;
    }
    /**
     * Parse `source` as a YAML stream.
     * If `incomplete`, a part of the last line may be left as a buffer for the next call.
     *
     * Errors are not thrown, but yielded as `{ type: 'error', message }` tokens.
     *
     * @returns A generator of tokens representing each directive, document, and other structure.
     */
    *parse(source, incomplete = false) {
        if (this.onNewLine && this.offset === 0)
            this.onNewLine(0);
        for (const lexeme of this.lexer.lex(source, incomplete))
            yield* this.next(lexeme);
        if (!incomplete)
            yield* this.end();
    }
    /**
     * Advance the parser by the `source` of one lexical token.
     */
    *next(source) {
        this.source = source;
        if (node_process.env.LOG_TOKENS)
            console.log('|', cst.prettyToken(source));
        if (this.atScalar) {
            this.atScalar = false;
            yield* this.step();
            this.offset += source.length;
            return;
        }
        const type = cst.tokenType(source);
        if (!type) {
            const message = `Not a YAML token: ${source}`;
            yield* this.pop({ type: 'error', offset: this.offset, message, source });
            this.offset += source.length;
        }
        else if (type === 'scalar') {
            this.atNewLine = false;
            this.atScalar = true;
            this.type = 'scalar';
        }
        else {
            this.type = type;
            yield* this.step();
            switch (type) {
                case 'newline':
                    this.atNewLine = true;
                    this.indent = 0;
                    if (this.onNewLine)
                        this.onNewLine(this.offset + source.length);
                    break;
                case 'space':
                    if (this.atNewLine && source[0] === ' ')
                        this.indent += source.length;
                    break;
                case 'explicit-key-ind':
                case 'map-value-ind':
                case 'seq-item-ind':
                    if (this.atNewLine)
                        this.indent += source.length;
                    break;
                case 'doc-mode':
                case 'flow-error-end':
                    return;
                default:
                    this.atNewLine = false;
            }
            this.offset += source.length;
        }
    }
    /** Call at end of input to push out any remaining constructions */
    *end() {
        while (this.stack.length > 0)
            yield* this.pop();
    }
    get sourceToken() {
        const st = {
            type: this.type,
            offset: this.offset,
            indent: this.indent,
            source: this.source
        };
        return st;
    }
    *step() {
        const top = this.peek(1);
        if (this.type === 'doc-end' && top?.type !== 'doc-end') {
            while (this.stack.length > 0)
                yield* this.pop();
            this.stack.push({
                type: 'doc-end',
                offset: this.offset,
                source: this.source
            });
            return;
        }
        if (!top)
            return yield* this.stream();
        switch (top.type) {
            case 'document':
                return yield* this.document(top);
            case 'alias':
            case 'scalar':
            case 'single-quoted-scalar':
            case 'double-quoted-scalar':
                return yield* this.scalar(top);
            case 'block-scalar':
                return yield* this.blockScalar(top);
            case 'block-map':
                return yield* this.blockMap(top);
            case 'block-seq':
                return yield* this.blockSequence(top);
            case 'flow-collection':
                return yield* this.flowCollection(top);
            case 'doc-end':
                return yield* this.documentEnd(top);
        }
        /* istanbul ignore next should not happen */
        yield* this.pop();
    }
    peek(n) {
        return this.stack[this.stack.length - n];
    }
    *pop(error) {
        const token = error ?? this.stack.pop();
        /* istanbul ignore if should not happen */
        if (!token) {
            const message = 'Tried to pop an empty stack';
            yield { type: 'error', offset: this.offset, source: '', message };
        }
        else if (this.stack.length === 0) {
            yield token;
        }
        else {
            const top = this.peek(1);
            if (token.type === 'block-scalar') {
                // Block scalars use their parent rather than header indent
                token.indent = 'indent' in top ? top.indent : 0;
            }
            else if (token.type === 'flow-collection' && top.type === 'document') {
                // Ignore all indent for top-level flow collections
                token.indent = 0;
            }
            if (token.type === 'flow-collection')
                fixFlowSeqItems(token);
            switch (top.type) {
                case 'document':
                    top.value = token;
                    break;
                case 'block-scalar':
                    top.props.push(token); // error
                    break;
                case 'block-map': {
                    const it = top.items[top.items.length - 1];
                    if (it.value) {
                        top.items.push({ start: [], key: token, sep: [] });
                        this.onKeyLine = true;
                        return;
                    }
                    else if (it.sep) {
                        it.value = token;
                    }
                    else {
                        Object.assign(it, { key: token, sep: [] });
                        this.onKeyLine = !it.explicitKey;
                        return;
                    }
                    break;
                }
                case 'block-seq': {
                    const it = top.items[top.items.length - 1];
                    if (it.value)
                        top.items.push({ start: [], value: token });
                    else
                        it.value = token;
                    break;
                }
                case 'flow-collection': {
                    const it = top.items[top.items.length - 1];
                    if (!it || it.value)
                        top.items.push({ start: [], key: token, sep: [] });
                    else if (it.sep)
                        it.value = token;
                    else
                        Object.assign(it, { key: token, sep: [] });
                    return;
                }
                /* istanbul ignore next should not happen */
                default:
                    yield* this.pop();
                    yield* this.pop(token);
            }
            if ((top.type === 'document' ||
                top.type === 'block-map' ||
                top.type === 'block-seq') &&
                (token.type === 'block-map' || token.type === 'block-seq')) {
                const last = token.items[token.items.length - 1];
                if (last &&
                    !last.sep &&
                    !last.value &&
                    last.start.length > 0 &&
                    findNonEmptyIndex(last.start) === -1 &&
                    (token.indent === 0 ||
                        last.start.every(st => st.type !== 'comment' || st.indent < token.indent))) {
                    if (top.type === 'document')
                        top.end = last.start;
                    else
                        top.items.push({ start: last.start });
                    token.items.splice(-1, 1);
                }
            }
        }
    }
    *stream() {
        switch (this.type) {
            case 'directive-line':
                yield { type: 'directive', offset: this.offset, source: this.source };
                return;
            case 'byte-order-mark':
            case 'space':
            case 'comment':
            case 'newline':
                yield this.sourceToken;
                return;
            case 'doc-mode':
            case 'doc-start': {
                const doc = {
                    type: 'document',
                    offset: this.offset,
                    start: []
                };
                if (this.type === 'doc-start')
                    doc.start.push(this.sourceToken);
                this.stack.push(doc);
                return;
            }
        }
        yield {
            type: 'error',
            offset: this.offset,
            message: `Unexpected ${this.type} token in YAML stream`,
            source: this.source
        };
    }
    *document(doc) {
        if (doc.value)
            return yield* this.lineEnd(doc);
        switch (this.type) {
            case 'doc-start': {
                if (findNonEmptyIndex(doc.start) !== -1) {
                    yield* this.pop();
                    yield* this.step();
                }
                else
                    doc.start.push(this.sourceToken);
                return;
            }
            case 'anchor':
            case 'tag':
            case 'space':
            case 'comment':
            case 'newline':
                doc.start.push(this.sourceToken);
                return;
        }
        const bv = this.startBlockValue(doc);
        if (bv)
            this.stack.push(bv);
        else {
            yield {
                type: 'error',
                offset: this.offset,
                message: `Unexpected ${this.type} token in YAML document`,
                source: this.source
            };
        }
    }
    *scalar(scalar) {
        if (this.type === 'map-value-ind') {
            const prev = getPrevProps(this.peek(2));
            const start = getFirstKeyStartProps(prev);
            let sep;
            if (scalar.end) {
                sep = scalar.end;
                sep.push(this.sourceToken);
                delete scalar.end;
            }
            else
                sep = [this.sourceToken];
            const map = {
                type: 'block-map',
                offset: scalar.offset,
                indent: scalar.indent,
                items: [{ start, key: scalar, sep }]
            };
            this.onKeyLine = true;
            this.stack[this.stack.length - 1] = map;
        }
        else
            yield* this.lineEnd(scalar);
    }
    *blockScalar(scalar) {
        switch (this.type) {
            case 'space':
            case 'comment':
            case 'newline':
                scalar.props.push(this.sourceToken);
                return;
            case 'scalar':
                scalar.source = this.source;
                // block-scalar source includes trailing newline
                this.atNewLine = true;
                this.indent = 0;
                if (this.onNewLine) {
                    let nl = this.source.indexOf('\n') + 1;
                    while (nl !== 0) {
                        this.onNewLine(this.offset + nl);
                        nl = this.source.indexOf('\n', nl) + 1;
                    }
                }
                yield* this.pop();
                break;
            /* istanbul ignore next should not happen */
            default:
                yield* this.pop();
                yield* this.step();
        }
    }
    *blockMap(map) {
        const it = map.items[map.items.length - 1];
        // it.sep is true-ish if pair already has key or : separator
        switch (this.type) {
            case 'newline':
                this.onKeyLine = false;
                if (it.value) {
                    const end = 'end' in it.value ? it.value.end : undefined;
                    const last = Array.isArray(end) ? end[end.length - 1] : undefined;
                    if (last?.type === 'comment')
                        end?.push(this.sourceToken);
                    else
                        map.items.push({ start: [this.sourceToken] });
                }
                else if (it.sep) {
                    it.sep.push(this.sourceToken);
                }
                else {
                    it.start.push(this.sourceToken);
                }
                return;
            case 'space':
            case 'comment':
                if (it.value) {
                    map.items.push({ start: [this.sourceToken] });
                }
                else if (it.sep) {
                    it.sep.push(this.sourceToken);
                }
                else {
                    if (this.atIndentedComment(it.start, map.indent)) {
                        const prev = map.items[map.items.length - 2];
                        const end = prev?.value?.end;
                        if (Array.isArray(end)) {
                            arrayPushArray(end, it.start);
                            end.push(this.sourceToken);
                            map.items.pop();
                            return;
                        }
                    }
                    it.start.push(this.sourceToken);
                }
                return;
        }
        if (this.indent >= map.indent) {
            const atMapIndent = !this.onKeyLine && this.indent === map.indent;
            const atNextItem = atMapIndent &&
                (it.sep || it.explicitKey) &&
                this.type !== 'seq-item-ind';
            // For empty nodes, assign newline-separated not indented empty tokens to following node
            let start = [];
            if (atNextItem && it.sep && !it.value) {
                const nl = [];
                for (let i = 0; i < it.sep.length; ++i) {
                    const st = it.sep[i];
                    switch (st.type) {
                        case 'newline':
                            nl.push(i);
                            break;
                        case 'space':
                            break;
                        case 'comment':
                            if (st.indent > map.indent)
                                nl.length = 0;
                            break;
                        default:
                            nl.length = 0;
                    }
                }
                if (nl.length >= 2)
                    start = it.sep.splice(nl[1]);
            }
            switch (this.type) {
                case 'anchor':
                case 'tag':
                    if (atNextItem || it.value) {
                        start.push(this.sourceToken);
                        map.items.push({ start });
                        this.onKeyLine = true;
                    }
                    else if (it.sep) {
                        it.sep.push(this.sourceToken);
                    }
                    else {
                        it.start.push(this.sourceToken);
                    }
                    return;
                case 'explicit-key-ind':
                    if (!it.sep && !it.explicitKey) {
                        it.start.push(this.sourceToken);
                        it.explicitKey = true;
                    }
                    else if (atNextItem || it.value) {
                        start.push(this.sourceToken);
                        map.items.push({ start, explicitKey: true });
                    }
                    else {
                        this.stack.push({
                            type: 'block-map',
                            offset: this.offset,
                            indent: this.indent,
                            items: [{ start: [this.sourceToken], explicitKey: true }]
                        });
                    }
                    this.onKeyLine = true;
                    return;
                case 'map-value-ind':
                    if (it.explicitKey) {
                        if (!it.sep) {
                            if (includesToken(it.start, 'newline')) {
                                Object.assign(it, { key: null, sep: [this.sourceToken] });
                            }
                            else {
                                const start = getFirstKeyStartProps(it.start);
                                this.stack.push({
                                    type: 'block-map',
                                    offset: this.offset,
                                    indent: this.indent,
                                    items: [{ start, key: null, sep: [this.sourceToken] }]
                                });
                            }
                        }
                        else if (it.value) {
                            map.items.push({ start: [], key: null, sep: [this.sourceToken] });
                        }
                        else if (includesToken(it.sep, 'map-value-ind')) {
                            this.stack.push({
                                type: 'block-map',
                                offset: this.offset,
                                indent: this.indent,
                                items: [{ start, key: null, sep: [this.sourceToken] }]
                            });
                        }
                        else if (isFlowToken(it.key) &&
                            !includesToken(it.sep, 'newline')) {
                            const start = getFirstKeyStartProps(it.start);
                            const key = it.key;
                            const sep = it.sep;
                            sep.push(this.sourceToken);
                            // @ts-expect-error type guard is wrong here
                            delete it.key;
                            // @ts-expect-error type guard is wrong here
                            delete it.sep;
                            this.stack.push({
                                type: 'block-map',
                                offset: this.offset,
                                indent: this.indent,
                                items: [{ start, key, sep }]
                            });
                        }
                        else if (start.length > 0) {
                            // Not actually at next item
                            it.sep = it.sep.concat(start, this.sourceToken);
                        }
                        else {
                            it.sep.push(this.sourceToken);
                        }
                    }
                    else {
                        if (!it.sep) {
                            Object.assign(it, { key: null, sep: [this.sourceToken] });
                        }
                        else if (it.value || atNextItem) {
                            map.items.push({ start, key: null, sep: [this.sourceToken] });
                        }
                        else if (includesToken(it.sep, 'map-value-ind')) {
                            this.stack.push({
                                type: 'block-map',
                                offset: this.offset,
                                indent: this.indent,
                                items: [{ start: [], key: null, sep: [this.sourceToken] }]
                            });
                        }
                        else {
                            it.sep.push(this.sourceToken);
                        }
                    }
                    this.onKeyLine = true;
                    return;
                case 'alias':
                case 'scalar':
                case 'single-quoted-scalar':
                case 'double-quoted-scalar': {
                    const fs = this.flowScalar(this.type);
                    if (atNextItem || it.value) {
                        map.items.push({ start, key: fs, sep: [] });
                        this.onKeyLine = true;
                    }
                    else if (it.sep) {
                        this.stack.push(fs);
                    }
                    else {
                        Object.assign(it, { key: fs, sep: [] });
                        this.onKeyLine = true;
                    }
                    return;
                }
                default: {
                    const bv = this.startBlockValue(map);
                    if (bv) {
                        if (bv.type === 'block-seq') {
                            if (!it.explicitKey &&
                                it.sep &&
                                !includesToken(it.sep, 'newline')) {
                                yield* this.pop({
                                    type: 'error',
                                    offset: this.offset,
                                    message: 'Unexpected block-seq-ind on same line with key',
                                    source: this.source
                                });
                                return;
                            }
                        }
                        else if (atMapIndent) {
                            map.items.push({ start });
                        }
                        this.stack.push(bv);
                        return;
                    }
                }
            }
        }
        yield* this.pop();
        yield* this.step();
    }
    *blockSequence(seq) {
        const it = seq.items[seq.items.length - 1];
        switch (this.type) {
            case 'newline':
                if (it.value) {
                    const end = 'end' in it.value ? it.value.end : undefined;
                    const last = Array.isArray(end) ? end[end.length - 1] : undefined;
                    if (last?.type === 'comment')
                        end?.push(this.sourceToken);
                    else
                        seq.items.push({ start: [this.sourceToken] });
                }
                else
                    it.start.push(this.sourceToken);
                return;
            case 'space':
            case 'comment':
                if (it.value)
                    seq.items.push({ start: [this.sourceToken] });
                else {
                    if (this.atIndentedComment(it.start, seq.indent)) {
                        const prev = seq.items[seq.items.length - 2];
                        const end = prev?.value?.end;
                        if (Array.isArray(end)) {
                            arrayPushArray(end, it.start);
                            end.push(this.sourceToken);
                            seq.items.pop();
                            return;
                        }
                    }
                    it.start.push(this.sourceToken);
                }
                return;
            case 'anchor':
            case 'tag':
                if (it.value || this.indent <= seq.indent)
                    break;
                it.start.push(this.sourceToken);
                return;
            case 'seq-item-ind':
                if (this.indent !== seq.indent)
                    break;
                if (it.value || includesToken(it.start, 'seq-item-ind'))
                    seq.items.push({ start: [this.sourceToken] });
                else
                    it.start.push(this.sourceToken);
                return;
        }
        if (this.indent > seq.indent) {
            const bv = this.startBlockValue(seq);
            if (bv) {
                this.stack.push(bv);
                return;
            }
        }
        yield* this.pop();
        yield* this.step();
    }
    *flowCollection(fc) {
        const it = fc.items[fc.items.length - 1];
        if (this.type === 'flow-error-end') {
            let top;
            do {
                yield* this.pop();
                top = this.peek(1);
            } while (top?.type === 'flow-collection');
        }
        else if (fc.end.length === 0) {
            switch (this.type) {
                case 'comma':
                case 'explicit-key-ind':
                    if (!it || it.sep)
                        fc.items.push({ start: [this.sourceToken] });
                    else
                        it.start.push(this.sourceToken);
                    return;
                case 'map-value-ind':
                    if (!it || it.value)
                        fc.items.push({ start: [], key: null, sep: [this.sourceToken] });
                    else if (it.sep)
                        it.sep.push(this.sourceToken);
                    else
                        Object.assign(it, { key: null, sep: [this.sourceToken] });
                    return;
                case 'space':
                case 'comment':
                case 'newline':
                case 'anchor':
                case 'tag':
                    if (!it || it.value)
                        fc.items.push({ start: [this.sourceToken] });
                    else if (it.sep)
                        it.sep.push(this.sourceToken);
                    else
                        it.start.push(this.sourceToken);
                    return;
                case 'alias':
                case 'scalar':
                case 'single-quoted-scalar':
                case 'double-quoted-scalar': {
                    const fs = this.flowScalar(this.type);
                    if (!it || it.value)
                        fc.items.push({ start: [], key: fs, sep: [] });
                    else if (it.sep)
                        this.stack.push(fs);
                    else
                        Object.assign(it, { key: fs, sep: [] });
                    return;
                }
                case 'flow-map-end':
                case 'flow-seq-end':
                    fc.end.push(this.sourceToken);
                    return;
            }
            const bv = this.startBlockValue(fc);
            /* istanbul ignore else should not happen */
            if (bv)
                this.stack.push(bv);
            else {
                yield* this.pop();
                yield* this.step();
            }
        }
        else {
            const parent = this.peek(2);
            if (parent.type === 'block-map' &&
                ((this.type === 'map-value-ind' && parent.indent === fc.indent) ||
                    (this.type === 'newline' &&
                        !parent.items[parent.items.length - 1].sep))) {
                yield* this.pop();
                yield* this.step();
            }
            else if (this.type === 'map-value-ind' &&
                parent.type !== 'flow-collection') {
                const prev = getPrevProps(parent);
                const start = getFirstKeyStartProps(prev);
                fixFlowSeqItems(fc);
                const sep = fc.end.splice(1, fc.end.length);
                sep.push(this.sourceToken);
                const map = {
                    type: 'block-map',
                    offset: fc.offset,
                    indent: fc.indent,
                    items: [{ start, key: fc, sep }]
                };
                this.onKeyLine = true;
                this.stack[this.stack.length - 1] = map;
            }
            else {
                yield* this.lineEnd(fc);
            }
        }
    }
    flowScalar(type) {
        if (this.onNewLine) {
            let nl = this.source.indexOf('\n') + 1;
            while (nl !== 0) {
                this.onNewLine(this.offset + nl);
                nl = this.source.indexOf('\n', nl) + 1;
            }
        }
        return {
            type,
            offset: this.offset,
            indent: this.indent,
            source: this.source
        };
    }
    startBlockValue(parent) {
        switch (this.type) {
            case 'alias':
            case 'scalar':
            case 'single-quoted-scalar':
            case 'double-quoted-scalar':
                return this.flowScalar(this.type);
            case 'block-scalar-header':
                return {
                    type: 'block-scalar',
                    offset: this.offset,
                    indent: this.indent,
                    props: [this.sourceToken],
                    source: ''
                };
            case 'flow-map-start':
            case 'flow-seq-start':
                return {
                    type: 'flow-collection',
                    offset: this.offset,
                    indent: this.indent,
                    start: this.sourceToken,
                    items: [],
                    end: []
                };
            case 'seq-item-ind':
                return {
                    type: 'block-seq',
                    offset: this.offset,
                    indent: this.indent,
                    items: [{ start: [this.sourceToken] }]
                };
            case 'explicit-key-ind': {
                this.onKeyLine = true;
                const prev = getPrevProps(parent);
                const start = getFirstKeyStartProps(prev);
                start.push(this.sourceToken);
                return {
                    type: 'block-map',
                    offset: this.offset,
                    indent: this.indent,
                    items: [{ start, explicitKey: true }]
                };
            }
            case 'map-value-ind': {
                this.onKeyLine = true;
                const prev = getPrevProps(parent);
                const start = getFirstKeyStartProps(prev);
                return {
                    type: 'block-map',
                    offset: this.offset,
                    indent: this.indent,
                    items: [{ start, key: null, sep: [this.sourceToken] }]
                };
            }
        }
        return null;
    }
    atIndentedComment(start, indent) {
        if (this.type !== 'comment')
            return false;
        if (this.indent <= indent)
            return false;
        return start.every(st => st.type === 'newline' || st.type === 'space');
    }
    *documentEnd(docEnd) {
        if (this.type !== 'doc-mode') {
            if (docEnd.end)
                docEnd.end.push(this.sourceToken);
            else
                docEnd.end = [this.sourceToken];
            if (this.type === 'newline')
                yield* this.pop();
        }
    }
    *lineEnd(token) {
        switch (this.type) {
            case 'comma':
            case 'doc-start':
            case 'doc-end':
            case 'flow-seq-end':
            case 'flow-map-end':
            case 'map-value-ind':
                yield* this.pop();
                yield* this.step();
                break;
            case 'newline':
                this.onKeyLine = false;
            // fallthrough
            case 'space':
            case 'comment':
            default:
                // all other values are errors
                if (token.end)
                    token.end.push(this.sourceToken);
                else
                    token.end = [this.sourceToken];
                if (this.type === 'newline')
                    yield* this.pop();
        }
    }
}

exports.Parser = Parser;


/***/ }),

/***/ 4047:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var composer = __nccwpck_require__(9984);
var Document = __nccwpck_require__(3021);
var errors = __nccwpck_require__(1464);
var log = __nccwpck_require__(7249);
var identity = __nccwpck_require__(1127);
var lineCounter = __nccwpck_require__(6628);
var parser = __nccwpck_require__(3456);

function parseOptions(options) {
    const prettyErrors = options.prettyErrors !== false;
    const lineCounter$1 = options.lineCounter || (prettyErrors && new lineCounter.LineCounter()) || null;
    return { lineCounter: lineCounter$1, prettyErrors };
}
/**
 * Parse the input as a stream of YAML documents.
 *
 * Documents should be separated from each other by `...` or `---` marker lines.
 *
 * @returns If an empty `docs` array is returned, it will be of type
 *   EmptyStream and contain additional stream information. In
 *   TypeScript, you should use `'empty' in docs` as a type guard for it.
 */
function parseAllDocuments(source, options = {}) {
    const { lineCounter, prettyErrors } = parseOptions(options);
    const parser$1 = new parser.Parser(lineCounter?.addNewLine);
    const composer$1 = new composer.Composer(options);
    const docs = Array.from(composer$1.compose(parser$1.parse(source)));
    if (prettyErrors && lineCounter)
        for (const doc of docs) {
            doc.errors.forEach(errors.prettifyError(source, lineCounter));
            doc.warnings.forEach(errors.prettifyError(source, lineCounter));
        }
    if (docs.length > 0)
        return docs;
    return Object.assign([], { empty: true }, composer$1.streamInfo());
}
/** Parse an input string into a single YAML.Document */
function parseDocument(source, options = {}) {
    const { lineCounter, prettyErrors } = parseOptions(options);
    const parser$1 = new parser.Parser(lineCounter?.addNewLine);
    const composer$1 = new composer.Composer(options);
    // `doc` is always set by compose.end(true) at the very latest
    let doc = null;
    for (const _doc of composer$1.compose(parser$1.parse(source), true, source.length)) {
        if (!doc)
            doc = _doc;
        else if (doc.options.logLevel !== 'silent') {
            doc.errors.push(new errors.YAMLParseError(_doc.range.slice(0, 2), 'MULTIPLE_DOCS', 'Source contains multiple documents; please use YAML.parseAllDocuments()'));
            break;
        }
    }
    if (prettyErrors && lineCounter) {
        doc.errors.forEach(errors.prettifyError(source, lineCounter));
        doc.warnings.forEach(errors.prettifyError(source, lineCounter));
    }
    return doc;
}
function parse(src, reviver, options) {
    let _reviver = undefined;
    if (typeof reviver === 'function') {
        _reviver = reviver;
    }
    else if (options === undefined && reviver && typeof reviver === 'object') {
        options = reviver;
    }
    const doc = parseDocument(src, options);
    if (!doc)
        return null;
    doc.warnings.forEach(warning => log.warn(doc.options.logLevel, warning));
    if (doc.errors.length > 0) {
        if (doc.options.logLevel !== 'silent')
            throw doc.errors[0];
        else
            doc.errors = [];
    }
    return doc.toJS(Object.assign({ reviver: _reviver }, options));
}
function stringify(value, replacer, options) {
    let _replacer = null;
    if (typeof replacer === 'function' || Array.isArray(replacer)) {
        _replacer = replacer;
    }
    else if (options === undefined && replacer) {
        options = replacer;
    }
    if (typeof options === 'string')
        options = options.length;
    if (typeof options === 'number') {
        const indent = Math.round(options);
        options = indent < 1 ? undefined : indent > 8 ? { indent: 8 } : { indent };
    }
    if (value === undefined) {
        const { keepUndefined } = options ?? replacer ?? {};
        if (!keepUndefined)
            return undefined;
    }
    if (identity.isDocument(value) && !_replacer)
        return value.toString(options);
    return new Document.Document(value, _replacer, options).toString(options);
}

exports.parse = parse;
exports.parseAllDocuments = parseAllDocuments;
exports.parseDocument = parseDocument;
exports.stringify = stringify;


/***/ }),

/***/ 5840:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var map = __nccwpck_require__(7451);
var seq = __nccwpck_require__(1706);
var string = __nccwpck_require__(6464);
var tags = __nccwpck_require__(18);

const sortMapEntriesByKey = (a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
class Schema {
    constructor({ compat, customTags, merge, resolveKnownTags, schema, sortMapEntries, toStringDefaults }) {
        this.compat = Array.isArray(compat)
            ? tags.getTags(compat, 'compat')
            : compat
                ? tags.getTags(null, compat)
                : null;
        this.name = (typeof schema === 'string' && schema) || 'core';
        this.knownTags = resolveKnownTags ? tags.coreKnownTags : {};
        this.tags = tags.getTags(customTags, this.name, merge);
        this.toStringOptions = toStringDefaults ?? null;
        Object.defineProperty(this, identity.MAP, { value: map.map });
        Object.defineProperty(this, identity.SCALAR, { value: string.string });
        Object.defineProperty(this, identity.SEQ, { value: seq.seq });
        // Used by createMap()
        this.sortMapEntries =
            typeof sortMapEntries === 'function'
                ? sortMapEntries
                : sortMapEntries === true
                    ? sortMapEntriesByKey
                    : null;
    }
    clone() {
        const copy = Object.create(Schema.prototype, Object.getOwnPropertyDescriptors(this));
        copy.tags = this.tags.slice();
        return copy;
    }
}

exports.Schema = Schema;


/***/ }),

/***/ 7451:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var YAMLMap = __nccwpck_require__(4454);

const map = {
    collection: 'map',
    default: true,
    nodeClass: YAMLMap.YAMLMap,
    tag: 'tag:yaml.org,2002:map',
    resolve(map, onError) {
        if (!identity.isMap(map))
            onError('Expected a mapping for this tag');
        return map;
    },
    createNode: (schema, obj, ctx) => YAMLMap.YAMLMap.from(schema, obj, ctx)
};

exports.map = map;


/***/ }),

/***/ 3632:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);

const nullTag = {
    identify: value => value == null,
    createNode: () => new Scalar.Scalar(null),
    default: true,
    tag: 'tag:yaml.org,2002:null',
    test: /^(?:~|[Nn]ull|NULL)?$/,
    resolve: () => new Scalar.Scalar(null),
    stringify: ({ source }, ctx) => typeof source === 'string' && nullTag.test.test(source)
        ? source
        : ctx.options.nullStr
};

exports.nullTag = nullTag;


/***/ }),

/***/ 1706:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var YAMLSeq = __nccwpck_require__(2223);

const seq = {
    collection: 'seq',
    default: true,
    nodeClass: YAMLSeq.YAMLSeq,
    tag: 'tag:yaml.org,2002:seq',
    resolve(seq, onError) {
        if (!identity.isSeq(seq))
            onError('Expected a sequence for this tag');
        return seq;
    },
    createNode: (schema, obj, ctx) => YAMLSeq.YAMLSeq.from(schema, obj, ctx)
};

exports.seq = seq;


/***/ }),

/***/ 6464:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var stringifyString = __nccwpck_require__(3069);

const string = {
    identify: value => typeof value === 'string',
    default: true,
    tag: 'tag:yaml.org,2002:str',
    resolve: str => str,
    stringify(item, ctx, onComment, onChompKeep) {
        ctx = Object.assign({ actualString: true }, ctx);
        return stringifyString.stringifyString(item, ctx, onComment, onChompKeep);
    }
};

exports.string = string;


/***/ }),

/***/ 3959:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);

const boolTag = {
    identify: value => typeof value === 'boolean',
    default: true,
    tag: 'tag:yaml.org,2002:bool',
    test: /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/,
    resolve: str => new Scalar.Scalar(str[0] === 't' || str[0] === 'T'),
    stringify({ source, value }, ctx) {
        if (source && boolTag.test.test(source)) {
            const sv = source[0] === 't' || source[0] === 'T';
            if (value === sv)
                return source;
        }
        return value ? ctx.options.trueStr : ctx.options.falseStr;
    }
};

exports.boolTag = boolTag;


/***/ }),

/***/ 8405:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);
var stringifyNumber = __nccwpck_require__(8689);

const floatNaN = {
    identify: value => typeof value === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    test: /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
    resolve: str => str.slice(-3).toLowerCase() === 'nan'
        ? NaN
        : str[0] === '-'
            ? Number.NEGATIVE_INFINITY
            : Number.POSITIVE_INFINITY,
    stringify: stringifyNumber.stringifyNumber
};
const floatExp = {
    identify: value => typeof value === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    format: 'EXP',
    test: /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
    resolve: str => parseFloat(str),
    stringify(node) {
        const num = Number(node.value);
        return isFinite(num) ? num.toExponential() : stringifyNumber.stringifyNumber(node);
    }
};
const float = {
    identify: value => typeof value === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    test: /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
    resolve(str) {
        const node = new Scalar.Scalar(parseFloat(str));
        const dot = str.indexOf('.');
        if (dot !== -1 && str[str.length - 1] === '0')
            node.minFractionDigits = str.length - dot - 1;
        return node;
    },
    stringify: stringifyNumber.stringifyNumber
};

exports.float = float;
exports.floatExp = floatExp;
exports.floatNaN = floatNaN;


/***/ }),

/***/ 9874:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var stringifyNumber = __nccwpck_require__(8689);

const intIdentify = (value) => typeof value === 'bigint' || Number.isInteger(value);
const intResolve = (str, offset, radix, { intAsBigInt }) => (intAsBigInt ? BigInt(str) : parseInt(str.substring(offset), radix));
function intStringify(node, radix, prefix) {
    const { value } = node;
    if (intIdentify(value) && value >= 0)
        return prefix + value.toString(radix);
    return stringifyNumber.stringifyNumber(node);
}
const intOct = {
    identify: value => intIdentify(value) && value >= 0,
    default: true,
    tag: 'tag:yaml.org,2002:int',
    format: 'OCT',
    test: /^0o[0-7]+$/,
    resolve: (str, _onError, opt) => intResolve(str, 2, 8, opt),
    stringify: node => intStringify(node, 8, '0o')
};
const int = {
    identify: intIdentify,
    default: true,
    tag: 'tag:yaml.org,2002:int',
    test: /^[-+]?[0-9]+$/,
    resolve: (str, _onError, opt) => intResolve(str, 0, 10, opt),
    stringify: stringifyNumber.stringifyNumber
};
const intHex = {
    identify: value => intIdentify(value) && value >= 0,
    default: true,
    tag: 'tag:yaml.org,2002:int',
    format: 'HEX',
    test: /^0x[0-9a-fA-F]+$/,
    resolve: (str, _onError, opt) => intResolve(str, 2, 16, opt),
    stringify: node => intStringify(node, 16, '0x')
};

exports.int = int;
exports.intHex = intHex;
exports.intOct = intOct;


/***/ }),

/***/ 896:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var map = __nccwpck_require__(7451);
var _null = __nccwpck_require__(3632);
var seq = __nccwpck_require__(1706);
var string = __nccwpck_require__(6464);
var bool = __nccwpck_require__(3959);
var float = __nccwpck_require__(8405);
var int = __nccwpck_require__(9874);

const schema = [
    map.map,
    seq.seq,
    string.string,
    _null.nullTag,
    bool.boolTag,
    int.intOct,
    int.int,
    int.intHex,
    float.floatNaN,
    float.floatExp,
    float.float
];

exports.schema = schema;


/***/ }),

/***/ 3559:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);
var map = __nccwpck_require__(7451);
var seq = __nccwpck_require__(1706);

function intIdentify(value) {
    return typeof value === 'bigint' || Number.isInteger(value);
}
const stringifyJSON = ({ value }) => JSON.stringify(value);
const jsonScalars = [
    {
        identify: value => typeof value === 'string',
        default: true,
        tag: 'tag:yaml.org,2002:str',
        resolve: str => str,
        stringify: stringifyJSON
    },
    {
        identify: value => value == null,
        createNode: () => new Scalar.Scalar(null),
        default: true,
        tag: 'tag:yaml.org,2002:null',
        test: /^null$/,
        resolve: () => null,
        stringify: stringifyJSON
    },
    {
        identify: value => typeof value === 'boolean',
        default: true,
        tag: 'tag:yaml.org,2002:bool',
        test: /^true$|^false$/,
        resolve: str => str === 'true',
        stringify: stringifyJSON
    },
    {
        identify: intIdentify,
        default: true,
        tag: 'tag:yaml.org,2002:int',
        test: /^-?(?:0|[1-9][0-9]*)$/,
        resolve: (str, _onError, { intAsBigInt }) => intAsBigInt ? BigInt(str) : parseInt(str, 10),
        stringify: ({ value }) => intIdentify(value) ? value.toString() : JSON.stringify(value)
    },
    {
        identify: value => typeof value === 'number',
        default: true,
        tag: 'tag:yaml.org,2002:float',
        test: /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?$/,
        resolve: str => parseFloat(str),
        stringify: stringifyJSON
    }
];
const jsonError = {
    default: true,
    tag: '',
    test: /^/,
    resolve(str, onError) {
        onError(`Unresolved plain scalar ${JSON.stringify(str)}`);
        return str;
    }
};
const schema = [map.map, seq.seq].concat(jsonScalars, jsonError);

exports.schema = schema;


/***/ }),

/***/ 18:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var map = __nccwpck_require__(7451);
var _null = __nccwpck_require__(3632);
var seq = __nccwpck_require__(1706);
var string = __nccwpck_require__(6464);
var bool = __nccwpck_require__(3959);
var float = __nccwpck_require__(8405);
var int = __nccwpck_require__(9874);
var schema = __nccwpck_require__(896);
var schema$1 = __nccwpck_require__(3559);
var binary = __nccwpck_require__(6083);
var merge = __nccwpck_require__(452);
var omap = __nccwpck_require__(303);
var pairs = __nccwpck_require__(8385);
var schema$2 = __nccwpck_require__(5913);
var set = __nccwpck_require__(1528);
var timestamp = __nccwpck_require__(6752);

const schemas = new Map([
    ['core', schema.schema],
    ['failsafe', [map.map, seq.seq, string.string]],
    ['json', schema$1.schema],
    ['yaml11', schema$2.schema],
    ['yaml-1.1', schema$2.schema]
]);
const tagsByName = {
    binary: binary.binary,
    bool: bool.boolTag,
    float: float.float,
    floatExp: float.floatExp,
    floatNaN: float.floatNaN,
    floatTime: timestamp.floatTime,
    int: int.int,
    intHex: int.intHex,
    intOct: int.intOct,
    intTime: timestamp.intTime,
    map: map.map,
    merge: merge.merge,
    null: _null.nullTag,
    omap: omap.omap,
    pairs: pairs.pairs,
    seq: seq.seq,
    set: set.set,
    timestamp: timestamp.timestamp
};
const coreKnownTags = {
    'tag:yaml.org,2002:binary': binary.binary,
    'tag:yaml.org,2002:merge': merge.merge,
    'tag:yaml.org,2002:omap': omap.omap,
    'tag:yaml.org,2002:pairs': pairs.pairs,
    'tag:yaml.org,2002:set': set.set,
    'tag:yaml.org,2002:timestamp': timestamp.timestamp
};
function getTags(customTags, schemaName, addMergeTag) {
    const schemaTags = schemas.get(schemaName);
    if (schemaTags && !customTags) {
        return addMergeTag && !schemaTags.includes(merge.merge)
            ? schemaTags.concat(merge.merge)
            : schemaTags.slice();
    }
    let tags = schemaTags;
    if (!tags) {
        if (Array.isArray(customTags))
            tags = [];
        else {
            const keys = Array.from(schemas.keys())
                .filter(key => key !== 'yaml11')
                .map(key => JSON.stringify(key))
                .join(', ');
            throw new Error(`Unknown schema "${schemaName}"; use one of ${keys} or define customTags array`);
        }
    }
    if (Array.isArray(customTags)) {
        for (const tag of customTags)
            tags = tags.concat(tag);
    }
    else if (typeof customTags === 'function') {
        tags = customTags(tags.slice());
    }
    if (addMergeTag)
        tags = tags.concat(merge.merge);
    return tags.reduce((tags, tag) => {
        const tagObj = typeof tag === 'string' ? tagsByName[tag] : tag;
        if (!tagObj) {
            const tagName = JSON.stringify(tag);
            const keys = Object.keys(tagsByName)
                .map(key => JSON.stringify(key))
                .join(', ');
            throw new Error(`Unknown custom tag ${tagName}; use one of ${keys}`);
        }
        if (!tags.includes(tagObj))
            tags.push(tagObj);
        return tags;
    }, []);
}

exports.coreKnownTags = coreKnownTags;
exports.getTags = getTags;


/***/ }),

/***/ 6083:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var node_buffer = __nccwpck_require__(181);
var Scalar = __nccwpck_require__(3301);
var stringifyString = __nccwpck_require__(3069);

const binary = {
    identify: value => value instanceof Uint8Array, // Buffer inherits from Uint8Array
    default: false,
    tag: 'tag:yaml.org,2002:binary',
    /**
     * Returns a Buffer in node and an Uint8Array in browsers
     *
     * To use the resulting buffer as an image, you'll want to do something like:
     *
     *   const blob = new Blob([buffer], { type: 'image/jpeg' })
     *   document.querySelector('#photo').src = URL.createObjectURL(blob)
     */
    resolve(src, onError) {
        if (typeof node_buffer.Buffer === 'function') {
            return node_buffer.Buffer.from(src, 'base64');
        }
        else if (typeof atob === 'function') {
            // On IE 11, atob() can't handle newlines
            const str = atob(src.replace(/[\n\r]/g, ''));
            const buffer = new Uint8Array(str.length);
            for (let i = 0; i < str.length; ++i)
                buffer[i] = str.charCodeAt(i);
            return buffer;
        }
        else {
            onError('This environment does not support reading binary tags; either Buffer or atob is required');
            return src;
        }
    },
    stringify({ comment, type, value }, ctx, onComment, onChompKeep) {
        if (!value)
            return '';
        const buf = value; // checked earlier by binary.identify()
        let str;
        if (typeof node_buffer.Buffer === 'function') {
            str =
                buf instanceof node_buffer.Buffer
                    ? buf.toString('base64')
                    : node_buffer.Buffer.from(buf.buffer).toString('base64');
        }
        else if (typeof btoa === 'function') {
            let s = '';
            for (let i = 0; i < buf.length; ++i)
                s += String.fromCharCode(buf[i]);
            str = btoa(s);
        }
        else {
            throw new Error('This environment does not support writing binary tags; either Buffer or btoa is required');
        }
        type ?? (type = Scalar.Scalar.BLOCK_LITERAL);
        if (type !== Scalar.Scalar.QUOTE_DOUBLE) {
            const lineWidth = Math.max(ctx.options.lineWidth - ctx.indent.length, ctx.options.minContentWidth);
            const n = Math.ceil(str.length / lineWidth);
            const lines = new Array(n);
            for (let i = 0, o = 0; i < n; ++i, o += lineWidth) {
                lines[i] = str.substr(o, lineWidth);
            }
            str = lines.join(type === Scalar.Scalar.BLOCK_LITERAL ? '\n' : ' ');
        }
        return stringifyString.stringifyString({ comment, type, value: str }, ctx, onComment, onChompKeep);
    }
};

exports.binary = binary;


/***/ }),

/***/ 8398:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);

function boolStringify({ value, source }, ctx) {
    const boolObj = value ? trueTag : falseTag;
    if (source && boolObj.test.test(source))
        return source;
    return value ? ctx.options.trueStr : ctx.options.falseStr;
}
const trueTag = {
    identify: value => value === true,
    default: true,
    tag: 'tag:yaml.org,2002:bool',
    test: /^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/,
    resolve: () => new Scalar.Scalar(true),
    stringify: boolStringify
};
const falseTag = {
    identify: value => value === false,
    default: true,
    tag: 'tag:yaml.org,2002:bool',
    test: /^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/,
    resolve: () => new Scalar.Scalar(false),
    stringify: boolStringify
};

exports.falseTag = falseTag;
exports.trueTag = trueTag;


/***/ }),

/***/ 5782:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);
var stringifyNumber = __nccwpck_require__(8689);

const floatNaN = {
    identify: value => typeof value === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    test: /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
    resolve: (str) => str.slice(-3).toLowerCase() === 'nan'
        ? NaN
        : str[0] === '-'
            ? Number.NEGATIVE_INFINITY
            : Number.POSITIVE_INFINITY,
    stringify: stringifyNumber.stringifyNumber
};
const floatExp = {
    identify: value => typeof value === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    format: 'EXP',
    test: /^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/,
    resolve: (str) => parseFloat(str.replace(/_/g, '')),
    stringify(node) {
        const num = Number(node.value);
        return isFinite(num) ? num.toExponential() : stringifyNumber.stringifyNumber(node);
    }
};
const float = {
    identify: value => typeof value === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    test: /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*$/,
    resolve(str) {
        const node = new Scalar.Scalar(parseFloat(str.replace(/_/g, '')));
        const dot = str.indexOf('.');
        if (dot !== -1) {
            const f = str.substring(dot + 1).replace(/_/g, '');
            if (f[f.length - 1] === '0')
                node.minFractionDigits = f.length;
        }
        return node;
    },
    stringify: stringifyNumber.stringifyNumber
};

exports.float = float;
exports.floatExp = floatExp;
exports.floatNaN = floatNaN;


/***/ }),

/***/ 873:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var stringifyNumber = __nccwpck_require__(8689);

const intIdentify = (value) => typeof value === 'bigint' || Number.isInteger(value);
function intResolve(str, offset, radix, { intAsBigInt }) {
    const sign = str[0];
    if (sign === '-' || sign === '+')
        offset += 1;
    str = str.substring(offset).replace(/_/g, '');
    if (intAsBigInt) {
        switch (radix) {
            case 2:
                str = `0b${str}`;
                break;
            case 8:
                str = `0o${str}`;
                break;
            case 16:
                str = `0x${str}`;
                break;
        }
        const n = BigInt(str);
        return sign === '-' ? BigInt(-1) * n : n;
    }
    const n = parseInt(str, radix);
    return sign === '-' ? -1 * n : n;
}
function intStringify(node, radix, prefix) {
    const { value } = node;
    if (intIdentify(value)) {
        const str = value.toString(radix);
        return value < 0 ? '-' + prefix + str.substr(1) : prefix + str;
    }
    return stringifyNumber.stringifyNumber(node);
}
const intBin = {
    identify: intIdentify,
    default: true,
    tag: 'tag:yaml.org,2002:int',
    format: 'BIN',
    test: /^[-+]?0b[0-1_]+$/,
    resolve: (str, _onError, opt) => intResolve(str, 2, 2, opt),
    stringify: node => intStringify(node, 2, '0b')
};
const intOct = {
    identify: intIdentify,
    default: true,
    tag: 'tag:yaml.org,2002:int',
    format: 'OCT',
    test: /^[-+]?0[0-7_]+$/,
    resolve: (str, _onError, opt) => intResolve(str, 1, 8, opt),
    stringify: node => intStringify(node, 8, '0')
};
const int = {
    identify: intIdentify,
    default: true,
    tag: 'tag:yaml.org,2002:int',
    test: /^[-+]?[0-9][0-9_]*$/,
    resolve: (str, _onError, opt) => intResolve(str, 0, 10, opt),
    stringify: stringifyNumber.stringifyNumber
};
const intHex = {
    identify: intIdentify,
    default: true,
    tag: 'tag:yaml.org,2002:int',
    format: 'HEX',
    test: /^[-+]?0x[0-9a-fA-F_]+$/,
    resolve: (str, _onError, opt) => intResolve(str, 2, 16, opt),
    stringify: node => intStringify(node, 16, '0x')
};

exports.int = int;
exports.intBin = intBin;
exports.intHex = intHex;
exports.intOct = intOct;


/***/ }),

/***/ 452:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Scalar = __nccwpck_require__(3301);

// If the value associated with a merge key is a single mapping node, each of
// its key/value pairs is inserted into the current mapping, unless the key
// already exists in it. If the value associated with the merge key is a
// sequence, then this sequence is expected to contain mapping nodes and each
// of these nodes is merged in turn according to its order in the sequence.
// Keys in mapping nodes earlier in the sequence override keys specified in
// later mapping nodes. -- http://yaml.org/type/merge.html
const MERGE_KEY = '<<';
const merge = {
    identify: value => value === MERGE_KEY ||
        (typeof value === 'symbol' && value.description === MERGE_KEY),
    default: 'key',
    tag: 'tag:yaml.org,2002:merge',
    test: /^<<$/,
    resolve: () => Object.assign(new Scalar.Scalar(Symbol(MERGE_KEY)), {
        addToJSMap: addMergeToJSMap
    }),
    stringify: () => MERGE_KEY
};
const isMergeKey = (ctx, key) => (merge.identify(key) ||
    (identity.isScalar(key) &&
        (!key.type || key.type === Scalar.Scalar.PLAIN) &&
        merge.identify(key.value))) &&
    ctx?.doc.schema.tags.some(tag => tag.tag === merge.tag && tag.default);
function addMergeToJSMap(ctx, map, value) {
    const source = resolveAliasValue(ctx, value);
    if (identity.isSeq(source))
        for (const it of source.items)
            mergeValue(ctx, map, it);
    else if (Array.isArray(source))
        for (const it of source)
            mergeValue(ctx, map, it);
    else
        mergeValue(ctx, map, source);
}
function mergeValue(ctx, map, value) {
    const source = resolveAliasValue(ctx, value);
    if (!identity.isMap(source))
        throw new Error('Merge sources must be maps or map aliases');
    const srcMap = source.toJSON(null, ctx, Map);
    for (const [key, value] of srcMap) {
        if (map instanceof Map) {
            if (!map.has(key))
                map.set(key, value);
        }
        else if (map instanceof Set) {
            map.add(key);
        }
        else if (!Object.prototype.hasOwnProperty.call(map, key)) {
            Object.defineProperty(map, key, {
                value,
                writable: true,
                enumerable: true,
                configurable: true
            });
        }
    }
    return map;
}
function resolveAliasValue(ctx, value) {
    return ctx && identity.isAlias(value) ? value.resolve(ctx.doc, ctx) : value;
}

exports.addMergeToJSMap = addMergeToJSMap;
exports.isMergeKey = isMergeKey;
exports.merge = merge;


/***/ }),

/***/ 303:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var toJS = __nccwpck_require__(4043);
var YAMLMap = __nccwpck_require__(4454);
var YAMLSeq = __nccwpck_require__(2223);
var pairs = __nccwpck_require__(8385);

class YAMLOMap extends YAMLSeq.YAMLSeq {
    constructor() {
        super();
        this.add = YAMLMap.YAMLMap.prototype.add.bind(this);
        this.delete = YAMLMap.YAMLMap.prototype.delete.bind(this);
        this.get = YAMLMap.YAMLMap.prototype.get.bind(this);
        this.has = YAMLMap.YAMLMap.prototype.has.bind(this);
        this.set = YAMLMap.YAMLMap.prototype.set.bind(this);
        this.tag = YAMLOMap.tag;
    }
    /**
     * If `ctx` is given, the return type is actually `Map<unknown, unknown>`,
     * but TypeScript won't allow widening the signature of a child method.
     */
    toJSON(_, ctx) {
        if (!ctx)
            return super.toJSON(_);
        const map = new Map();
        if (ctx?.onCreate)
            ctx.onCreate(map);
        for (const pair of this.items) {
            let key, value;
            if (identity.isPair(pair)) {
                key = toJS.toJS(pair.key, '', ctx);
                value = toJS.toJS(pair.value, key, ctx);
            }
            else {
                key = toJS.toJS(pair, '', ctx);
            }
            if (map.has(key))
                throw new Error('Ordered maps must not include duplicate keys');
            map.set(key, value);
        }
        return map;
    }
    static from(schema, iterable, ctx) {
        const pairs$1 = pairs.createPairs(schema, iterable, ctx);
        const omap = new this();
        omap.items = pairs$1.items;
        return omap;
    }
}
YAMLOMap.tag = 'tag:yaml.org,2002:omap';
const omap = {
    collection: 'seq',
    identify: value => value instanceof Map,
    nodeClass: YAMLOMap,
    default: false,
    tag: 'tag:yaml.org,2002:omap',
    resolve(seq, onError) {
        const pairs$1 = pairs.resolvePairs(seq, onError);
        const seenKeys = [];
        for (const { key } of pairs$1.items) {
            if (identity.isScalar(key)) {
                if (seenKeys.includes(key.value)) {
                    onError(`Ordered maps must not include duplicate keys: ${key.value}`);
                }
                else {
                    seenKeys.push(key.value);
                }
            }
        }
        return Object.assign(new YAMLOMap(), pairs$1);
    },
    createNode: (schema, iterable, ctx) => YAMLOMap.from(schema, iterable, ctx)
};

exports.YAMLOMap = YAMLOMap;
exports.omap = omap;


/***/ }),

/***/ 8385:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Pair = __nccwpck_require__(7165);
var Scalar = __nccwpck_require__(3301);
var YAMLSeq = __nccwpck_require__(2223);

function resolvePairs(seq, onError) {
    if (identity.isSeq(seq)) {
        for (let i = 0; i < seq.items.length; ++i) {
            let item = seq.items[i];
            if (identity.isPair(item))
                continue;
            else if (identity.isMap(item)) {
                if (item.items.length > 1)
                    onError('Each pair must have its own sequence indicator');
                const pair = item.items[0] || new Pair.Pair(new Scalar.Scalar(null));
                if (item.commentBefore)
                    pair.key.commentBefore = pair.key.commentBefore
                        ? `${item.commentBefore}\n${pair.key.commentBefore}`
                        : item.commentBefore;
                if (item.comment) {
                    const cn = pair.value ?? pair.key;
                    cn.comment = cn.comment
                        ? `${item.comment}\n${cn.comment}`
                        : item.comment;
                }
                item = pair;
            }
            seq.items[i] = identity.isPair(item) ? item : new Pair.Pair(item);
        }
    }
    else
        onError('Expected a sequence for this tag');
    return seq;
}
function createPairs(schema, iterable, ctx) {
    const { replacer } = ctx;
    const pairs = new YAMLSeq.YAMLSeq(schema);
    pairs.tag = 'tag:yaml.org,2002:pairs';
    let i = 0;
    if (iterable && Symbol.iterator in Object(iterable))
        for (let it of iterable) {
            if (typeof replacer === 'function')
                it = replacer.call(iterable, String(i++), it);
            let key, value;
            if (Array.isArray(it)) {
                if (it.length === 2) {
                    key = it[0];
                    value = it[1];
                }
                else
                    throw new TypeError(`Expected [key, value] tuple: ${it}`);
            }
            else if (it && it instanceof Object) {
                const keys = Object.keys(it);
                if (keys.length === 1) {
                    key = keys[0];
                    value = it[key];
                }
                else {
                    throw new TypeError(`Expected tuple with one key, not ${keys.length} keys`);
                }
            }
            else {
                key = it;
            }
            pairs.items.push(Pair.createPair(key, value, ctx));
        }
    return pairs;
}
const pairs = {
    collection: 'seq',
    default: false,
    tag: 'tag:yaml.org,2002:pairs',
    resolve: resolvePairs,
    createNode: createPairs
};

exports.createPairs = createPairs;
exports.pairs = pairs;
exports.resolvePairs = resolvePairs;


/***/ }),

/***/ 5913:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var map = __nccwpck_require__(7451);
var _null = __nccwpck_require__(3632);
var seq = __nccwpck_require__(1706);
var string = __nccwpck_require__(6464);
var binary = __nccwpck_require__(6083);
var bool = __nccwpck_require__(8398);
var float = __nccwpck_require__(5782);
var int = __nccwpck_require__(873);
var merge = __nccwpck_require__(452);
var omap = __nccwpck_require__(303);
var pairs = __nccwpck_require__(8385);
var set = __nccwpck_require__(1528);
var timestamp = __nccwpck_require__(6752);

const schema = [
    map.map,
    seq.seq,
    string.string,
    _null.nullTag,
    bool.trueTag,
    bool.falseTag,
    int.intBin,
    int.intOct,
    int.int,
    int.intHex,
    float.floatNaN,
    float.floatExp,
    float.float,
    binary.binary,
    merge.merge,
    omap.omap,
    pairs.pairs,
    set.set,
    timestamp.intTime,
    timestamp.floatTime,
    timestamp.timestamp
];

exports.schema = schema;


/***/ }),

/***/ 1528:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Pair = __nccwpck_require__(7165);
var YAMLMap = __nccwpck_require__(4454);

class YAMLSet extends YAMLMap.YAMLMap {
    constructor(schema) {
        super(schema);
        this.tag = YAMLSet.tag;
    }
    add(key) {
        let pair;
        if (identity.isPair(key))
            pair = key;
        else if (key &&
            typeof key === 'object' &&
            'key' in key &&
            'value' in key &&
            key.value === null)
            pair = new Pair.Pair(key.key, null);
        else
            pair = new Pair.Pair(key, null);
        const prev = YAMLMap.findPair(this.items, pair.key);
        if (!prev)
            this.items.push(pair);
    }
    /**
     * If `keepPair` is `true`, returns the Pair matching `key`.
     * Otherwise, returns the value of that Pair's key.
     */
    get(key, keepPair) {
        const pair = YAMLMap.findPair(this.items, key);
        return !keepPair && identity.isPair(pair)
            ? identity.isScalar(pair.key)
                ? pair.key.value
                : pair.key
            : pair;
    }
    set(key, value) {
        if (typeof value !== 'boolean')
            throw new Error(`Expected boolean value for set(key, value) in a YAML set, not ${typeof value}`);
        const prev = YAMLMap.findPair(this.items, key);
        if (prev && !value) {
            this.items.splice(this.items.indexOf(prev), 1);
        }
        else if (!prev && value) {
            this.items.push(new Pair.Pair(key));
        }
    }
    toJSON(_, ctx) {
        return super.toJSON(_, ctx, Set);
    }
    toString(ctx, onComment, onChompKeep) {
        if (!ctx)
            return JSON.stringify(this);
        if (this.hasAllNullValues(true))
            return super.toString(Object.assign({}, ctx, { allNullValues: true }), onComment, onChompKeep);
        else
            throw new Error('Set items must all have null values');
    }
    static from(schema, iterable, ctx) {
        const { replacer } = ctx;
        const set = new this(schema);
        if (iterable && Symbol.iterator in Object(iterable))
            for (let value of iterable) {
                if (typeof replacer === 'function')
                    value = replacer.call(iterable, value, value);
                set.items.push(Pair.createPair(value, null, ctx));
            }
        return set;
    }
}
YAMLSet.tag = 'tag:yaml.org,2002:set';
const set = {
    collection: 'map',
    identify: value => value instanceof Set,
    nodeClass: YAMLSet,
    default: false,
    tag: 'tag:yaml.org,2002:set',
    createNode: (schema, iterable, ctx) => YAMLSet.from(schema, iterable, ctx),
    resolve(map, onError) {
        if (identity.isMap(map)) {
            if (map.hasAllNullValues(true))
                return Object.assign(new YAMLSet(), map);
            else
                onError('Set items must all have null values');
        }
        else
            onError('Expected a mapping for this tag');
        return map;
    }
};

exports.YAMLSet = YAMLSet;
exports.set = set;


/***/ }),

/***/ 6752:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var stringifyNumber = __nccwpck_require__(8689);

/** Internal types handle bigint as number, because TS can't figure it out. */
function parseSexagesimal(str, asBigInt) {
    const sign = str[0];
    const parts = sign === '-' || sign === '+' ? str.substring(1) : str;
    const num = (n) => asBigInt ? BigInt(n) : Number(n);
    const res = parts
        .replace(/_/g, '')
        .split(':')
        .reduce((res, p) => res * num(60) + num(p), num(0));
    return (sign === '-' ? num(-1) * res : res);
}
/**
 * hhhh:mm:ss.sss
 *
 * Internal types handle bigint as number, because TS can't figure it out.
 */
function stringifySexagesimal(node) {
    let { value } = node;
    let num = (n) => n;
    if (typeof value === 'bigint')
        num = n => BigInt(n);
    else if (isNaN(value) || !isFinite(value))
        return stringifyNumber.stringifyNumber(node);
    let sign = '';
    if (value < 0) {
        sign = '-';
        value *= num(-1);
    }
    const _60 = num(60);
    const parts = [value % _60]; // seconds, including ms
    if (value < 60) {
        parts.unshift(0); // at least one : is required
    }
    else {
        value = (value - parts[0]) / _60;
        parts.unshift(value % _60); // minutes
        if (value >= 60) {
            value = (value - parts[0]) / _60;
            parts.unshift(value); // hours
        }
    }
    return (sign +
        parts
            .map(n => String(n).padStart(2, '0'))
            .join(':')
            .replace(/000000\d*$/, '') // % 60 may introduce error
    );
}
const intTime = {
    identify: value => typeof value === 'bigint' || Number.isInteger(value),
    default: true,
    tag: 'tag:yaml.org,2002:int',
    format: 'TIME',
    test: /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+$/,
    resolve: (str, _onError, { intAsBigInt }) => parseSexagesimal(str, intAsBigInt),
    stringify: stringifySexagesimal
};
const floatTime = {
    identify: value => typeof value === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    format: 'TIME',
    test: /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$/,
    resolve: str => parseSexagesimal(str, false),
    stringify: stringifySexagesimal
};
const timestamp = {
    identify: value => value instanceof Date,
    default: true,
    tag: 'tag:yaml.org,2002:timestamp',
    // If the time zone is omitted, the timestamp is assumed to be specified in UTC. The time part
    // may be omitted altogether, resulting in a date format. In such a case, the time part is
    // assumed to be 00:00:00Z (start of day, UTC).
    test: RegExp('^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})' + // YYYY-Mm-Dd
        '(?:' + // time is optional
        '(?:t|T|[ \\t]+)' + // t | T | whitespace
        '([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2}(\\.[0-9]+)?)' + // Hh:Mm:Ss(.ss)?
        '(?:[ \\t]*(Z|[-+][012]?[0-9](?::[0-9]{2})?))?' + // Z | +5 | -03:30
        ')?$'),
    resolve(str) {
        const match = str.match(timestamp.test);
        if (!match)
            throw new Error('!!timestamp expects a date, starting with yyyy-mm-dd');
        const [, year, month, day, hour, minute, second] = match.map(Number);
        const millisec = match[7] ? Number((match[7] + '00').substr(1, 3)) : 0;
        let date = Date.UTC(year, month - 1, day, hour || 0, minute || 0, second || 0, millisec);
        const tz = match[8];
        if (tz && tz !== 'Z') {
            let d = parseSexagesimal(tz, false);
            if (Math.abs(d) < 30)
                d *= 60;
            date -= 60000 * d;
        }
        return new Date(date);
    },
    stringify: ({ value }) => value?.toISOString().replace(/(T00:00:00)?\.000Z$/, '') ?? ''
};

exports.floatTime = floatTime;
exports.intTime = intTime;
exports.timestamp = timestamp;


/***/ }),

/***/ 4475:
/***/ ((__unused_webpack_module, exports) => {



const FOLD_FLOW = 'flow';
const FOLD_BLOCK = 'block';
const FOLD_QUOTED = 'quoted';
/**
 * Tries to keep input at up to `lineWidth` characters, splitting only on spaces
 * not followed by newlines or spaces unless `mode` is `'quoted'`. Lines are
 * terminated with `\n` and started with `indent`.
 */
function foldFlowLines(text, indent, mode = 'flow', { indentAtStart, lineWidth = 80, minContentWidth = 20, onFold, onOverflow } = {}) {
    if (!lineWidth || lineWidth < 0)
        return text;
    if (lineWidth < minContentWidth)
        minContentWidth = 0;
    const endStep = Math.max(1 + minContentWidth, 1 + lineWidth - indent.length);
    if (text.length <= endStep)
        return text;
    const folds = [];
    const escapedFolds = {};
    let end = lineWidth - indent.length;
    if (typeof indentAtStart === 'number') {
        if (indentAtStart > lineWidth - Math.max(2, minContentWidth))
            folds.push(0);
        else
            end = lineWidth - indentAtStart;
    }
    let split = undefined;
    let prev = undefined;
    let overflow = false;
    let i = -1;
    let escStart = -1;
    let escEnd = -1;
    if (mode === FOLD_BLOCK) {
        i = consumeMoreIndentedLines(text, i, indent.length);
        if (i !== -1)
            end = i + endStep;
    }
    for (let ch; (ch = text[(i += 1)]);) {
        if (mode === FOLD_QUOTED && ch === '\\') {
            escStart = i;
            switch (text[i + 1]) {
                case 'x':
                    i += 3;
                    break;
                case 'u':
                    i += 5;
                    break;
                case 'U':
                    i += 9;
                    break;
                default:
                    i += 1;
            }
            escEnd = i;
        }
        if (ch === '\n') {
            if (mode === FOLD_BLOCK)
                i = consumeMoreIndentedLines(text, i, indent.length);
            end = i + indent.length + endStep;
            split = undefined;
        }
        else {
            if (ch === ' ' &&
                prev &&
                prev !== ' ' &&
                prev !== '\n' &&
                prev !== '\t') {
                // space surrounded by non-space can be replaced with newline + indent
                const next = text[i + 1];
                if (next && next !== ' ' && next !== '\n' && next !== '\t')
                    split = i;
            }
            if (i >= end) {
                if (split) {
                    folds.push(split);
                    end = split + endStep;
                    split = undefined;
                }
                else if (mode === FOLD_QUOTED) {
                    // white-space collected at end may stretch past lineWidth
                    while (prev === ' ' || prev === '\t') {
                        prev = ch;
                        ch = text[(i += 1)];
                        overflow = true;
                    }
                    // Account for newline escape, but don't break preceding escape
                    const j = i > escEnd + 1 ? i - 2 : escStart - 1;
                    // Bail out if lineWidth & minContentWidth are shorter than an escape string
                    if (escapedFolds[j])
                        return text;
                    folds.push(j);
                    escapedFolds[j] = true;
                    end = j + endStep;
                    split = undefined;
                }
                else {
                    overflow = true;
                }
            }
        }
        prev = ch;
    }
    if (overflow && onOverflow)
        onOverflow();
    if (folds.length === 0)
        return text;
    if (onFold)
        onFold();
    let res = text.slice(0, folds[0]);
    for (let i = 0; i < folds.length; ++i) {
        const fold = folds[i];
        const end = folds[i + 1] || text.length;
        if (fold === 0)
            res = `\n${indent}${text.slice(0, end)}`;
        else {
            if (mode === FOLD_QUOTED && escapedFolds[fold])
                res += `${text[fold]}\\`;
            res += `\n${indent}${text.slice(fold + 1, end)}`;
        }
    }
    return res;
}
/**
 * Presumes `i + 1` is at the start of a line
 * @returns index of last newline in more-indented block
 */
function consumeMoreIndentedLines(text, i, indent) {
    let end = i;
    let start = i + 1;
    let ch = text[start];
    while (ch === ' ' || ch === '\t') {
        if (i < start + indent) {
            ch = text[++i];
        }
        else {
            do {
                ch = text[++i];
            } while (ch && ch !== '\n');
            end = i;
            start = i + 1;
            ch = text[start];
        }
    }
    return end;
}

exports.FOLD_BLOCK = FOLD_BLOCK;
exports.FOLD_FLOW = FOLD_FLOW;
exports.FOLD_QUOTED = FOLD_QUOTED;
exports.foldFlowLines = foldFlowLines;


/***/ }),

/***/ 2148:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var anchors = __nccwpck_require__(1596);
var identity = __nccwpck_require__(1127);
var stringifyComment = __nccwpck_require__(9799);
var stringifyString = __nccwpck_require__(3069);

function createStringifyContext(doc, options) {
    const opt = Object.assign({
        blockQuote: true,
        commentString: stringifyComment.stringifyComment,
        defaultKeyType: null,
        defaultStringType: 'PLAIN',
        directives: null,
        doubleQuotedAsJSON: false,
        doubleQuotedMinMultiLineLength: 40,
        falseStr: 'false',
        flowCollectionPadding: true,
        indentSeq: true,
        lineWidth: 80,
        minContentWidth: 20,
        nullStr: 'null',
        simpleKeys: false,
        singleQuote: null,
        trailingComma: false,
        trueStr: 'true',
        verifyAliasOrder: true
    }, doc.schema.toStringOptions, options);
    let inFlow;
    switch (opt.collectionStyle) {
        case 'block':
            inFlow = false;
            break;
        case 'flow':
            inFlow = true;
            break;
        default:
            inFlow = null;
    }
    return {
        anchors: new Set(),
        doc,
        flowCollectionPadding: opt.flowCollectionPadding ? ' ' : '',
        indent: '',
        indentStep: typeof opt.indent === 'number' ? ' '.repeat(opt.indent) : '  ',
        inFlow,
        options: opt
    };
}
function getTagObject(tags, item) {
    if (item.tag) {
        const match = tags.filter(t => t.tag === item.tag);
        if (match.length > 0)
            return match.find(t => t.format === item.format) ?? match[0];
    }
    let tagObj = undefined;
    let obj;
    if (identity.isScalar(item)) {
        obj = item.value;
        let match = tags.filter(t => t.identify?.(obj));
        if (match.length > 1) {
            const testMatch = match.filter(t => t.test);
            if (testMatch.length > 0)
                match = testMatch;
        }
        tagObj =
            match.find(t => t.format === item.format) ?? match.find(t => !t.format);
    }
    else {
        obj = item;
        tagObj = tags.find(t => t.nodeClass && obj instanceof t.nodeClass);
    }
    if (!tagObj) {
        const name = obj?.constructor?.name ?? (obj === null ? 'null' : typeof obj);
        throw new Error(`Tag not resolved for ${name} value`);
    }
    return tagObj;
}
// needs to be called before value stringifier to allow for circular anchor refs
function stringifyProps(node, tagObj, { anchors: anchors$1, doc }) {
    if (!doc.directives)
        return '';
    const props = [];
    const anchor = (identity.isScalar(node) || identity.isCollection(node)) && node.anchor;
    if (anchor && anchors.anchorIsValid(anchor)) {
        anchors$1.add(anchor);
        props.push(`&${anchor}`);
    }
    const tag = node.tag ?? (tagObj.default ? null : tagObj.tag);
    if (tag)
        props.push(doc.directives.tagString(tag));
    return props.join(' ');
}
function stringify(item, ctx, onComment, onChompKeep) {
    if (identity.isPair(item))
        return item.toString(ctx, onComment, onChompKeep);
    if (identity.isAlias(item)) {
        if (ctx.doc.directives)
            return item.toString(ctx);
        if (ctx.resolvedAliases?.has(item)) {
            throw new TypeError(`Cannot stringify circular structure without alias nodes`);
        }
        else {
            if (ctx.resolvedAliases)
                ctx.resolvedAliases.add(item);
            else
                ctx.resolvedAliases = new Set([item]);
            item = item.resolve(ctx.doc);
        }
    }
    let tagObj = undefined;
    const node = identity.isNode(item)
        ? item
        : ctx.doc.createNode(item, { onTagObj: o => (tagObj = o) });
    tagObj ?? (tagObj = getTagObject(ctx.doc.schema.tags, node));
    const props = stringifyProps(node, tagObj, ctx);
    if (props.length > 0)
        ctx.indentAtStart = (ctx.indentAtStart ?? 0) + props.length + 1;
    const str = typeof tagObj.stringify === 'function'
        ? tagObj.stringify(node, ctx, onComment, onChompKeep)
        : identity.isScalar(node)
            ? stringifyString.stringifyString(node, ctx, onComment, onChompKeep)
            : node.toString(ctx, onComment, onChompKeep);
    if (!props)
        return str;
    return identity.isScalar(node) || str[0] === '{' || str[0] === '['
        ? `${props} ${str}`
        : `${props}\n${ctx.indent}${str}`;
}

exports.createStringifyContext = createStringifyContext;
exports.stringify = stringify;


/***/ }),

/***/ 1212:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var stringify = __nccwpck_require__(2148);
var stringifyComment = __nccwpck_require__(9799);

function stringifyCollection(collection, ctx, options) {
    const flow = ctx.inFlow ?? collection.flow;
    const stringify = flow ? stringifyFlowCollection : stringifyBlockCollection;
    return stringify(collection, ctx, options);
}
function stringifyBlockCollection({ comment, items }, ctx, { blockItemPrefix, flowChars, itemIndent, onChompKeep, onComment }) {
    const { indent, options: { commentString } } = ctx;
    const itemCtx = Object.assign({}, ctx, { indent: itemIndent, type: null });
    let chompKeep = false; // flag for the preceding node's status
    const lines = [];
    for (let i = 0; i < items.length; ++i) {
        const item = items[i];
        let comment = null;
        if (identity.isNode(item)) {
            if (!chompKeep && item.spaceBefore)
                lines.push('');
            addCommentBefore(ctx, lines, item.commentBefore, chompKeep);
            if (item.comment)
                comment = item.comment;
        }
        else if (identity.isPair(item)) {
            const ik = identity.isNode(item.key) ? item.key : null;
            if (ik) {
                if (!chompKeep && ik.spaceBefore)
                    lines.push('');
                addCommentBefore(ctx, lines, ik.commentBefore, chompKeep);
            }
        }
        chompKeep = false;
        let str = stringify.stringify(item, itemCtx, () => (comment = null), () => (chompKeep = true));
        if (comment)
            str += stringifyComment.lineComment(str, itemIndent, commentString(comment));
        if (chompKeep && comment)
            chompKeep = false;
        lines.push(blockItemPrefix + str);
    }
    let str;
    if (lines.length === 0) {
        str = flowChars.start + flowChars.end;
    }
    else {
        str = lines[0];
        for (let i = 1; i < lines.length; ++i) {
            const line = lines[i];
            str += line ? `\n${indent}${line}` : '\n';
        }
    }
    if (comment) {
        str += '\n' + stringifyComment.indentComment(commentString(comment), indent);
        if (onComment)
            onComment();
    }
    else if (chompKeep && onChompKeep)
        onChompKeep();
    return str;
}
function stringifyFlowCollection({ items }, ctx, { flowChars, itemIndent }) {
    const { indent, indentStep, flowCollectionPadding: fcPadding, options: { commentString } } = ctx;
    itemIndent += indentStep;
    const itemCtx = Object.assign({}, ctx, {
        indent: itemIndent,
        inFlow: true,
        type: null
    });
    let reqNewline = false;
    let linesAtValue = 0;
    const lines = [];
    for (let i = 0; i < items.length; ++i) {
        const item = items[i];
        let comment = null;
        if (identity.isNode(item)) {
            if (item.spaceBefore)
                lines.push('');
            addCommentBefore(ctx, lines, item.commentBefore, false);
            if (item.comment)
                comment = item.comment;
        }
        else if (identity.isPair(item)) {
            const ik = identity.isNode(item.key) ? item.key : null;
            if (ik) {
                if (ik.spaceBefore)
                    lines.push('');
                addCommentBefore(ctx, lines, ik.commentBefore, false);
                if (ik.comment)
                    reqNewline = true;
            }
            const iv = identity.isNode(item.value) ? item.value : null;
            if (iv) {
                if (iv.comment)
                    comment = iv.comment;
                if (iv.commentBefore)
                    reqNewline = true;
            }
            else if (item.value == null && ik?.comment) {
                comment = ik.comment;
            }
        }
        if (comment)
            reqNewline = true;
        let str = stringify.stringify(item, itemCtx, () => (comment = null));
        reqNewline || (reqNewline = lines.length > linesAtValue || str.includes('\n'));
        if (i < items.length - 1) {
            str += ',';
        }
        else if (ctx.options.trailingComma) {
            if (ctx.options.lineWidth > 0) {
                reqNewline || (reqNewline = lines.reduce((sum, line) => sum + line.length + 2, 2) +
                    (str.length + 2) >
                    ctx.options.lineWidth);
            }
            if (reqNewline) {
                str += ',';
            }
        }
        if (comment)
            str += stringifyComment.lineComment(str, itemIndent, commentString(comment));
        lines.push(str);
        linesAtValue = lines.length;
    }
    const { start, end } = flowChars;
    if (lines.length === 0) {
        return start + end;
    }
    else {
        if (!reqNewline) {
            const len = lines.reduce((sum, line) => sum + line.length + 2, 2);
            reqNewline = ctx.options.lineWidth > 0 && len > ctx.options.lineWidth;
        }
        if (reqNewline) {
            let str = start;
            for (const line of lines)
                str += line ? `\n${indentStep}${indent}${line}` : '\n';
            return `${str}\n${indent}${end}`;
        }
        else {
            return `${start}${fcPadding}${lines.join(' ')}${fcPadding}${end}`;
        }
    }
}
function addCommentBefore({ indent, options: { commentString } }, lines, comment, chompKeep) {
    if (comment && chompKeep)
        comment = comment.replace(/^\n+/, '');
    if (comment) {
        const ic = stringifyComment.indentComment(commentString(comment), indent);
        lines.push(ic.trimStart()); // Avoid double indent on first line
    }
}

exports.stringifyCollection = stringifyCollection;


/***/ }),

/***/ 9799:
/***/ ((__unused_webpack_module, exports) => {



/**
 * Stringifies a comment.
 *
 * Empty comment lines are left empty,
 * lines consisting of a single space are replaced by `#`,
 * and all other lines are prefixed with a `#`.
 */
const stringifyComment = (str) => str.replace(/^(?!$)(?: $)?/gm, '#');
function indentComment(comment, indent) {
    if (/^\n+$/.test(comment))
        return comment.substring(1);
    return indent ? comment.replace(/^(?! *$)/gm, indent) : comment;
}
const lineComment = (str, indent, comment) => str.endsWith('\n')
    ? indentComment(comment, indent)
    : comment.includes('\n')
        ? '\n' + indentComment(comment, indent)
        : (str.endsWith(' ') ? '' : ' ') + comment;

exports.indentComment = indentComment;
exports.lineComment = lineComment;
exports.stringifyComment = stringifyComment;


/***/ }),

/***/ 6829:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var stringify = __nccwpck_require__(2148);
var stringifyComment = __nccwpck_require__(9799);

function stringifyDocument(doc, options) {
    const lines = [];
    let hasDirectives = options.directives === true;
    if (options.directives !== false && doc.directives) {
        const dir = doc.directives.toString(doc);
        if (dir) {
            lines.push(dir);
            hasDirectives = true;
        }
        else if (doc.directives.docStart)
            hasDirectives = true;
    }
    if (hasDirectives)
        lines.push('---');
    const ctx = stringify.createStringifyContext(doc, options);
    const { commentString } = ctx.options;
    if (doc.commentBefore) {
        if (lines.length !== 1)
            lines.unshift('');
        const cs = commentString(doc.commentBefore);
        lines.unshift(stringifyComment.indentComment(cs, ''));
    }
    let chompKeep = false;
    let contentComment = null;
    if (doc.contents) {
        if (identity.isNode(doc.contents)) {
            if (doc.contents.spaceBefore && hasDirectives)
                lines.push('');
            if (doc.contents.commentBefore) {
                const cs = commentString(doc.contents.commentBefore);
                lines.push(stringifyComment.indentComment(cs, ''));
            }
            // top-level block scalars need to be indented if followed by a comment
            ctx.forceBlockIndent = !!doc.comment;
            contentComment = doc.contents.comment;
        }
        const onChompKeep = contentComment ? undefined : () => (chompKeep = true);
        let body = stringify.stringify(doc.contents, ctx, () => (contentComment = null), onChompKeep);
        if (contentComment)
            body += stringifyComment.lineComment(body, '', commentString(contentComment));
        if ((body[0] === '|' || body[0] === '>') &&
            lines[lines.length - 1] === '---') {
            // Top-level block scalars with a preceding doc marker ought to use the
            // same line for their header.
            lines[lines.length - 1] = `--- ${body}`;
        }
        else
            lines.push(body);
    }
    else {
        lines.push(stringify.stringify(doc.contents, ctx));
    }
    if (doc.directives?.docEnd) {
        if (doc.comment) {
            const cs = commentString(doc.comment);
            if (cs.includes('\n')) {
                lines.push('...');
                lines.push(stringifyComment.indentComment(cs, ''));
            }
            else {
                lines.push(`... ${cs}`);
            }
        }
        else {
            lines.push('...');
        }
    }
    else {
        let dc = doc.comment;
        if (dc && chompKeep)
            dc = dc.replace(/^\n+/, '');
        if (dc) {
            if ((!chompKeep || contentComment) && lines[lines.length - 1] !== '')
                lines.push('');
            lines.push(stringifyComment.indentComment(commentString(dc), ''));
        }
    }
    return lines.join('\n') + '\n';
}

exports.stringifyDocument = stringifyDocument;


/***/ }),

/***/ 8689:
/***/ ((__unused_webpack_module, exports) => {



function stringifyNumber({ format, minFractionDigits, tag, value }) {
    if (typeof value === 'bigint')
        return String(value);
    const num = typeof value === 'number' ? value : Number(value);
    if (!isFinite(num))
        return isNaN(num) ? '.nan' : num < 0 ? '-.inf' : '.inf';
    let n = Object.is(value, -0) ? '-0' : JSON.stringify(value);
    if (!format &&
        minFractionDigits &&
        (!tag || tag === 'tag:yaml.org,2002:float') &&
        /^-?\d/.test(n) &&
        !n.includes('e')) {
        let i = n.indexOf('.');
        if (i < 0) {
            i = n.length;
            n += '.';
        }
        let d = minFractionDigits - (n.length - i - 1);
        while (d-- > 0)
            n += '0';
    }
    return n;
}

exports.stringifyNumber = stringifyNumber;


/***/ }),

/***/ 9748:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Scalar = __nccwpck_require__(3301);
var stringify = __nccwpck_require__(2148);
var stringifyComment = __nccwpck_require__(9799);

function stringifyPair({ key, value }, ctx, onComment, onChompKeep) {
    const { allNullValues, doc, indent, indentStep, options: { commentString, indentSeq, simpleKeys } } = ctx;
    let keyComment = (identity.isNode(key) && key.comment) || null;
    if (simpleKeys) {
        if (keyComment) {
            throw new Error('With simple keys, key nodes cannot have comments');
        }
        if (identity.isCollection(key) || (!identity.isNode(key) && typeof key === 'object')) {
            const msg = 'With simple keys, collection cannot be used as a key value';
            throw new Error(msg);
        }
    }
    let explicitKey = !simpleKeys &&
        (!key ||
            (keyComment && value == null && !ctx.inFlow) ||
            identity.isCollection(key) ||
            (identity.isScalar(key)
                ? key.type === Scalar.Scalar.BLOCK_FOLDED || key.type === Scalar.Scalar.BLOCK_LITERAL
                : typeof key === 'object'));
    ctx = Object.assign({}, ctx, {
        allNullValues: false,
        implicitKey: !explicitKey && (simpleKeys || !allNullValues),
        indent: indent + indentStep
    });
    let keyCommentDone = false;
    let chompKeep = false;
    let str = stringify.stringify(key, ctx, () => (keyCommentDone = true), () => (chompKeep = true));
    if (!explicitKey && !ctx.inFlow && str.length > 1024) {
        if (simpleKeys)
            throw new Error('With simple keys, single line scalar must not span more than 1024 characters');
        explicitKey = true;
    }
    if (ctx.inFlow) {
        if (allNullValues || value == null) {
            if (keyCommentDone && onComment)
                onComment();
            return str === '' ? '?' : explicitKey ? `? ${str}` : str;
        }
    }
    else if ((allNullValues && !simpleKeys) || (value == null && explicitKey)) {
        str = `? ${str}`;
        if (keyComment && !keyCommentDone) {
            str += stringifyComment.lineComment(str, ctx.indent, commentString(keyComment));
        }
        else if (chompKeep && onChompKeep)
            onChompKeep();
        return str;
    }
    if (keyCommentDone)
        keyComment = null;
    if (explicitKey) {
        if (keyComment)
            str += stringifyComment.lineComment(str, ctx.indent, commentString(keyComment));
        str = `? ${str}\n${indent}:`;
    }
    else {
        str = `${str}:`;
        if (keyComment)
            str += stringifyComment.lineComment(str, ctx.indent, commentString(keyComment));
    }
    let vsb, vcb, valueComment;
    if (identity.isNode(value)) {
        vsb = !!value.spaceBefore;
        vcb = value.commentBefore;
        valueComment = value.comment;
    }
    else {
        vsb = false;
        vcb = null;
        valueComment = null;
        if (value && typeof value === 'object')
            value = doc.createNode(value);
    }
    ctx.implicitKey = false;
    if (!explicitKey && !keyComment && identity.isScalar(value))
        ctx.indentAtStart = str.length + 1;
    chompKeep = false;
    if (!indentSeq &&
        indentStep.length >= 2 &&
        !ctx.inFlow &&
        !explicitKey &&
        identity.isSeq(value) &&
        !value.flow &&
        !value.tag &&
        !value.anchor) {
        // If indentSeq === false, consider '- ' as part of indentation where possible
        ctx.indent = ctx.indent.substring(2);
    }
    let valueCommentDone = false;
    const valueStr = stringify.stringify(value, ctx, () => (valueCommentDone = true), () => (chompKeep = true));
    let ws = ' ';
    if (keyComment || vsb || vcb) {
        ws = vsb ? '\n' : '';
        if (vcb) {
            const cs = commentString(vcb);
            ws += `\n${stringifyComment.indentComment(cs, ctx.indent)}`;
        }
        if (valueStr === '' && !ctx.inFlow) {
            if (ws === '\n' && valueComment)
                ws = '\n\n';
        }
        else {
            ws += `\n${ctx.indent}`;
        }
    }
    else if (!explicitKey && identity.isCollection(value)) {
        const vs0 = valueStr[0];
        const nl0 = valueStr.indexOf('\n');
        const hasNewline = nl0 !== -1;
        const flow = ctx.inFlow ?? value.flow ?? value.items.length === 0;
        if (hasNewline || !flow) {
            let hasPropsLine = false;
            if (hasNewline && (vs0 === '&' || vs0 === '!')) {
                let sp0 = valueStr.indexOf(' ');
                if (vs0 === '&' &&
                    sp0 !== -1 &&
                    sp0 < nl0 &&
                    valueStr[sp0 + 1] === '!') {
                    sp0 = valueStr.indexOf(' ', sp0 + 1);
                }
                if (sp0 === -1 || nl0 < sp0)
                    hasPropsLine = true;
            }
            if (!hasPropsLine)
                ws = `\n${ctx.indent}`;
        }
    }
    else if (valueStr === '' || valueStr[0] === '\n') {
        ws = '';
    }
    str += ws + valueStr;
    if (ctx.inFlow) {
        if (valueCommentDone && onComment)
            onComment();
    }
    else if (valueComment && !valueCommentDone) {
        str += stringifyComment.lineComment(str, ctx.indent, commentString(valueComment));
    }
    else if (chompKeep && onChompKeep) {
        onChompKeep();
    }
    return str;
}

exports.stringifyPair = stringifyPair;


/***/ }),

/***/ 3069:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);
var foldFlowLines = __nccwpck_require__(4475);

const getFoldOptions = (ctx, isBlock) => ({
    indentAtStart: isBlock ? ctx.indent.length : ctx.indentAtStart,
    lineWidth: ctx.options.lineWidth,
    minContentWidth: ctx.options.minContentWidth
});
// Also checks for lines starting with %, as parsing the output as YAML 1.1 will
// presume that's starting a new document.
const containsDocumentMarker = (str) => /^(%|---|\.\.\.)/m.test(str);
function lineLengthOverLimit(str, lineWidth, indentLength) {
    if (!lineWidth || lineWidth < 0)
        return false;
    const limit = lineWidth - indentLength;
    const strLen = str.length;
    if (strLen <= limit)
        return false;
    for (let i = 0, start = 0; i < strLen; ++i) {
        if (str[i] === '\n') {
            if (i - start > limit)
                return true;
            start = i + 1;
            if (strLen - start <= limit)
                return false;
        }
    }
    return true;
}
function doubleQuotedString(value, ctx) {
    const json = JSON.stringify(value);
    if (ctx.options.doubleQuotedAsJSON)
        return json;
    const { implicitKey } = ctx;
    const minMultiLineLength = ctx.options.doubleQuotedMinMultiLineLength;
    const indent = ctx.indent || (containsDocumentMarker(value) ? '  ' : '');
    let str = '';
    let start = 0;
    for (let i = 0, ch = json[i]; ch; ch = json[++i]) {
        if (ch === ' ' && json[i + 1] === '\\' && json[i + 2] === 'n') {
            // space before newline needs to be escaped to not be folded
            str += json.slice(start, i) + '\\ ';
            i += 1;
            start = i;
            ch = '\\';
        }
        if (ch === '\\')
            switch (json[i + 1]) {
                case 'u':
                    {
                        str += json.slice(start, i);
                        const code = json.substr(i + 2, 4);
                        switch (code) {
                            case '0000':
                                str += '\\0';
                                break;
                            case '0007':
                                str += '\\a';
                                break;
                            case '000b':
                                str += '\\v';
                                break;
                            case '001b':
                                str += '\\e';
                                break;
                            case '0085':
                                str += '\\N';
                                break;
                            case '00a0':
                                str += '\\_';
                                break;
                            case '2028':
                                str += '\\L';
                                break;
                            case '2029':
                                str += '\\P';
                                break;
                            default:
                                if (code.substr(0, 2) === '00')
                                    str += '\\x' + code.substr(2);
                                else
                                    str += json.substr(i, 6);
                        }
                        i += 5;
                        start = i + 1;
                    }
                    break;
                case 'n':
                    if (implicitKey ||
                        json[i + 2] === '"' ||
                        json.length < minMultiLineLength) {
                        i += 1;
                    }
                    else {
                        // folding will eat first newline
                        str += json.slice(start, i) + '\n\n';
                        while (json[i + 2] === '\\' &&
                            json[i + 3] === 'n' &&
                            json[i + 4] !== '"') {
                            str += '\n';
                            i += 2;
                        }
                        str += indent;
                        // space after newline needs to be escaped to not be folded
                        if (json[i + 2] === ' ')
                            str += '\\';
                        i += 1;
                        start = i + 1;
                    }
                    break;
                default:
                    i += 1;
            }
    }
    str = start ? str + json.slice(start) : json;
    return implicitKey
        ? str
        : foldFlowLines.foldFlowLines(str, indent, foldFlowLines.FOLD_QUOTED, getFoldOptions(ctx, false));
}
function singleQuotedString(value, ctx) {
    if (ctx.options.singleQuote === false ||
        (ctx.implicitKey && value.includes('\n')) ||
        /[ \t]\n|\n[ \t]/.test(value) // single quoted string can't have leading or trailing whitespace around newline
    )
        return doubleQuotedString(value, ctx);
    const indent = ctx.indent || (containsDocumentMarker(value) ? '  ' : '');
    const res = "'" + value.replace(/'/g, "''").replace(/\n+/g, `$&\n${indent}`) + "'";
    return ctx.implicitKey
        ? res
        : foldFlowLines.foldFlowLines(res, indent, foldFlowLines.FOLD_FLOW, getFoldOptions(ctx, false));
}
function quotedString(value, ctx) {
    const { singleQuote } = ctx.options;
    let qs;
    if (singleQuote === false)
        qs = doubleQuotedString;
    else {
        const hasDouble = value.includes('"');
        const hasSingle = value.includes("'");
        if (hasDouble && !hasSingle)
            qs = singleQuotedString;
        else if (hasSingle && !hasDouble)
            qs = doubleQuotedString;
        else
            qs = singleQuote ? singleQuotedString : doubleQuotedString;
    }
    return qs(value, ctx);
}
// The negative lookbehind avoids a polynomial search,
// but isn't supported yet on Safari: https://caniuse.com/js-regexp-lookbehind
let blockEndNewlines;
try {
    blockEndNewlines = new RegExp('(^|(?<!\n))\n+(?!\n|$)', 'g');
}
catch {
    blockEndNewlines = /\n+(?!\n|$)/g;
}
function blockString({ comment, type, value }, ctx, onComment, onChompKeep) {
    const { blockQuote, commentString, lineWidth } = ctx.options;
    // 1. Block can't end in whitespace unless the last line is non-empty.
    // 2. Strings consisting of only whitespace are best rendered explicitly.
    if (!blockQuote || /\n[\t ]+$/.test(value)) {
        return quotedString(value, ctx);
    }
    const indent = ctx.indent ||
        (ctx.forceBlockIndent || containsDocumentMarker(value) ? '  ' : '');
    const literal = blockQuote === 'literal'
        ? true
        : blockQuote === 'folded' || type === Scalar.Scalar.BLOCK_FOLDED
            ? false
            : type === Scalar.Scalar.BLOCK_LITERAL
                ? true
                : !lineLengthOverLimit(value, lineWidth, indent.length);
    if (!value)
        return literal ? '|\n' : '>\n';
    // determine chomping from whitespace at value end
    let chomp;
    let endStart;
    for (endStart = value.length; endStart > 0; --endStart) {
        const ch = value[endStart - 1];
        if (ch !== '\n' && ch !== '\t' && ch !== ' ')
            break;
    }
    let end = value.substring(endStart);
    const endNlPos = end.indexOf('\n');
    if (endNlPos === -1) {
        chomp = '-'; // strip
    }
    else if (value === end || endNlPos !== end.length - 1) {
        chomp = '+'; // keep
        if (onChompKeep)
            onChompKeep();
    }
    else {
        chomp = ''; // clip
    }
    if (end) {
        value = value.slice(0, -end.length);
        if (end[end.length - 1] === '\n')
            end = end.slice(0, -1);
        end = end.replace(blockEndNewlines, `$&${indent}`);
    }
    // determine indent indicator from whitespace at value start
    let startWithSpace = false;
    let startEnd;
    let startNlPos = -1;
    for (startEnd = 0; startEnd < value.length; ++startEnd) {
        const ch = value[startEnd];
        if (ch === ' ')
            startWithSpace = true;
        else if (ch === '\n')
            startNlPos = startEnd;
        else
            break;
    }
    let start = value.substring(0, startNlPos < startEnd ? startNlPos + 1 : startEnd);
    if (start) {
        value = value.substring(start.length);
        start = start.replace(/\n+/g, `$&${indent}`);
    }
    const indentSize = indent ? '2' : '1'; // root is at -1
    // Leading | or > is added later
    let header = (startWithSpace ? indentSize : '') + chomp;
    if (comment) {
        header += ' ' + commentString(comment.replace(/ ?[\r\n]+/g, ' '));
        if (onComment)
            onComment();
    }
    if (!literal) {
        const foldedValue = value
            .replace(/\n+/g, '\n$&')
            .replace(/(?:^|\n)([\t ].*)(?:([\n\t ]*)\n(?![\n\t ]))?/g, '$1$2') // more-indented lines aren't folded
            //                ^ more-ind. ^ empty     ^ capture next empty lines only at end of indent
            .replace(/\n+/g, `$&${indent}`);
        let literalFallback = false;
        const foldOptions = getFoldOptions(ctx, true);
        if (blockQuote !== 'folded' && type !== Scalar.Scalar.BLOCK_FOLDED) {
            foldOptions.onOverflow = () => {
                literalFallback = true;
            };
        }
        const body = foldFlowLines.foldFlowLines(`${start}${foldedValue}${end}`, indent, foldFlowLines.FOLD_BLOCK, foldOptions);
        if (!literalFallback)
            return `>${header}\n${indent}${body}`;
    }
    value = value.replace(/\n+/g, `$&${indent}`);
    return `|${header}\n${indent}${start}${value}${end}`;
}
function plainString(item, ctx, onComment, onChompKeep) {
    const { type, value } = item;
    const { actualString, implicitKey, indent, indentStep, inFlow } = ctx;
    if ((implicitKey && value.includes('\n')) ||
        (inFlow && /[[\]{},]/.test(value))) {
        return quotedString(value, ctx);
    }
    if (/^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/.test(value)) {
        // not allowed:
        // - '-' or '?'
        // - start with an indicator character (except [?:-]) or /[?-] /
        // - '\n ', ': ' or ' \n' anywhere
        // - '#' not preceded by a non-space char
        // - end with ' ' or ':'
        return implicitKey || inFlow || !value.includes('\n')
            ? quotedString(value, ctx)
            : blockString(item, ctx, onComment, onChompKeep);
    }
    if (!implicitKey &&
        !inFlow &&
        type !== Scalar.Scalar.PLAIN &&
        value.includes('\n')) {
        // Where allowed & type not set explicitly, prefer block style for multiline strings
        return blockString(item, ctx, onComment, onChompKeep);
    }
    if (containsDocumentMarker(value)) {
        if (indent === '') {
            ctx.forceBlockIndent = true;
            return blockString(item, ctx, onComment, onChompKeep);
        }
        else if (implicitKey && indent === indentStep) {
            return quotedString(value, ctx);
        }
    }
    const str = value.replace(/\n+/g, `$&\n${indent}`);
    // Verify that output will be parsed as a string, as e.g. plain numbers and
    // booleans get parsed with those types in v1.2 (e.g. '42', 'true' & '0.9e-3'),
    // and others in v1.1.
    if (actualString) {
        const test = (tag) => tag.default && tag.tag !== 'tag:yaml.org,2002:str' && tag.test?.test(str);
        const { compat, tags } = ctx.doc.schema;
        if (tags.some(test) || compat?.some(test))
            return quotedString(value, ctx);
    }
    return implicitKey
        ? str
        : foldFlowLines.foldFlowLines(str, indent, foldFlowLines.FOLD_FLOW, getFoldOptions(ctx, false));
}
function stringifyString(item, ctx, onComment, onChompKeep) {
    const { implicitKey, inFlow } = ctx;
    const ss = typeof item.value === 'string'
        ? item
        : Object.assign({}, item, { value: String(item.value) });
    let { type } = item;
    if (type !== Scalar.Scalar.QUOTE_DOUBLE) {
        // force double quotes on control characters & unpaired surrogates
        if (/[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u.test(ss.value))
            type = Scalar.Scalar.QUOTE_DOUBLE;
    }
    const _stringify = (_type) => {
        switch (_type) {
            case Scalar.Scalar.BLOCK_FOLDED:
            case Scalar.Scalar.BLOCK_LITERAL:
                return implicitKey || inFlow
                    ? quotedString(ss.value, ctx) // blocks are not valid inside flow containers
                    : blockString(ss, ctx, onComment, onChompKeep);
            case Scalar.Scalar.QUOTE_DOUBLE:
                return doubleQuotedString(ss.value, ctx);
            case Scalar.Scalar.QUOTE_SINGLE:
                return singleQuotedString(ss.value, ctx);
            case Scalar.Scalar.PLAIN:
                return plainString(ss, ctx, onComment, onChompKeep);
            default:
                return null;
        }
    };
    let res = _stringify(type);
    if (res === null) {
        const { defaultKeyType, defaultStringType } = ctx.options;
        const t = (implicitKey && defaultKeyType) || defaultStringType;
        res = _stringify(t);
        if (res === null)
            throw new Error(`Unsupported default string type ${t}`);
    }
    return res;
}

exports.stringifyString = stringifyString;


/***/ }),

/***/ 204:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);

const BREAK = Symbol('break visit');
const SKIP = Symbol('skip children');
const REMOVE = Symbol('remove node');
/**
 * Apply a visitor to an AST node or document.
 *
 * Walks through the tree (depth-first) starting from `node`, calling a
 * `visitor` function with three arguments:
 *   - `key`: For sequence values and map `Pair`, the node's index in the
 *     collection. Within a `Pair`, `'key'` or `'value'`, correspondingly.
 *     `null` for the root node.
 *   - `node`: The current node.
 *   - `path`: The ancestry of the current node.
 *
 * The return value of the visitor may be used to control the traversal:
 *   - `undefined` (default): Do nothing and continue
 *   - `visit.SKIP`: Do not visit the children of this node, continue with next
 *     sibling
 *   - `visit.BREAK`: Terminate traversal completely
 *   - `visit.REMOVE`: Remove the current node, then continue with the next one
 *   - `Node`: Replace the current node, then continue by visiting it
 *   - `number`: While iterating the items of a sequence or map, set the index
 *     of the next step. This is useful especially if the index of the current
 *     node has changed.
 *
 * If `visitor` is a single function, it will be called with all values
 * encountered in the tree, including e.g. `null` values. Alternatively,
 * separate visitor functions may be defined for each `Map`, `Pair`, `Seq`,
 * `Alias` and `Scalar` node. To define the same visitor function for more than
 * one node type, use the `Collection` (map and seq), `Value` (map, seq & scalar)
 * and `Node` (alias, map, seq & scalar) targets. Of all these, only the most
 * specific defined one will be used for each node.
 */
function visit(node, visitor) {
    const visitor_ = initVisitor(visitor);
    if (identity.isDocument(node)) {
        const cd = visit_(null, node.contents, visitor_, Object.freeze([node]));
        if (cd === REMOVE)
            node.contents = null;
    }
    else
        visit_(null, node, visitor_, Object.freeze([]));
}
// Without the `as symbol` casts, TS declares these in the `visit`
// namespace using `var`, but then complains about that because
// `unique symbol` must be `const`.
/** Terminate visit traversal completely */
visit.BREAK = BREAK;
/** Do not visit the children of the current node */
visit.SKIP = SKIP;
/** Remove the current node */
visit.REMOVE = REMOVE;
function visit_(key, node, visitor, path) {
    const ctrl = callVisitor(key, node, visitor, path);
    if (identity.isNode(ctrl) || identity.isPair(ctrl)) {
        replaceNode(key, path, ctrl);
        return visit_(key, ctrl, visitor, path);
    }
    if (typeof ctrl !== 'symbol') {
        if (identity.isCollection(node)) {
            path = Object.freeze(path.concat(node));
            for (let i = 0; i < node.items.length; ++i) {
                const ci = visit_(i, node.items[i], visitor, path);
                if (typeof ci === 'number')
                    i = ci - 1;
                else if (ci === BREAK)
                    return BREAK;
                else if (ci === REMOVE) {
                    node.items.splice(i, 1);
                    i -= 1;
                }
            }
        }
        else if (identity.isPair(node)) {
            path = Object.freeze(path.concat(node));
            const ck = visit_('key', node.key, visitor, path);
            if (ck === BREAK)
                return BREAK;
            else if (ck === REMOVE)
                node.key = null;
            const cv = visit_('value', node.value, visitor, path);
            if (cv === BREAK)
                return BREAK;
            else if (cv === REMOVE)
                node.value = null;
        }
    }
    return ctrl;
}
/**
 * Apply an async visitor to an AST node or document.
 *
 * Walks through the tree (depth-first) starting from `node`, calling a
 * `visitor` function with three arguments:
 *   - `key`: For sequence values and map `Pair`, the node's index in the
 *     collection. Within a `Pair`, `'key'` or `'value'`, correspondingly.
 *     `null` for the root node.
 *   - `node`: The current node.
 *   - `path`: The ancestry of the current node.
 *
 * The return value of the visitor may be used to control the traversal:
 *   - `Promise`: Must resolve to one of the following values
 *   - `undefined` (default): Do nothing and continue
 *   - `visit.SKIP`: Do not visit the children of this node, continue with next
 *     sibling
 *   - `visit.BREAK`: Terminate traversal completely
 *   - `visit.REMOVE`: Remove the current node, then continue with the next one
 *   - `Node`: Replace the current node, then continue by visiting it
 *   - `number`: While iterating the items of a sequence or map, set the index
 *     of the next step. This is useful especially if the index of the current
 *     node has changed.
 *
 * If `visitor` is a single function, it will be called with all values
 * encountered in the tree, including e.g. `null` values. Alternatively,
 * separate visitor functions may be defined for each `Map`, `Pair`, `Seq`,
 * `Alias` and `Scalar` node. To define the same visitor function for more than
 * one node type, use the `Collection` (map and seq), `Value` (map, seq & scalar)
 * and `Node` (alias, map, seq & scalar) targets. Of all these, only the most
 * specific defined one will be used for each node.
 */
async function visitAsync(node, visitor) {
    const visitor_ = initVisitor(visitor);
    if (identity.isDocument(node)) {
        const cd = await visitAsync_(null, node.contents, visitor_, Object.freeze([node]));
        if (cd === REMOVE)
            node.contents = null;
    }
    else
        await visitAsync_(null, node, visitor_, Object.freeze([]));
}
// Without the `as symbol` casts, TS declares these in the `visit`
// namespace using `var`, but then complains about that because
// `unique symbol` must be `const`.
/** Terminate visit traversal completely */
visitAsync.BREAK = BREAK;
/** Do not visit the children of the current node */
visitAsync.SKIP = SKIP;
/** Remove the current node */
visitAsync.REMOVE = REMOVE;
async function visitAsync_(key, node, visitor, path) {
    const ctrl = await callVisitor(key, node, visitor, path);
    if (identity.isNode(ctrl) || identity.isPair(ctrl)) {
        replaceNode(key, path, ctrl);
        return visitAsync_(key, ctrl, visitor, path);
    }
    if (typeof ctrl !== 'symbol') {
        if (identity.isCollection(node)) {
            path = Object.freeze(path.concat(node));
            for (let i = 0; i < node.items.length; ++i) {
                const ci = await visitAsync_(i, node.items[i], visitor, path);
                if (typeof ci === 'number')
                    i = ci - 1;
                else if (ci === BREAK)
                    return BREAK;
                else if (ci === REMOVE) {
                    node.items.splice(i, 1);
                    i -= 1;
                }
            }
        }
        else if (identity.isPair(node)) {
            path = Object.freeze(path.concat(node));
            const ck = await visitAsync_('key', node.key, visitor, path);
            if (ck === BREAK)
                return BREAK;
            else if (ck === REMOVE)
                node.key = null;
            const cv = await visitAsync_('value', node.value, visitor, path);
            if (cv === BREAK)
                return BREAK;
            else if (cv === REMOVE)
                node.value = null;
        }
    }
    return ctrl;
}
function initVisitor(visitor) {
    if (typeof visitor === 'object' &&
        (visitor.Collection || visitor.Node || visitor.Value)) {
        return Object.assign({
            Alias: visitor.Node,
            Map: visitor.Node,
            Scalar: visitor.Node,
            Seq: visitor.Node
        }, visitor.Value && {
            Map: visitor.Value,
            Scalar: visitor.Value,
            Seq: visitor.Value
        }, visitor.Collection && {
            Map: visitor.Collection,
            Seq: visitor.Collection
        }, visitor);
    }
    return visitor;
}
function callVisitor(key, node, visitor, path) {
    if (typeof visitor === 'function')
        return visitor(key, node, path);
    if (identity.isMap(node))
        return visitor.Map?.(key, node, path);
    if (identity.isSeq(node))
        return visitor.Seq?.(key, node, path);
    if (identity.isPair(node))
        return visitor.Pair?.(key, node, path);
    if (identity.isScalar(node))
        return visitor.Scalar?.(key, node, path);
    if (identity.isAlias(node))
        return visitor.Alias?.(key, node, path);
    return undefined;
}
function replaceNode(key, path, node) {
    const parent = path[path.length - 1];
    if (identity.isCollection(parent)) {
        parent.items[key] = node;
    }
    else if (identity.isPair(parent)) {
        if (key === 'key')
            parent.key = node;
        else
            parent.value = node;
    }
    else if (identity.isDocument(parent)) {
        parent.contents = node;
    }
    else {
        const pt = identity.isAlias(parent) ? 'alias' : 'scalar';
        throw new Error(`Cannot replace node with ${pt} parent`);
    }
}

exports.visit = visit;
exports.visitAsync = visitAsync;


/***/ }),

/***/ 3052:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  w5: () => (/* binding */ describeSetting),
  py: () => (/* binding */ diffKongConf),
  g3: () => (/* binding */ maskSecretSettings),
  KQ: () => (/* reexport */ parseKongConfDefault),
  ET: () => (/* binding */ parseUserKongConf)
});

// UNUSED EXPORTS: KONG_CONF_INPUT, isSecretSetting

// EXTERNAL MODULE: ./build/lib/errors.js
var errors = __nccwpck_require__(1469);
;// CONCATENATED MODULE: ./build/changelog/kong-conf-default.js
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
const PROPERTY_START = /^#([a-z_][a-z0-9_]*)\s*=(.*)$/;
// The description starts at the first `#` that opens the rest or follows whitespace. The
// regex suggested in facts §A.4 lets a lazy value swallow the description of an empty
// default (`#node_id =   # Node ID…`), so the split is done by hand.
const DESCRIPTION = /(?:^|\s)#/;
function parseKongConfDefault(text) {
    const defaults = new Map();
    for (const line of text.split(/\r?\n/)) {
        const match = PROPERTY_START.exec(line);
        if (!match)
            continue;
        const rest = match[2];
        const description = DESCRIPTION.exec(rest);
        defaults.set(match[1], (description ? rest.slice(0, description.index) : rest).trim());
    }
    return defaults;
}

;// CONCATENATED MODULE: ./build/changelog/kong-conf.js


/** The input name errors about a user's kong.conf point at. */
const KONG_CONF_INPUT = 'kong-conf';
const SETTING = /^([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/;
// Kong strips an inline comment from each value: an unescaped `#` and everything after it,
// with the whitespace before it, then turns `\#` into `#` (kong/conf_loader/init.lua,
// load_config → strip_comments, regex `\s*(?<!\\)#.*$`). So `a#b` reads as `a`, too.
const INLINE_COMMENT = /\s*(?<!\\)#.*$/;
/**
 * Parses a kong.conf the way Kong reads it (pl.config with `smart = false`, then the comment
 * stripping above): blank lines and lines starting with `#` are skipped, a later setting of the
 * same key wins. Penlight would silently keep a line that is not `key = value`; such a line is
 * almost always a typo, so it is an error here, naming the line.
 */
function parseUserKongConf(text, input = KONG_CONF_INPUT) {
    const settings = new Map();
    text.split(/\r?\n/).forEach((raw, index) => {
        const line = raw.trim();
        if (line === '' || line.startsWith('#'))
            return;
        const match = SETTING.exec(line);
        if (!match) {
            // Only the leading name is quoted: the rest may be a secret (`pg_password: s3cret`), and
            // the conf is parsed before any of its values could be masked.
            const name = /^[A-Za-z0-9_.-]*/.exec(line)[0];
            throw (0,errors/* inputError */.Xu)(input, `line ${index + 1} is not \`key = value\` or a \`#\` comment${name ? ` (it begins "${name.slice(0, 60)}")` : ''}; the rest of the line is not shown, as a kong.conf holds passwords`);
        }
        const value = match[2].replace(INLINE_COMMENT, '').replaceAll('\\#', '#').trim();
        settings.set(match[1], { value, line: index + 1 });
    });
    return settings;
}
// Names whose values are secrets or key material (`pg_password`, `cassandra_password`,
// `vault_hcv_token`, `ssl_cert_key`, `admin_gui_auth_conf` with its client secret, inline PEM
// certificates), matched as `_`-separated words, with or without the KONG_ prefix of their
// environment variable. Too wide is harmless: a value not quoted.
const SECRET_WORDS = /(?:^|_)(?:password|passwd|secret|token|key|keys|cert|certificate|credential|credentials|private|license_data|auth_conf|session_conf)(?:_|$)/;
// What Kong itself hides beyond those words (Kong/kong 3.4.2, kong/conf_loader/init.lua,
// CONF_SENSITIVE): a proxy URL may hold credentials, a declarative config any secret.
const KONG_SENSITIVE = new Set(['proxy_server', 'declarative_config_string']);
/** A setting whose value is never quoted in a finding, a log or the plan, and is masked when read. */
function isSecretSetting(name) {
    const key = name.toLowerCase().replace(/^kong_/, '');
    return SECRET_WORDS.test(key) || KONG_SENSITIVE.has(key);
}
/** `name = value` for a finding, or the name alone when the value is a secret. */
function describeSetting(name, setting) {
    return isSecretSetting(name) ? `\`${name}\` (its value is not shown: a secret or key setting)` : `\`${name} = ${setting.value}\``;
}
/** Masks (through `mask`) the value of every secret setting of a user's kong.conf. */
function maskSecretSettings(conf, mask) {
    for (const [name, setting] of conf)
        if (setting.value !== '' && isSecretSetting(name))
            mask(setting.value);
}
/** What changed from the defaults of `a` to those of `b`, each list in its file's order. */
function diffKongConf(a, b) {
    const added = [...b].filter(([name]) => !a.has(name)).map(([name, value]) => ({ name, default: value }));
    const removed = [...a].filter(([name]) => !b.has(name)).map(([name, value]) => ({ name, default: value }));
    const defaultChanged = [...b].flatMap(([name, to]) => {
        const from = a.get(name);
        return from === undefined || from === to ? [] : [{ name, from, to }];
    });
    return { added, removed, defaultChanged };
}


/***/ }),

/***/ 246:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   V1: () => (/* binding */ readPlanRequest)
/* harmony export */ });
/* unused harmony exports EDITIONS, DEPLOYMENTS, DATABASES */
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(1455);
/* harmony import */ var _lib_errors_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(1469);
/* harmony import */ var _lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(2307);
/* harmony import */ var _kong_conf_js__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(3052);
/* harmony import */ var _lib_shared_inputs_js__WEBPACK_IMPORTED_MODULE_4__ = __nccwpck_require__(4469);





/**
 * What a plan is asked for, read from the action's inputs or the CLI's flags through the same
 * function, so both validate alike and before anything is fetched.
 */
const EDITIONS = ['auto', 'oss', 'enterprise'];
const DEPLOYMENTS = ['traditional', 'hybrid', 'db-less'];
const DATABASES = ['postgres', 'cassandra'];
async function readPlanRequest(source) {
    const admin = (0,_lib_shared_inputs_js__WEBPACK_IMPORTED_MODULE_4__/* .readAdminInputs */ .xA)(source);
    const from = (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readString */ .E3)(source, 'from');
    if (from === undefined && admin === undefined) {
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)('from', 'is required unless admin-url is given (then the running version is read from the Admin API)');
    }
    const to = (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readString */ .E3)(source, 'to');
    if (to === undefined)
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)('to', 'is required: a version (3.4.2, 3.10.0.2), a release line (3.10) or "latest"');
    const request = {
        from,
        to,
        edition: (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readEnum */ .ai)(source, 'edition', EDITIONS, 'auto'),
        deployment: (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readEnum */ .ai)(source, 'deployment', DEPLOYMENTS, 'traditional'),
        database: (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readEnum */ .ai)(source, 'database', DATABASES, 'postgres'),
        offline: (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readBoolean */ .Vf)(source, 'offline', false),
        github: {
            token: (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readSecret */ .n5)(source, 'github-token'),
            apiUrl: (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readHttpUrl */ .y7)(source, 'github-api-url') ?? 'https://api.github.com',
        },
        cacheDir: (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readString */ .E3)(source, 'cache-dir'),
        admin,
        db: (0,_lib_shared_inputs_js__WEBPACK_IMPORTED_MODULE_4__/* .readDatabaseInputs */ .ZU)(source),
    };
    // Files last: every value is validated before anything is read from disk.
    const [changelogFile, kongConf, nginxTemplate, declarativeConfigs] = await Promise.all([
        readGivenFile(source, 'changelog-file'),
        readGivenFile(source, 'kong-conf'),
        readGivenFile(source, 'nginx-template'),
        Promise.all((0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readList */ .LD)(source, 'declarative-config').map((path) => loadFile('declarative-config', path))),
    ]);
    // Its passwords and keys are masked before anything could print them (a finding names the key only).
    if (kongConf !== undefined)
        (0,_kong_conf_js__WEBPACK_IMPORTED_MODULE_3__/* .maskSecretSettings */ .g3)((0,_kong_conf_js__WEBPACK_IMPORTED_MODULE_3__/* .parseUserKongConf */ .ET)(kongConf.text, 'kong-conf'), (secret) => (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .maskSecret */ .$l)(source, secret));
    return { ...request, changelogFile, kongConf, nginxTemplate, declarativeConfigs };
}
async function readGivenFile(source, input) {
    const path = (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readString */ .E3)(source, input);
    return path === undefined ? undefined : loadFile(input, path);
}
async function loadFile(input, path) {
    try {
        return { input, path, text: await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.readFile)(path, 'utf8') };
    }
    catch (error) {
        const code = error.code;
        const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : error.message;
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)(input, `cannot read "${path}": ${reason}`, error);
    }
}


/***/ }),

/***/ 6790:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   G: () => (/* binding */ PLAN_SCHEMA),
/* harmony export */   S: () => (/* binding */ serializePlan)
/* harmony export */ });
/**
 * The plan: `kong-upgrade/plan@1`, written by fetch-changelog (`plan-json`) and printed by
 * `kong-upgrade plan --format json`. Scripts and later actions read it, so fields are only
 * ever added; renaming or removing one needs a new schema version. Documented in
 * actions/fetch-changelog/README.md.
 */
const PLAN_SCHEMA = 'kong-upgrade/plan@1';
/**
 * The plan as JSON for the file and `--format json`: every documented field is present, an
 * unknown value written as null rather than left out, so scripts can rely on the keys.
 */
function serializePlan(plan) {
    return `${JSON.stringify(plan, (_key, value) => (value === undefined ? null : value), 2)}\n`;
}


/***/ }),

/***/ 9778:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  G: () => (/* binding */ buildPlan)
});

// UNUSED EXPORTS: BUILT_IN_DATA_DATE

// EXTERNAL MODULE: ./build/lib/errors.js
var errors = __nccwpck_require__(1469);
// EXTERNAL MODULE: ./build/database/postgres/server-version.js
var server_version = __nccwpck_require__(5306);
;// CONCATENATED MODULE: ./build/lib/http.js


// undici is loaded on first use: most runs (a plan, a backup) never need it, and it is a large
// part of a bundle whose start-up time every step pays.
const loadUndici = () => __nccwpck_require__.e(/* import() */ 752).then(__nccwpck_require__.t.bind(__nccwpck_require__, 1990, 19));
/**
 * No answer this suite reads comes near it (an Admin API page of 1,000 entities, Kong's
 * CHANGELOG.md); without a cap, one endless or huge body held memory without bound (1 GiB took
 * 3.2 GiB). The body is counted as it arrives and the request dropped past the cap.
 */
const DEFAULT_MAX_BODY_BYTES = 64 << 20;
async function httpRequest(request, step = 'HTTP request') {
    const started = performance.now();
    // fetch drops a Host header (a forbidden header name in the Fetch standard), but a proxy check
    // must choose the route by host, as clients of Kong's proxy do: undici's request sends it as given.
    if (request.headers !== undefined && Object.keys(request.headers).some((name) => name.toLowerCase() === 'host')) {
        return requestWithHost(request, step, started);
    }
    try {
        const response = await fetch(request.url, {
            method: request.method ?? 'GET',
            headers: request.headers,
            body: request.body,
            signal: AbortSignal.timeout(request.timeoutMs ?? 10_000),
            redirect: 'manual',
        });
        const body = response.body === null ? '' : await readCapped(response.body, request, step);
        return { status: response.status, headers: response.headers, body, elapsedMs: performance.now() - started };
    }
    catch (error) {
        if (error instanceof errors/* UpgradeError */.fy)
            throw error;
        const reason = error.name === 'TimeoutError' ? 'timed out' : transportReason(error);
        throw (0,errors/* stepError */.hH)(step, `${request.method ?? 'GET'} ${request.url} failed: ${reason}`, error);
    }
}
async function requestWithHost(request, step, started) {
    const timeoutMs = request.timeoutMs ?? 10_000;
    try {
        const { request: undiciRequest } = await loadUndici();
        const response = await undiciRequest(request.url, {
            method: (request.method ?? 'GET'),
            headers: request.headers,
            body: request.body,
            headersTimeout: timeoutMs,
            bodyTimeout: timeoutMs,
            signal: AbortSignal.timeout(timeoutMs),
        });
        const body = await readCapped(response.body, request, step);
        const headers = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
            if (value === undefined)
                continue;
            for (const item of Array.isArray(value) ? value : [value])
                headers.append(name, item);
        }
        return { status: response.statusCode, headers, body, elapsedMs: performance.now() - started };
    }
    catch (error) {
        if (error instanceof errors/* UpgradeError */.fy)
            throw error;
        const kind = transportErrorKind(error);
        const reason = kind === 'timeout' ? 'timed out' : transportReason(error);
        throw (0,errors/* stepError */.hH)(step, `${request.method ?? 'GET'} ${request.url} failed: ${reason}`, error);
    }
}
/**
 * Reads a body to the end as UTF-8, failing once it passes the cap: leaving the loop by the throw
 * cancels the stream (fetch) or destroys it (undici), so the rest is never read.
 */
async function readCapped(body, request, step) {
    const limit = request.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    const chunks = [];
    let size = 0;
    for await (const chunk of body) {
        size += chunk.byteLength;
        if (size > limit) {
            throw (0,errors/* stepError */.hH)(step, `${request.method ?? 'GET'} ${request.url}: the answer is larger than ${limit} bytes, more than any answer this step reads; not read further`);
        }
        chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
}
function transportErrorKind(error) {
    const codes = [];
    const names = [];
    for (let current = error, depth = 0; current && depth < 4; depth++) {
        if (typeof current.code === 'string')
            codes.push(current.code);
        if (typeof current.name === 'string')
            names.push(current.name);
        current = current.cause;
    }
    if (codes.includes('ECONNREFUSED'))
        return 'refused';
    if (names.includes('TimeoutError') || codes.some((code) => /TIMEOUT|ETIMEDOUT/.test(code)))
        return 'timeout';
    // UND_ERR_SOCKET is undici's "other side closed": the peer closed the connection mid-request.
    if (codes.some((code) => ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED'].includes(code)))
        return 'reset';
    return 'other';
}
/**
 * A keep-alive connection pool to one origin (undici's Pool) for load measurement: at most
 * `connections` sockets, one request in flight on each, every request bounded by `timeoutMs`.
 * The body is read to the end, so latency covers the whole answer as a client sees it.
 */
async function createHttpPool(origin, options) {
    const { Pool } = await loadUndici();
    const pool = new Pool(origin, {
        connections: options.connections,
        pipelining: 1,
        connectTimeout: options.timeoutMs,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
    });
    return {
        async send(request) {
            const started = performance.now();
            try {
                const response = await pool.request({
                    method: request.method,
                    path: request.path,
                    headers: request.headers,
                    body: request.body,
                    signal: AbortSignal.timeout(options.timeoutMs),
                });
                await response.body.dump({ limit: Number.MAX_SAFE_INTEGER });
                return { kind: 'response', status: response.statusCode, elapsedMs: performance.now() - started };
            }
            catch (error) {
                const code = error.code ?? error.name ?? 'error';
                return { kind: 'transport-error', error: transportErrorKind(error), code, elapsedMs: performance.now() - started };
            }
        },
        async close() {
            await pool.destroy();
        },
    };
}
function transportReason(error) {
    const cause = error.cause;
    return cause?.code ?? cause?.message ?? error.message;
}
async function httpJson(request, step = 'HTTP request') {
    const response = await httpRequest(request, step);
    if (response.status < 200 || response.status >= 300) {
        throw stepError(step, `${request.method ?? 'GET'} ${request.url} answered ${response.status}: ${quoteRemote(response.body)}`);
    }
    try {
        return JSON.parse(response.body);
    }
    catch (error) {
        throw stepError(step, `${request.url} did not answer JSON`, error);
    }
}

// EXTERNAL MODULE: ./build/lib/log-text.js
var log_text = __nccwpck_require__(2180);
;// CONCATENATED MODULE: ./build/kong/admin-api.js



/**
 * A small client for Kong's Admin API, shared by the plan (impact analysis), smoke-test,
 * backup-db's export and promote. Shapes from ../shared/kong-facts/changelog-and-admin-api.md
 * Part B: collections answer `{data, next}` with `next` a relative path and `null` on the last
 * page (kong/api/endpoints.lua); `size` is at most 1000; the RBAC header is `Kong-Admin-Token`.
 */
const MAX_PAGE_SIZE = 1000;
/**
 * Pages one collection may take: 10,000 pages of 1,000 is ten million entities of one type in
 * one workspace, far past any deployment; a server whose `next` never ends stops here.
 */
const MAX_PAGES = 10_000;
/**
 * `step` names the failures (`Admin API`, `Kong upstream` …); the target's `input` is blamed
 * when the server does not answer like a Kong Admin API at all.
 */
function createAdminClient(target, timeoutMs = 10_000, step = 'Admin API') {
    const headers = { accept: 'application/json' };
    if (target.token !== undefined)
        headers['Kong-Admin-Token'] = target.token;
    const notKong = (detail) => target.input === undefined ? (0,errors/* stepError */.hH)(step, detail) : (0,errors/* inputError */.Xu)(target.input, `${detail}; is ${target.url} a Kong Admin API?`);
    async function getJson(path) {
        const url = `${target.url}${path}`;
        const response = await httpRequest({ url, headers, timeoutMs }, step);
        if (response.status !== 200) {
            throw (0,errors/* stepError */.hH)(step, `GET ${url} answered ${response.status}: ${kongMessage(response.body)}`);
        }
        try {
            return JSON.parse(response.body);
        }
        catch {
            throw notKong(`GET ${url} did not answer JSON`);
        }
    }
    /**
     * The one paging loop. Guards: every page must be `{data: [...], next}`, `next` a path on this
     * Admin API (a full URL would carry the token elsewhere), never one seen before, never after an
     * empty page, and at most MAX_PAGES of them.
     */
    async function forEachPage(path, workspace, onPage) {
        const prefix = workspace === undefined ? '' : `/${encodeURIComponent(workspace)}`;
        const separator = path.includes('?') ? '&' : '?';
        let next = `${prefix}${path}${separator}size=${MAX_PAGE_SIZE}`;
        const seen = new Set();
        let requests = 0;
        while (next !== null) {
            if (requests >= MAX_PAGES)
                throw (0,errors/* stepError */.hH)(step, `GET ${target.url}${prefix}${path}: still paging after ${MAX_PAGES} pages; stopped`);
            seen.add(next);
            const url = `${target.url}${next}`;
            const page = await getJson(next);
            requests++;
            const data = page?.data;
            const link = page?.next;
            if (!Array.isArray(data))
                throw notKong(`GET ${url} did not answer a collection ({"data": [...], "next": ...})`);
            if (link !== null && link !== undefined && typeof link !== 'string')
                throw notKong(`GET ${url} answered a "next" that is not a path`);
            onPage(data);
            if (typeof link !== 'string')
                break;
            // Before 3.1 `next` drops `size` (facts B.4). Whether Enterprise prefixes `next` with the
            // workspace is not documented, so accept both forms.
            if (!link.startsWith('/') || link.startsWith('//'))
                throw (0,errors/* stepError */.hH)(step, `GET ${url} answered a "next" that is not a path on this Admin API: ${(0,log_text/* quoteRemote */.Pj)(link)}`);
            if (data.length === 0)
                throw (0,errors/* stepError */.hH)(step, `GET ${url} answered an empty page with a "next" page: it would never end`);
            next = withSize(withPrefix(link, prefix));
            if (seen.has(next))
                throw (0,errors/* stepError */.hH)(step, `GET ${url} answered a "next" page already read (${(0,log_text/* quoteRemote */.Pj)(link)}): it would never end`);
        }
        return requests;
    }
    async function listAll(path, workspace) {
        const items = [];
        await forEachPage(path, workspace, (page) => {
            for (const item of page)
                items.push(item);
        });
        return items;
    }
    async function get(path) {
        return httpRequest({ url: `${target.url}${path}`, headers, timeoutMs }, step);
    }
    async function send(method, path, body) {
        const request = body === undefined
            ? { method, url: `${target.url}${path}`, headers, timeoutMs }
            : { method, url: `${target.url}${path}`, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body), timeoutMs };
        return httpRequest(request, step);
    }
    return { target, getJson, listAll, forEachPage, get, send };
}
function withPrefix(path, prefix) {
    return prefix === '' || path.startsWith(`${prefix}/`) ? path : `${prefix}${path}`;
}
function withSize(path) {
    return /[?&]size=/.test(path) ? path : `${path}${path.includes('?') ? '&' : '?'}size=${MAX_PAGE_SIZE}`;
}
/** Kong's error bodies are `{"message": …}`: that message, else the start of the body; quoted and escaped. */
function kongMessage(body) {
    try {
        const parsed = JSON.parse(body);
        if (typeof parsed.message === 'string')
            return (0,log_text/* quoteRemote */.Pj)(parsed.message);
    }
    catch {
        // not JSON: fall through to the raw text
    }
    return (0,log_text/* quoteRemote */.Pj)(body);
}

;// CONCATENATED MODULE: ./build/version/catalog-data.js
// Generated by scripts/gen-catalog.mjs from the files of scripts/kong-data.manifest.json; do not edit by hand.
// OSS: Kong/kong CHANGELOG.md and CHANGELOG-OLD.md headings (22246ef2), plus the release tags
// those files lack (kong-facts changelog-and-admin-api.md).
// Enterprise: developer.konghq.com app/_data/changelogs/gateway.json keys and
// app/_data/products/gateway.yml release_dates (bc1cd742).
const OSS_RELEASES = [
    ['0.0.1alpha-1', '2015-02-25'],
    ['0.1.0beta-3', '2015-03-25'],
    ['0.1.1beta-2', '2015-03-30'],
    ['0.2.0-2', '2015-04-27'],
    ['0.2.1', '2015-05-12'],
    ['0.3.0', '2015-06-04'],
    ['0.3.1', '2015-06-07'],
    ['0.3.2', '2015-06-08'],
    ['0.4.0', '2015-07-15'],
    ['0.4.1', '2015-07-23'],
    ['0.4.2', '2015-08-10'],
    ['0.5.0', '2015-09-25'],
    ['0.5.1', '2015-10-13'],
    ['0.5.2', '2015-10-21'],
    ['0.5.3', '2015-11-16'],
    ['0.5.4', '2015-12-03'],
    ['0.5.5'],
    ['0.6.0', '2016-01-22'],
    ['0.6.1', '2016-02-03'],
    ['0.7.0', '2016-02-24'],
    ['0.8.0', '2016-04-18'],
    ['0.8.1', '2016-04-27'],
    ['0.8.2', '2016-05-25'],
    ['0.8.3', '2016-06-01'],
    ['0.9.0', '2016-08-18'],
    ['0.9.1', '2016-09-02'],
    ['0.9.2', '2016-09-20'],
    ['0.9.3', '2016-10-07'],
    ['0.9.4', '2016-11-02'],
    ['0.9.5', '2016-11-07'],
    ['0.9.6', '2016-11-29'],
    ['0.9.7', '2016-12-21'],
    ['0.9.8', '2017-01-19'],
    ['0.9.9', '2017-02-02'],
    ['0.10.0', '2017-03-07'],
    ['0.10.1', '2017-03-27'],
    ['0.10.2', '2017-05-01'],
    ['0.10.3', '2017-05-24'],
    ['0.10.4', '2017-10-24'],
    ['0.11.0', '2017-08-16'],
    ['0.11.1', '2017-10-24'],
    ['0.11.2', '2017-11-29'],
    ['0.12.0', '2018-01-16'],
    ['0.12.1', '2018-01-18'],
    ['0.12.2', '2018-02-28'],
    ['0.12.3', '2018-03-12'],
    ['0.13.0', '2018-03-22'],
    ['0.13.1', '2018-04-23'],
    ['0.14.0', '2018-07-05'],
    ['0.14.1'],
    ['0.15.0'],
    ['1.0.0'],
    ['1.0.1'],
    ['1.0.2'],
    ['1.0.3'],
    ['1.0.4'],
    ['1.1.0'],
    ['1.1.1'],
    ['1.1.2'],
    ['1.1.3'],
    ['1.2.0'],
    ['1.2.1'],
    ['1.2.2'],
    ['1.2.3'],
    ['1.3.0'],
    ['1.3.1'],
    ['1.4.0'],
    ['1.4.1', '2019-12-03'],
    ['1.4.2', '2019-12-10'],
    ['1.4.3', '2020-01-09'],
    ['1.5.0', '2020-01-20'],
    ['1.5.1', '2020-02-19'],
    ['2.0.0', '2020-01-20'],
    ['2.0.1', '2020-02-04'],
    ['2.0.2', '2020-02-27'],
    ['2.0.3', '2020-04-06'],
    ['2.0.4', '2020-04-22'],
    ['2.0.5', '2020-06-30'],
    ['2.1.0', '2020-07-16'],
    ['2.1.1', '2020-08-05'],
    ['2.1.2', '2020-08-13'],
    ['2.1.3', '2020-08-19'],
    ['2.1.4', '2020-09-18'],
    ['2.2.0', '2020-10-23'],
    ['2.2.1', '2020-12-01'],
    ['2.2.2', '2021-03-01'],
    ['2.3.0', '2021-01-08'],
    ['2.3.1', '2021-01-26'],
    ['2.3.2', '2021-02-09'],
    ['2.3.3', '2021-03-05'],
    ['2.3.4'],
    ['2.4.0', '2021-04-06'],
    ['2.4.1', '2021-05-11'],
    ['2.4.2'],
    ['2.5.0'],
    ['2.5.1'],
    ['2.5.2'],
    ['2.6.0'],
    ['2.6.1'],
    ['2.7.0'],
    ['2.7.1'],
    ['2.7.2'],
    ['2.8.0'],
    ['2.8.1'],
    ['2.8.2'],
    ['2.8.3'],
    ['2.8.4'],
    ['2.8.5'],
    ['3.0.0', '2022-09-12'],
    ['3.0.1'],
    ['3.0.2'],
    ['3.1.0'],
    ['3.1.1'],
    ['3.2.0'],
    ['3.2.1'],
    ['3.2.2'],
    ['3.3.0'],
    ['3.3.1'],
    ['3.4.0'],
    ['3.4.1'],
    ['3.4.2'],
    ['3.5.0'],
    ['3.6.0'],
    ['3.6.1'],
    ['3.7.0'],
    ['3.7.1'],
    ['3.8.0'],
    ['3.8.1'],
    ['3.9.0'],
    ['3.9.1'],
    ['3.9.2'],
    ['3.9.3'],
];
/** OSS releases tagged in Kong/kong without a heading in master's changelogs. */
const OSS_TAGS_NOT_IN_CHANGELOG = (/* unused pure expression or super */ null && (['0.5.5', '1.0.4', '1.1.3', '1.2.3', '1.3.1', '2.3.4', '2.4.2', '2.5.2', '2.6.1', '2.7.2', '3.0.2', '3.1.1', '3.2.1', '3.2.2', '3.3.1']));
const ENTERPRISE_RELEASES = [
    ['2.8.0.0', '2022-03-02'],
    ['2.8.1.0', '2022-04-07'],
    ['2.8.1.1', '2022-05-27'],
    ['2.8.1.2', '2022-07-15'],
    ['2.8.1.3', '2022-08-05'],
    ['2.8.1.4', '2022-08-23'],
    ['2.8.2.0', '2022-10-12'],
    ['2.8.2.1', '2022-11-21'],
    ['2.8.2.2', '2022-12-01'],
    ['2.8.2.3', '2023-01-06'],
    ['2.8.2.4', '2023-01-23'],
    ['2.8.4.0', '2023-03-28'],
    ['2.8.4.1', '2023-05-25'],
    ['2.8.4.2', '2023-07-07'],
    ['2.8.4.3', '2023-09-18'],
    ['2.8.4.4', '2023-10-12'],
    ['2.8.4.5', '2023-11-28'],
    ['2.8.4.6', '2024-01-17'],
    ['2.8.4.7', '2024-02-08'],
    ['2.8.4.8', '2024-03-26'],
    ['2.8.4.9', '2024-04-19'],
    ['2.8.4.10', '2024-06-18'],
    ['2.8.4.11', '2024-06-22'],
    ['2.8.4.12', '2024-07-29'],
    ['2.8.4.13', '2024-09-20'],
    ['2.8.4.14', '2025-04-14'],
    ['3.0.0.0', '2022-09-09'],
    ['3.0.1.0', '2022-11-02'],
    ['3.1.0.0', '2022-12-06'],
    ['3.1.1.2', '2023-01-24'],
    ['3.1.1.3', '2023-01-30'],
    ['3.1.1.4', '2023-05-16'],
    ['3.1.1.5', '2023-08-25'],
    ['3.1.1.6', '2023-10-12'],
    ['3.2.1.0', '2023-02-28'],
    ['3.2.2.0', '2023-03-22'],
    ['3.2.2.1', '2023-04-03'],
    ['3.2.2.2', '2023-05-19'],
    ['3.2.2.3', '2023-06-07'],
    ['3.2.2.4', '2023-09-15'],
    ['3.2.2.5', '2023-10-12'],
    ['3.3.0.0', '2023-05-19'],
    ['3.3.1.0', '2023-07-03'],
    ['3.3.1.1', '2023-10-12'],
    ['3.4.0.0', '2023-08-09'],
    ['3.4.1.0', '2023-09-28'],
    ['3.4.1.1', '2023-10-12'],
    ['3.4.2.0', '2023-11-10'],
    ['3.4.3.1', '2023-12-15'],
    ['3.4.3.2', '2023-12-22'],
    ['3.4.3.3', '2024-01-17'],
    ['3.4.3.4', '2024-02-10'],
    ['3.4.3.5', '2024-03-21'],
    ['3.4.3.6', '2024-04-15'],
    ['3.4.3.7', '2024-04-23'],
    ['3.4.3.8', '2024-05-16'],
    ['3.4.3.9', '2024-06-08'],
    ['3.4.3.10', '2024-06-18'],
    ['3.4.3.11', '2024-06-22'],
    ['3.4.3.12', '2024-08-08'],
    ['3.4.3.13', '2024-11-15'],
    ['3.4.3.14', '2024-12-17'],
    ['3.4.3.15', '2025-01-10'],
    ['3.4.3.16', '2025-01-16'],
    ['3.4.3.17', '2025-03-26'],
    ['3.4.3.18', '2025-04-29'],
    ['3.4.3.19', '2025-06-10'],
    ['3.4.3.20', '2025-06-25'],
    ['3.4.3.21', '2025-09-05'],
    ['3.4.3.22', '2025-11-24'],
    ['3.4.3.23', '2026-01-07'],
    ['3.4.3.24', '2026-03-11'],
    ['3.4.3.25', '2026-04-09'],
    ['3.4.3.26', '2026-05-11'],
    ['3.4.3.27', '2026-05-28'],
    ['3.4.3.28', '2026-06-11'],
    ['3.4.3.29', '2026-08-10'],
    ['3.5.0.0', '2023-11-08'],
    ['3.5.0.1', '2023-11-14'],
    ['3.5.0.2', '2023-12-21'],
    ['3.5.0.3', '2024-01-26'],
    ['3.5.0.4', '2024-05-20'],
    ['3.5.0.5', '2024-06-18'],
    ['3.5.0.6', '2024-06-22'],
    ['3.5.0.7', '2024-07-09'],
    ['3.6.0.0', '2024-02-12'],
    ['3.6.1.0', '2024-02-26'],
    ['3.6.1.1', '2024-03-05'],
    ['3.6.1.2', '2024-04-08'],
    ['3.6.1.3', '2024-04-16'],
    ['3.6.1.4', '2024-05-14'],
    ['3.6.1.5', '2024-06-18'],
    ['3.6.1.6', '2024-06-22'],
    ['3.6.1.7', '2024-07-09'],
    ['3.6.1.8', '2024-10-11'],
    ['3.7.0.0', '2024-05-28'],
    ['3.7.1.0', '2024-06-18'],
    ['3.7.1.1', '2024-06-22'],
    ['3.7.1.2', '2024-07-09'],
    ['3.7.1.3', '2024-11-26'],
    ['3.7.1.4', '2025-02-25'],
    ['3.7.1.5', '2025-04-10'],
    ['3.8.0.0', '2024-09-11'],
    ['3.8.1.0', '2024-11-04'],
    ['3.8.1.1', '2025-04-10'],
    ['3.8.1.2', '2025-07-02'],
    ['3.9.0.0', '2024-12-12'],
    ['3.9.0.1', '2025-01-28'],
    ['3.9.1.0', '2025-03-11'],
    ['3.9.1.1', '2025-03-20'],
    ['3.9.1.2', '2025-07-07'],
    ['3.10.0.0', '2025-03-27'],
    ['3.10.0.1', '2025-04-15'],
    ['3.10.0.2', '2025-05-20'],
    ['3.10.0.3', '2025-07-06'],
    ['3.10.0.4', '2025-08-07'],
    ['3.10.0.5', '2025-08-22'],
    ['3.10.0.6', '2025-10-10'],
    ['3.10.0.7', '2025-12-09'],
    ['3.10.0.8', '2026-02-11'],
    ['3.10.0.9', '2026-03-12'],
    ['3.10.0.10', '2026-04-09'],
    ['3.10.0.11', '2026-05-14'],
    ['3.10.0.12', '2026-05-28'],
    ['3.10.0.13', '2026-06-08'],
    ['3.10.0.14', '2026-06-11'],
    ['3.10.0.15', '2026-06-30'],
    ['3.10.0.16', '2026-07-08'],
    ['3.10.0.17', '2026-08-10'],
    ['3.11.0.0', '2025-07-03'],
    ['3.11.0.1', '2025-07-16'],
    ['3.11.0.2', '2025-07-28'],
    ['3.11.0.3', '2025-09-05'],
    ['3.11.0.4', '2025-09-30'],
    ['3.11.0.5', '2025-10-23'],
    ['3.11.0.6', '2025-11-03'],
    ['3.11.0.7', '2026-02-26'],
    ['3.11.0.8', '2026-03-12'],
    ['3.11.0.9', '2026-04-15'],
    ['3.11.0.10', '2026-04-27'],
    ['3.11.0.11', '2026-05-11'],
    ['3.11.0.12', '2026-05-28'],
    ['3.11.0.13', '2026-06-11'],
    ['3.11.0.14', '2026-06-30'],
    ['3.12.0.0', '2025-10-01'],
    ['3.12.0.1', '2025-11-18'],
    ['3.12.0.2', '2025-12-10'],
    ['3.12.0.3', '2026-02-26'],
    ['3.12.0.4', '2026-03-11'],
    ['3.12.0.5', '2026-04-15'],
    ['3.12.0.6', '2026-05-11'],
    ['3.12.0.7', '2026-05-28'],
    ['3.12.0.8', '2026-06-11'],
    ['3.12.0.9', '2026-07-22'],
    ['3.12.0.10', '2026-08-10'],
    ['3.12.0.11', '2026-08-18'],
    ['3.13.0.0', '2025-12-18'],
    ['3.13.0.1', '2026-02-01'],
    ['3.13.0.2', '2026-03-10'],
    ['3.13.0.3', '2026-04-08'],
    ['3.13.0.4', '2026-05-05'],
    ['3.13.0.5', '2026-05-28'],
    ['3.13.0.6', '2026-06-11'],
    ['3.13.0.7', '2026-06-30'],
    ['3.13.0.8', '2026-07-27'],
    ['3.13.0.9', '2026-08-10'],
    ['3.13.0.10', '2026-08-20'],
    ['3.14.0.0', '2026-04-07'],
    ['3.14.0.1', '2026-04-10'],
    ['3.14.0.2', '2026-04-28'],
    ['3.14.0.3', '2026-05-25'],
    ['3.14.0.4', '2026-05-28'],
    ['3.14.0.5', '2026-06-04'],
    ['3.14.0.6', '2026-06-11'],
    ['3.14.0.7', '2026-06-23'],
    ['3.14.0.8', '2026-07-02'],
    ['3.14.0.9', '2026-07-14'],
    ['3.14.0.10', '2026-07-29'],
    ['3.14.0.11', '2026-08-06'],
    ['3.14.0.12', '2026-08-10'],
    ['3.14.0.13', '2026-08-19'],
    ['3.15.0.0', '2026-07-02'],
    ['3.15.0.1', '2026-07-07'],
    ['3.15.0.2', '2026-07-21'],
    ['3.15.0.3', '2026-08-10'],
    ['3.15.0.4', '2026-08-20'],
];

// EXTERNAL MODULE: ./build/version/kong-version.js
var kong_version = __nccwpck_require__(7143);
;// CONCATENATED MODULE: ./build/version/catalog.js



const PG_12_TO_15 = [12, 13, 14, 15];
const PG_12_TO_16 = [12, 13, 14, 15, 16];
const PG_13_TO_17 = [13, 14, 15, 16, 17];
// LTS and end-of-life: developer.konghq.com app/_data/products/gateway.yml (bc1cd742) for 3.4
// and 3.7–3.15; docs.konghq.com app/_data/kong_versions.yml (fb0334b0) for 2.8, 3.3, 3.5, 3.6,
// which the newer file no longer lists. Where both list a line the newer file wins (3.8, 3.9).
// PostgreSQL tested lists: kong-facts upgrade-paths-helm-operator-deck.md §2.1 (old
// versions/28.yml, 32.yml, 33.yml, 35–38.yml) and gateway.yml for 3.4 and 3.7+.
const LINE_FACTS = {
    '2.8': { lts: true, endOfLife: '2025-03-31', postgres: PG_12_TO_15 },
    '3.2': { postgres: PG_12_TO_15 },
    '3.3': { endOfLife: '2024-05-19', postgres: PG_12_TO_15 },
    '3.4': { lts: true, endOfLife: '2026-08-31', postgres: PG_12_TO_16 },
    '3.5': { endOfLife: '2024-11-08', postgres: PG_12_TO_16 },
    '3.6': { endOfLife: '2025-02-12', postgres: PG_12_TO_16 },
    '3.7': { endOfLife: '2025-05-31', postgres: PG_12_TO_16 },
    '3.8': { endOfLife: '2025-09-11', postgres: PG_12_TO_16 },
    '3.9': { endOfLife: '2025-12-12', postgres: PG_13_TO_17 },
    '3.10': { lts: true, endOfLife: '2028-03-31', postgres: PG_13_TO_17 },
    '3.11': { endOfLife: '2026-07-03', postgres: PG_13_TO_17 },
    '3.12': { endOfLife: '2026-10-01', postgres: PG_13_TO_17 },
    '3.13': { endOfLife: '2026-12-18', postgres: PG_13_TO_17 },
    '3.14': { lts: true, endOfLife: '2029-04-07', postgres: PG_13_TO_17 },
    '3.15': { endOfLife: '2027-07-02', postgres: PG_13_TO_17 },
};
// Cassandra was removed in 3.4.0 (Kong/kong#10931; facts §1.9), so 3.3 is its last line.
const LAST_CASSANDRA_LINE = { major: 3, minor: 3 };
const RELEASES = {
    oss: toReleases(OSS_RELEASES),
    enterprise: toReleases(ENTERPRISE_RELEASES),
};
function toReleases(rows) {
    return rows
        .map(([version, date]) => ({ version: (0,kong_version/* parseKongVersion */.bo)(version, 'catalog'), date }))
        .sort((a, b) => (0,kong_version/* compareKongVersions */.QR)(a.version, b.version));
}
const LINES = buildLines();
const LINE_BY_NAME = new Map(LINES.map((line) => [line.line, line]));
function buildLines() {
    const names = new Set([...RELEASES.oss, ...RELEASES.enterprise].map((r) => (0,kong_version/* releaseLine */.aY)(r.version)));
    return [...names]
        .map((name) => {
        const [major, minor] = name.split('.').map(Number);
        const facts = LINE_FACTS[name] ?? {};
        const inLine = (edition) => RELEASES[edition].filter((r) => (0,kong_version/* releaseLine */.aY)(r.version) === name);
        const dates = [...inLine('oss'), ...inLine('enterprise')].flatMap((r) => (r.date === undefined ? [] : [r.date]));
        return {
            line: name,
            major,
            minor,
            lts: facts.lts === true,
            endOfLife: facts.endOfLife,
            firstReleased: dates.sort()[0],
            latestOss: latestOf(inLine('oss')),
            latestEnterprise: latestOf(inLine('enterprise')),
            postgres: facts.postgres && { tested: facts.postgres, minimum: Math.min(...facts.postgres) },
            cassandra: major < LAST_CASSANDRA_LINE.major || (major === LAST_CASSANDRA_LINE.major && minor <= LAST_CASSANDRA_LINE.minor),
        };
    })
        .sort((a, b) => a.major - b.major || a.minor - b.minor);
}
function latestOf(releases) {
    return releases.filter((r) => !(0,kong_version/* isPrerelease */.V1)(r.version)).at(-1)?.version;
}
/** Every release line, oldest first. */
function allLines() {
    return LINES;
}
function catalogLine(line) {
    return LINE_BY_NAME.get(line);
}
function latestVersion(line, edition) {
    const entry = LINE_BY_NAME.get(line);
    return edition === 'oss' ? entry?.latestOss : entry?.latestEnterprise;
}
/** Whether the version was released in its own edition (three numbers: OSS; four: Enterprise). */
function versionExists(version) {
    return RELEASES[(0,kong_version/* editionOf */.yU)(version)].some((r) => (0,kong_version/* compareKongVersions */.QR)(r.version, version) === 0);
}
function releasesOf(line, edition) {
    return RELEASES[edition].filter((r) => (0,kong_version/* releaseLine */.aY)(r.version) === line);
}
/** The releases of an edition after `from` up to and including `to`, oldest first. */
function releasesBetween(from, to, edition) {
    return RELEASES[edition].filter((r) => (0,kong_version/* compareKongVersions */.QR)(r.version, from) > 0 && (0,kong_version/* compareKongVersions */.QR)(r.version, to) <= 0);
}
function postgresSupport(line) {
    return LINE_BY_NAME.get(line)?.postgres;
}
function supportsCassandra(version) {
    return LINE_BY_NAME.get((0,kong_version/* releaseLine */.aY)(version))?.cassandra ?? version.major < LAST_CASSANDRA_LINE.major;
}
function isLts(line) {
    return LINE_BY_NAME.get(line)?.lts === true;
}
const LINE_PATTERN = /^v?(\d+)\.(\d+)(?:\.x)?$/;
/**
 * Turns what a user asks for into a released version of the edition: "latest", a line
 * ("3.4" or "3.4.x": its latest release) or an exact version, which must exist.
 */
function resolveVersion(text, edition, input = 'to') {
    const wanted = text.trim();
    const name = edition === 'oss' ? 'OSS' : 'Enterprise';
    if (wanted.toLowerCase() === 'latest') {
        const latest = latestOf(RELEASES[edition]);
        if (latest === undefined)
            throw (0,errors/* inputError */.Xu)(input, `the catalog has no ${name} release`);
        return latest;
    }
    const line = LINE_PATTERN.exec(wanted);
    if (line) {
        const lineName = `${Number(line[1])}.${Number(line[2])}`;
        const latest = latestVersion(lineName, edition);
        if (latest === undefined) {
            throw (0,errors/* inputError */.Xu)(input, `Kong has no ${name} release in line ${lineName}; ${name} lines: ${linesWith(edition)}`);
        }
        return latest;
    }
    const version = (0,kong_version/* parseKongVersion */.bo)(wanted, input);
    if ((0,kong_version/* editionOf */.yU)(version) !== edition) {
        const form = edition === 'oss' ? 'three numbers, e.g. 3.4.2' : 'four numbers, e.g. 3.4.3.29';
        throw (0,errors/* inputError */.Xu)(input, `"${wanted}" is not an ${name} version; ${name} versions have ${form}`);
    }
    if (!versionExists(version))
        throw (0,errors/* inputError */.Xu)(input, notReleased(version, edition));
    return version;
}
/** The message for a version that was never released, listing what its line did release. */
function notReleased(version, edition) {
    const line = (0,kong_version/* releaseLine */.aY)(version);
    const name = edition === 'oss' ? 'OSS' : 'Enterprise';
    const released = releasesOf(line, edition).map((r) => (0,kong_version/* formatKongVersion */.Xz)(r.version));
    const known = released.length > 0 ? `${name} ${line} releases: ${released.join(', ')}` : `${name} lines: ${linesWith(edition)}`;
    return `Kong ${name} ${(0,kong_version/* formatKongVersion */.Xz)(version)} was never released; ${known}`;
}
function linesWith(edition) {
    const lines = LINES.filter((l) => (edition === 'oss' ? l.latestOss : l.latestEnterprise) !== undefined).map((l) => l.line);
    return `${lines[0]} … ${lines.at(-1)}`;
}

;// CONCATENATED MODULE: ./build/version/strategies.js

const BLUE_GREEN_MINIMUM = (0,kong_version/* parseKongVersion */.bo)('2.8.2');
/** Advice per node group, in the order the groups are upgraded. */
function adviseStrategies(hops, deployment) {
    switch (deployment) {
        case 'traditional':
            return [databaseBacked('nodes', hops)];
        case 'hybrid':
            return [databaseBacked('control-planes', hops), withoutDatabase('data-planes')];
        case 'db-less':
            return [withoutDatabase('nodes')];
    }
}
function databaseBacked(group, hops) {
    return {
        group,
        recommended: 'dual-cluster',
        reason: 'safest: a second cluster on a new database restored from the backup takes traffic gradually, with no planned downtime and the old cluster as rollback',
        fallback: { name: 'in-place', reason: 'when there is no capacity for a second cluster and database' },
        strategies: [
            {
                name: 'dual-cluster',
                supported: true,
                reason: 'new cluster and database restored from the backup; database-stored counters (Rate Limiting Advanced, Vitals) are not shared between the two',
            },
            {
                name: 'in-place',
                supported: true,
                reason: 'stops the old nodes and migrates the same database: business downtime; rollback restores the database backup',
            },
            blueGreen(hops),
            {
                name: 'rolling',
                supported: false,
                reason: 'these nodes share a database that `kong migrations` changes; rolling replacement is for nodes without one (DB-less, hybrid data planes)',
            },
        ],
    };
}
/** Blue-green on the shared database: limited support, patch upgrades only, 2.8.2+ (§1.4). */
function blueGreen(hops) {
    const crossing = hops.find((hop) => !(0,kong_version/* sameLine */.tW)(hop.from, hop.to));
    if (crossing) {
        return {
            name: 'blue-green',
            supported: false,
            reason: `Kong supports blue-green only between patch versions and never across LTS upgrades; this plan's hop ${(0,kong_version/* formatKongVersion */.Xz)(crossing.from)} → ${(0,kong_version/* formatKongVersion */.Xz)(crossing.to)} is ${crossing.rule}`,
        };
    }
    const tooOld = hops.find((hop) => (0,kong_version/* compareKongVersions */.QR)(hop.from, BLUE_GREEN_MINIMUM) < 0);
    if (tooOld) {
        return {
            name: 'blue-green',
            supported: false,
            reason: `blue-green needs 2.8.2 or later on the old cluster; this plan starts a hop at ${(0,kong_version/* formatKongVersion */.Xz)(tooOld.from)}`,
        };
    }
    return {
        name: 'blue-green',
        supported: true,
        reason: 'not recommended (limited support from Kong): both clusters share the database, which serves the old one until `kong migrations finish`',
    };
}
function withoutDatabase(group) {
    const who = group === 'data-planes' ? 'hybrid data planes' : 'DB-less nodes';
    const unsupported = (name) => ({
        name,
        supported: false,
        reason: `Kong supports only rolling upgrades for ${who}: there is no database to migrate`,
    });
    const order = group === 'data-planes' ? ' after the control planes (a data plane must not be newer than its control plane)' : '';
    return {
        group,
        recommended: 'rolling',
        reason: `replace ${who} one at a time${order}; no migrations run`,
        fallback: undefined,
        strategies: [
            unsupported('dual-cluster'),
            unsupported('in-place'),
            unsupported('blue-green'),
            { name: 'rolling', supported: true, reason: `new ${who} join and old ones drain, one at a time` },
        ],
    };
}

;// CONCATENATED MODULE: ./build/version/teardown-migrations.js

/** The facts cover kong/kong tags up to here; later releases may add teardowns not listed. */
const TEARDOWN_FACTS_END = (0,kong_version/* parseKongVersion */.bo)('3.9.3');
// Read from the Postgres half of every migration file at the tags 1.0.0–3.9.3 (a teardown only in
// the `cassandra` half does not count). basic-auth, hmac-auth, jwt and key-auth 003_200_to_210 are
// operations/200_to_210.lua's ws_migrate_plugin, which has one; pre-function and post-function
// 001_280_to_300 are pre-function/migrations/_001_280_to_300.lua, which has one too (observed on
// real Kong 3.4.2: `up` from 2.8.5 leaves them pending and `finish` runs them). The 1.0.0 rows
// existed until 1.5.x and matter only for an upgrade from 0.x.
const ROWS = [
    ['core', '001_14_to_15', '1.0.0'],
    ['core', '002_15_to_1', '1.0.0'],
    ['acl', '001_14_to_15', '1.0.0'],
    ['oauth2', '001_14_to_15', '1.0.0'],
    ['oauth2', '002_15_to_10', '1.0.0'],
    ['rate-limiting', '001_14_to_15', '1.0.0'],
    ['rate-limiting', '002_15_to_10', '1.0.0'],
    ['response-ratelimiting', '001_14_to_15', '1.0.0'],
    ['response-ratelimiting', '002_15_to_10', '1.0.0'],
    ['core', '005_120_to_130', '1.3.0'],
    ['core', '008_150_to_200', '2.0.0'],
    ['core', '009_200_to_210', '2.1.0'],
    ['core', '012_213_to_220', '2.2.0'],
    ['core', '016_280_to_300', '3.0.0'],
    ['acl', '003_200_to_210', '2.1.0'],
    ['acl', '004_212_to_213', '2.1.3'],
    ['bot-detection', '001_200_to_210', '2.1.0'],
    ['ip-restriction', '001_200_to_210', '2.1.0'],
    ['oauth2', '004_200_to_210', '2.1.0'],
    ['basic-auth', '003_200_to_210', '2.1.0'],
    ['hmac-auth', '003_200_to_210', '2.1.0'],
    ['jwt', '003_200_to_210', '2.1.0'],
    ['key-auth', '003_200_to_210', '2.1.0'],
    ['http-log', '001_280_to_300', '3.0.0'],
    ['pre-function', '001_280_to_300', '3.0.0'],
    ['post-function', '001_280_to_300', '3.0.0'],
    ['acme', '003_350_to_360', '3.6.0'],
    ['rate-limiting', '006_350_to_360', '3.6.0'],
    ['response-ratelimiting', '001_350_to_360', '3.6.0'],
    // First OSS tag 3.6.1; Enterprise also shipped it on its 3.3–3.5 branches (§4.2).
    ['opentelemetry', '001_331_to_332', '3.6.1'],
    ['ai-proxy', '001_360_to_370', '3.7.0'],
];
const TEARDOWNS = ROWS.map(([subsystem, name, since]) => ({
    subsystem,
    name,
    since: (0,kong_version/* parseKongVersion */.bo)(since),
})).sort((a, b) => (0,kong_version/* compareKongVersions */.QR)(a.since, b.since));
/** The teardown migrations an upgrade from `from` to `to` applies, oldest first. */
function teardownsBetween(from, to) {
    return TEARDOWNS.filter((m) => (0,kong_version/* compareKongVersions */.QR)(m.since, from) > 0 && (0,kong_version/* compareKongVersions */.QR)(m.since, to) <= 0);
}

;// CONCATENATED MODULE: ./build/version/upgrade-path.js




// decK `file convert` pairs: facts §5.3 (Kong/deck convert/convert.go), versions from §1.6.
const LTS_PAIRS = {
    '2.8': { to: '3.4', minimumDeck: '1.47.0' },
    '3.4': { to: '3.10', minimumDeck: '1.51.0' },
    '3.10': { to: '3.14', minimumDeck: '1.57.3' },
};
const HYBRID_PROTOCOL_TRAP = ['3.1.0.0', '3.1.1.1'];
const HYBRID_PROTOCOL_FIX = (0,kong_version/* parseKongVersion */.bo)('3.1.1.2');
const upgrade_path_BLUE_GREEN_MINIMUM = (0,kong_version/* parseKongVersion */.bo)('2.8.2');
const PRE_1_WAYPOINT = (0,kong_version/* parseKongVersion */.bo)('1.5.0');
function planUpgradePath(from, to, options) {
    validate(from, to, options);
    const hops = [];
    let at = from;
    const first = requiredFirstHop(at, to, options);
    if (first) {
        hops.push(makeHop(at, first.to, first.rule, first.reason, options));
        at = first.to;
    }
    if ((0,kong_version/* sameLine */.tW)(at, to)) {
        if ((0,kong_version/* compareKongVersions */.QR)(at, to) < 0) {
            hops.push(makeHop(at, to, 'patch', `patch releases of the ${(0,kong_version/* releaseLine */.aY)(to)} line`, options));
        }
        return hops;
    }
    for (const edge of shortestRoute((0,kong_version/* releaseLine */.aY)(at), (0,kong_version/* releaseLine */.aY)(to))) {
        const stop = edge.to === (0,kong_version/* releaseLine */.aY)(to) ? to : (edge.pinned ?? waypoint(edge.to, options.edition));
        hops.push(makeHop(at, stop, edge.rule, edge.reason, options));
        at = stop;
    }
    return hops;
}
function validate(from, to, options) {
    const name = options.edition === 'oss' ? 'OSS' : 'Enterprise';
    if ((0,kong_version/* editionOf */.yU)(to) !== options.edition) {
        const form = options.edition === 'oss' ? 'three numbers (3.4.2)' : 'four numbers (3.4.3.29)';
        throw (0,errors/* inputError */.Xu)('to', `"${(0,kong_version/* formatKongVersion */.Xz)(to)}" is not an ${name} version; with edition ${options.edition} it needs ${form}`);
    }
    if (options.edition === 'oss' && (0,kong_version/* editionOf */.yU)(from) === 'enterprise') {
        throw (0,errors/* inputError */.Xu)('from', `"${(0,kong_version/* formatKongVersion */.Xz)(from)}" is an Enterprise version; an Enterprise to OSS move is not an upgrade this planner supports; use edition enterprise`);
    }
    // OSS → Enterprise: OSS x.y.z is the same code line as Enterprise x.y.z.0, and
    // compareKongVersions orders them so.
    const order = (0,kong_version/* compareKongVersions */.QR)(from, to);
    if (order === 0)
        throw (0,errors/* inputError */.Xu)('to', `is the version already running (${(0,kong_version/* formatKongVersion */.Xz)(from)}); nothing to upgrade`);
    if (order > 0) {
        throw (0,errors/* inputError */.Xu)('to', `${(0,kong_version/* formatKongVersion */.Xz)(to)} is older than ${(0,kong_version/* formatKongVersion */.Xz)(from)}: downgrades are not supported (migrations are not reversible); restore the pre-upgrade backup instead`);
    }
    if (!versionExists(to))
        throw (0,errors/* inputError */.Xu)('to', notReleased(to, options.edition));
    // The running version is taken as given (Kong's data misses a few Enterprise builds, e.g.
    // 3.1.1.1), but its line must be one Kong released.
    if (catalogLine((0,kong_version/* releaseLine */.aY)(from)) === undefined) {
        throw (0,errors/* inputError */.Xu)('from', `${(0,kong_version/* formatKongVersion */.Xz)(from)} is not in any Kong release line; lines: ${allLines()[0]?.line} … ${allLines().at(-1)?.line}`);
    }
    if (options.deployment !== 'db-less' && options.database === 'cassandra') {
        if (!supportsCassandra(from)) {
            throw (0,errors/* inputError */.Xu)('database', `Kong ${(0,kong_version/* formatKongVersion */.Xz)(from)} cannot run on Cassandra (support was removed in 3.4.0); accepted: postgres`);
        }
        if (!supportsCassandra(to)) {
            const last = latestVersion('3.3', options.edition);
            const reachable = last === undefined ? '' : ` (the newest Cassandra-capable release is ${(0,kong_version/* formatKongVersion */.Xz)(last)})`;
            throw (0,errors/* inputError */.Xu)('to', `Kong removed Cassandra support in 3.4.0, so a Cassandra deployment cannot upgrade to ${(0,kong_version/* formatKongVersion */.Xz)(to)}${reachable}; migrate the database to PostgreSQL first (Kong support assists), then plan again with database postgres`);
        }
    }
}
/** Special cases that pin the first stop before the normal route (facts §1.1). */
function requiredFirstHop(from, to, options) {
    const formatted = (0,kong_version/* formatKongVersion */.Xz)(from);
    if (options.deployment === 'hybrid' && HYBRID_PROTOCOL_TRAP.includes(formatted) && (0,kong_version/* compareKongVersions */.QR)(to, HYBRID_PROTOCOL_FIX) > 0) {
        return {
            to: HYBRID_PROTOCOL_FIX,
            rule: 'hybrid-3.1.1.2-first',
            reason: `hybrid ${formatted} speaks only the new CP/DP protocol; 3.1.1.2 speaks both, so stop there first`,
        };
    }
    if (options.strategy === 'blue-green' &&
        (0,kong_version/* releaseLine */.aY)(from) === '2.8' &&
        (0,kong_version/* compareKongVersions */.QR)(from, upgrade_path_BLUE_GREEN_MINIMUM) < 0 &&
        to.major >= 3) {
        return {
            to: waypoint('2.8', options.edition),
            rule: 'blue-green-needs-2.8.2',
            reason: 'blue-green towards 3.x needs 2.8.2 or later on the old cluster',
        };
    }
    return undefined;
}
/** The latest release of a waypoint line in the edition (Kong: stop at the latest patch). */
function waypoint(line, edition) {
    const version = latestVersion(line, edition);
    if (version === undefined) {
        const name = edition === 'oss' ? 'OSS' : 'Enterprise';
        throw (0,errors/* inputError */.Xu)('to', `the path passes through ${line}, but the built-in catalog has no ${name} ${line} release to stop at (Enterprise data starts at 2.8); upgrade to ${line} by hand first, then plan again`);
    }
    return version;
}
/** Kong's guaranteed paths from one line, all towards newer lines. */
function edgesFrom(line) {
    const edges = [];
    const next = allLines().find((l) => l.major === line.major && l.minor > line.minor);
    if (next)
        edges.push({ to: next.line, rule: 'adjacent-minor', reason: `adjacent minor releases ${line.line} → ${next.line}` });
    const lts = LTS_PAIRS[line.line];
    if (lts)
        edges.push({ to: lts.to, rule: 'lts-to-lts', reason: `adjacent LTS releases ${line.line} → ${lts.to}` });
    if (line.major === 2 && line.minor >= 1 && line.minor < 8) {
        edges.push({ to: '2.8', rule: 'to-2.8', reason: `any 2.1.x or later upgrades directly to 2.8.x` });
    }
    if (line.line === '2.8') {
        edges.push({ to: '3.0', rule: 'major-2-to-3', reason: '3.0 migrates from 2.x; 2.8 is the waypoint for every 2.x' });
    }
    if (line.major === 1) {
        edges.push({ to: '2.1', rule: 'from-1.x-to-2.1', reason: '1.x upgrades to 2.1 first, then on to 2.8 and 3.x' });
    }
    if (line.major === 0) {
        edges.push({ to: '1.5', rule: 'pre-1.0-to-1.5.0', reason: 'a database older than 1.0 migrates to 1.5.0 first', pinned: PRE_1_WAYPOINT });
    }
    return edges;
}
/**
 * Fewest hops, then most LTS hops. Every edge goes to a newer line, so visiting lines in
 * ascending order settles each line before it is extended.
 */
function shortestRoute(fromLine, toLine) {
    const best = new Map([[fromLine, { edges: [], nonLts: 0 }]]);
    for (const line of allLines()) {
        const route = best.get(line.line);
        if (route === undefined || line.line === toLine)
            continue;
        for (const edge of edgesFrom(line)) {
            const candidate = { edges: [...route.edges, edge], nonLts: route.nonLts + (edge.rule === 'lts-to-lts' ? 0 : 1) };
            const current = best.get(edge.to);
            if (current === undefined || better(candidate, current))
                best.set(edge.to, candidate);
        }
    }
    const route = best.get(toLine);
    if (route === undefined) {
        throw (0,errors/* inputError */.Xu)('to', `Kong documents no upgrade path from ${fromLine} to ${toLine}; accepted targets are newer lines reachable by patch, adjacent-minor or LTS-to-LTS steps`);
    }
    return route.edges;
}
function better(a, b) {
    return a.edges.length < b.edges.length || (a.edges.length === b.edges.length && a.nonLts < b.nonLts);
}
function makeHop(from, to, rule, reason, options) {
    const edition = (0,kong_version/* editionOf */.yU)(from) !== (0,kong_version/* editionOf */.yU)(to) ? ` (OSS ${(0,kong_version/* formatKongVersion */.Xz)(from)} taken as Enterprise ${(0,kong_version/* formatKongVersion */.Xz)(from)}.0)` : '';
    const schema = schemaChange(from, to, options);
    return {
        from,
        to,
        rule,
        reason: reason + edition,
        facts: {
            schema,
            requiresFinish: schema.kind === 'migrations' && (schema.teardown.length > 0 || schema.coverage === 'partial'),
            deckConvert: deckConvert(from, to, rule),
            breaking: breakingMarkers(from, to, rule),
        },
    };
}
function schemaChange(from, to, options) {
    if (options.deployment === 'db-less')
        return { kind: 'no-database' };
    const teardown = teardownsBetween(from, to);
    const complete = options.edition === 'oss' && (0,kong_version/* compareKongVersions */.QR)(to, TEARDOWN_FACTS_END) <= 0;
    return {
        kind: 'migrations',
        teardown,
        coverage: complete ? 'complete' : 'partial',
        oldNodesAfterUp: true,
        oldNodesAfterFinish: complete && teardown.length === 0,
    };
}
function deckConvert(from, to, rule) {
    const pair = LTS_PAIRS[(0,kong_version/* releaseLine */.aY)(from)];
    if (rule === 'lts-to-lts' && pair) {
        const source = (0,kong_version/* releaseLine */.aY)(from);
        return { from: source, to: pair.to, minimumDeck: pair.minimumDeck, command: `deck file convert --from ${source} --to ${pair.to}` };
    }
    if (from.major === 2 && to.major === 3) {
        return {
            from: 'kong-gateway-2.x',
            to: 'kong-gateway-3.x',
            minimumDeck: undefined,
            command: 'deck file convert --from kong-gateway-2.x --to kong-gateway-3.x',
        };
    }
    return undefined;
}
function breakingMarkers(from, to, rule) {
    const markers = [];
    if (to.major > from.major)
        markers.push({ kind: 'major-version', from: from.major, to: to.major });
    if (rule === 'lts-to-lts')
        markers.push({ kind: 'lts-jump', from: (0,kong_version/* releaseLine */.aY)(from), to: (0,kong_version/* releaseLine */.aY)(to) });
    return markers;
}

;// CONCATENATED MODULE: ./build/changelog/impact/crossing.js

/** True when the upgrade enters `version`: it starts below it and ends at or above it. */
function crosses(context, version) {
    const at = (0,kong_version/* parseKongVersion */.bo)(version);
    return (0,kong_version/* compareKongVersions */.QR)(context.from, at) < 0 && (0,kong_version/* compareKongVersions */.QR)(context.to, at) >= 0;
}

;// CONCATENATED MODULE: ./build/changelog/impact/curated-breaking.js

const CURATED_BREAKING_CHANGES = [
    {
        id: 'regex-path-prefix',
        appliesFrom: '3.0.0',
        title: 'Regex route paths must start with `~`',
        summary: 'From 3.0 a path counts as a regex only with a leading `~`; everything else is plain text. The database migration prefixes stored routes, but declarative files and scripts keep the old form until converted.',
        detectedBy: 'route-regex-prefix',
    },
    {
        id: 'regex-engine',
        appliesFrom: '3.0.0',
        title: 'Regex paths are compiled by a different engine',
        summary: 'The default 3.x router uses a Rust regex engine: look-around, backreferences, atomic groups and possessive quantifiers no longer compile.',
        detectedBy: 'route-regex-engine',
    },
    {
        id: 'router-flavor',
        appliesFrom: '3.0.0',
        title: 'New router by default (`router_flavor`)',
        summary: 'Routes are matched by atc-router (`traditional_compatible`) unless kong.conf asks for `traditional`; matching priorities can differ from 2.x.',
        detectedBy: 'router-flavor',
    },
    {
        id: 'worker-consistency-default',
        appliesFrom: '3.0.0',
        title: '`worker_consistency` defaults to `eventual`',
        summary: 'Workers rebuild routing state in the background instead of on the request path, so changes take effect slightly later.',
        detectedBy: 'kong-conf-default-changed',
    },
    {
        id: 'lua-ssl-trusted-certificate-default',
        appliesFrom: '3.0.0',
        title: '`lua_ssl_trusted_certificate` defaults to `system`',
        summary: 'Outbound TLS from Lua trusts the operating system CA store unless kong.conf says otherwise.',
        detectedBy: 'kong-conf-default-changed',
    },
    {
        id: 'pg-ssl-version-tlsv1',
        appliesFrom: '3.0.0',
        title: '`pg_ssl_version = tlsv1` is rejected',
        summary: 'Connections to PostgreSQL need TLS 1.2 or newer on 3.x; a kong.conf still asking for TLS 1.0 stops the node.',
        detectedBy: 'kong-conf-invalid-value',
    },
    {
        id: 'plugin-fields-removed',
        appliesFrom: '3.0.0',
        title: 'Deprecated plugin fields removed',
        summary: '`blacklist`/`whitelist` (ACL, IP Restriction, Bot Detection, Canary), `functions` (Pre/Post-Function), `proxy_scheme` (AWS Lambda) are gone, and HTTP Log takes one string per header.',
        detectedBy: 'plugin-changes',
    },
    {
        id: 'plugin-metrics-renamed',
        appliesFrom: '3.0.0',
        title: 'Prometheus and StatsD metrics renamed',
        summary: 'Dashboards and alerts built on 2.x metric names stop matching; several Prometheus metrics are also off by default.',
        detectedBy: 'plugin-changes',
    },
    {
        id: 'cassandra-removed',
        appliesFrom: '3.4.0',
        title: 'Cassandra is no longer supported',
        summary: 'From 3.4 the datastore is PostgreSQL or none; a Cassandra deployment has to move to PostgreSQL before upgrading.',
        detectedBy: 'kong-conf-invalid-value',
    },
    {
        id: 'kong-conf-properties-removed',
        appliesFrom: '3.4.0',
        title: 'kong.conf properties removed',
        summary: 'All `cassandra_*` settings and the data-plane config cache settings are gone; `admin_api_uri` gives way to `admin_gui_api_url`.',
        detectedBy: 'kong-conf-removed-property',
    },
    {
        id: 'status-listen-default',
        appliesFrom: '3.6.0',
        title: 'Status API listens by default',
        summary: '`status_listen` now opens 127.0.0.1:8007 unless kong.conf sets it, which can clash with whatever already uses that port.',
        detectedBy: 'kong-conf-default-changed',
    },
    {
        id: 'secure-by-default',
        appliesFrom: '3.14.0',
        title: 'Secure defaults for routes, services and auth plugins',
        summary: 'Routes default to HTTPS only, services verify upstream certificates, auth plugins hide credentials and plugins verify TLS, wherever the config leaves these fields out.',
        detectedBy: 'secure-by-default',
    },
];
/** The curated changes an upgrade from `from` to `to` crosses, oldest first. */
function crossedBreakingChanges(from, to) {
    return CURATED_BREAKING_CHANGES.filter((change) => crosses({ from, to }, change.appliesFrom));
}

;// CONCATENATED MODULE: ./build/changelog/sources/remote-file.js
function describeRemoteFile(file) {
    return `${file.owner}/${file.repo}@${file.ref}:${file.path}`;
}
function remoteFileUrl(file) {
    return `https://github.com/${file.owner}/${file.repo}/blob/${file.ref}/${file.path}`;
}
/**
 * The living files behind a plan (../shared/kong-data/README.md, facts A.1, A.3b): Kong/kong's
 * master changelogs for OSS, developer.konghq.com's structured changelog for Enterprise, and
 * kong.conf.default at each OSS tag (tags have no `v` prefix, facts A.5).
 */
const OSS_CHANGELOG = { owner: 'Kong', repo: 'kong', ref: 'master', path: 'CHANGELOG.md' };
const OSS_CHANGELOG_OLD = { owner: 'Kong', repo: 'kong', ref: 'master', path: 'CHANGELOG-OLD.md' };
const ENTERPRISE_CHANGELOG = {
    owner: 'Kong',
    repo: 'developer.konghq.com',
    ref: 'main',
    path: 'app/_data/changelogs/gateway.json',
};
function kongConfDefaultAt(tag) {
    return { owner: 'Kong', repo: 'kong', ref: tag, path: 'kong.conf.default' };
}
/** Kong's default nginx template (kong/templates/nginx_kong.lua), for custom-template impact. */
function nginxTemplateAt(tag) {
    return { owner: 'Kong', repo: 'kong', ref: tag, path: 'kong/templates/nginx_kong.lua' };
}

;// CONCATENATED MODULE: ./build/changelog/plan-changelog.js




/**
 * A given file wins; otherwise the reader (network, or the cache when offline) supplies
 * Kong's living changelogs for the edition. Undefined releases: no changelog could be had.
 */
async function loadChangelog(edition, given, read, now) {
    if (given !== undefined) {
        return {
            releases: await parseGivenChangelog(given),
            files: [{ what: 'changelog', location: given.path, url: undefined, via: 'file', fetchedAt: undefined, ageDays: undefined }],
        };
    }
    if (read === undefined)
        return { releases: undefined, files: [] };
    const wanted = edition === 'enterprise' ? [ENTERPRISE_CHANGELOG] : [OSS_CHANGELOG, OSS_CHANGELOG_OLD];
    const fetched = await Promise.all(wanted.map((file) => read(file)));
    const { parseEnterpriseChangelogJson, parseOssChangelog } = await parsers();
    const releases = edition === 'enterprise'
        ? parseEnterpriseChangelogJson(fetched[0].text, describeRemoteFile(ENTERPRISE_CHANGELOG))
        : fetched.flatMap((file) => parseOssChangelog(file.text, describeRemoteFile(file.file)));
    return { releases, files: fetched.map((file) => sourceFileOf('changelog', file, now)) };
}
function sourceFileOf(what, fetched, now) {
    return {
        what,
        location: describeRemoteFile(fetched.file),
        url: remoteFileUrl(fetched.file),
        via: fetched.via,
        fetchedAt: fetched.fetchedAt,
        ageDays: Math.max(0, Math.floor((now.getTime() - Date.parse(fetched.fetchedAt)) / 86_400_000)),
    };
}
/** The parsers (and marked) load only when a changelog is there to parse: offline plans start faster. */
function parsers() {
    return Promise.all(/* import() */[__nccwpck_require__.e(22), __nccwpck_require__.e(228)]).then(__nccwpck_require__.bind(__nccwpck_require__, 7228));
}
/** The three formats are told apart by their first significant character and headings. */
async function parseGivenChangelog(given) {
    const { parseEnterpriseChangelogJson, parseEnterpriseChangelogMarkdown, parseOssChangelog } = await parsers();
    const text = given.text.trimStart();
    if (text === '')
        throw (0,errors/* inputError */.Xu)(given.input, `"${given.path}" is empty`);
    if (text.startsWith('{'))
        return parseEnterpriseChangelogJson(text, given.path);
    // Legacy Enterprise release headings carry four numbers (`## 3.4.3.5`); OSS headings three.
    if (/^##\s+\d+\.\d+\.\d+\.\d+\s*$/m.test(text))
        return parseEnterpriseChangelogMarkdown(text, given.path);
    return parseOssChangelog(text, given.path);
}
/**
 * Every release after `from` up to `to`: the catalog's list (which knows releases without a
 * changelog section, e.g. OSS 3.0.2) merged with the changelog's, entries from the changelog.
 */
function releasesInRange(from, to, edition, changelog) {
    const byVersion = new Map();
    for (const known of releasesBetween(from, to, edition)) {
        const text = (0,kong_version/* formatKongVersion */.Xz)(known.version);
        byVersion.set(text, { version: known.version, release: { version: text, date: known.date, entries: [] } });
    }
    for (const release of changelog ?? []) {
        const version = editionVersion(release.version, edition);
        if (version === undefined || (0,kong_version/* compareKongVersions */.QR)(version, from) <= 0 || (0,kong_version/* compareKongVersions */.QR)(version, to) > 0)
            continue;
        const key = (0,kong_version/* formatKongVersion */.Xz)(version);
        const known = byVersion.get(key);
        byVersion.set(key, {
            version,
            release: { version: release.version, date: release.date ?? known?.release.date, entries: [...(known?.release.entries ?? []), ...release.entries] },
        });
    }
    return [...byVersion.values()].sort((a, b) => (0,kong_version/* compareKongVersions */.QR)(a.version, b.version)).map((item) => item.release);
}
/**
 * A changelog version in the plan's edition: OSS plans skip four-number versions; the
 * Enterprise JSON has a few three-number keys (facts A.3b), taken as that patch's build 0.
 */
function editionVersion(text, edition) {
    const version = (0,kong_version/* tryParseKongVersion */.SC)(text);
    if (version === undefined)
        return undefined;
    if (edition === 'oss')
        return version.build === undefined ? version : undefined;
    return version.build === undefined ? { ...version, build: 0 } : version;
}

// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __nccwpck_require__(8815);
;// CONCATENATED MODULE: ./build/changelog/impact/entities.js


/** The input name errors about the declarative file point at. */
const DECLARATIVE_INPUT = 'declarative-config';
function adminApiEntities(inventory) {
    return {
        source: 'admin-api',
        formatVersion: undefined,
        routes: inventory.routes.map((route) => {
            const where = `route ${route.name ?? route.id}`;
            return { where, placement: 'admin-api', paths: (route.paths ?? []).map((path) => ({ path, where })), fields: route };
        }),
        plugins: inventory.plugins.map((plugin) => ({
            where: `plugin ${plugin.name} ${plugin.id}`,
            name: plugin.name,
            config: plugin.config,
        })),
        services: inventory.services.map((service) => ({ where: `service ${service.name ?? service.id}`, fields: service })),
    };
}
/**
 * Reads a decK / DB-less file (YAML, or JSON, which YAML 1.2 reads too). Routes sit under
 * `services[].routes[]` and at the top level `routes[]`; plugins at the top level and under
 * services, routes, consumers and consumer groups (decK's file format). Every entity keeps the
 * file:line it starts on.
 */
function declarativeEntities(file, text) {
    const lines = new dist/* LineCounter */.HN();
    const documents = (0,dist/* parseAllDocuments */.hR)(text, { lineCounter: lines });
    const at = (node) => `${file}:${node.range ? lines.linePos(node.range[0]).line : '?'}`;
    const routes = [];
    const plugins = [];
    const services = [];
    let formatVersion;
    const readPlugins = (owner) => {
        for (const plugin of mapsIn(owner.get('plugins', true))) {
            const config = plugin.get('config', true);
            plugins.push({
                where: at(plugin),
                name: String(plugin.get('name') ?? ''),
                config: (0,dist/* isMap */.jh)(config) ? config.toJSON() : {},
            });
        }
    };
    const readRoutes = (owner, placement) => {
        for (const route of mapsIn(owner.get('routes', true))) {
            const paths = route.get('paths', true);
            routes.push({
                where: at(route),
                placement,
                paths: (0,dist/* isSeq */.oP)(paths)
                    ? paths.items.filter(dist/* isScalar */.jn).map((item) => ({ path: String(item.value), where: at(item) }))
                    : [],
                fields: route.toJSON(),
            });
            readPlugins(route);
        }
    };
    for (const document of documents) {
        const [error] = document.errors;
        if (error)
            throw (0,errors/* inputError */.Xu)(DECLARATIVE_INPUT, `${file}: ${error.message}`);
        const root = document.contents;
        if (root === null)
            continue;
        if (!(0,dist/* isMap */.jh)(root))
            throw (0,errors/* inputError */.Xu)(DECLARATIVE_INPUT, `${file}: expected a mapping with services, routes, plugins …`);
        const format = root.get('_format_version');
        if (format !== undefined)
            formatVersion = String(format);
        for (const service of mapsIn(root.get('services', true))) {
            services.push({ where: at(service), fields: service.toJSON() });
            readRoutes(service, 'under-service');
            readPlugins(service);
        }
        readRoutes(root, 'top-level');
        readPlugins(root);
        for (const owner of [...mapsIn(root.get('consumers', true)), ...mapsIn(root.get('consumer_groups', true))]) {
            readPlugins(owner);
        }
    }
    return { source: 'declarative', formatVersion, routes, plugins, services };
}
function mapsIn(node) {
    return (0,dist/* isSeq */.oP)(node) ? node.items.filter((item) => (0,dist/* isMap */.jh)(item)) : [];
}

// EXTERNAL MODULE: ./build/changelog/kong-conf.js + 1 modules
var kong_conf = __nccwpck_require__(3052);
;// CONCATENATED MODULE: ./build/changelog/impact/kong-conf-default-changed.js


// Used when no kong.conf.default of both ends is at hand (Enterprise, or no data for a line).
// Read from the shared kong.conf.default files 2.8.0 / 3.0.0 / 3.9.3 (the first three) and
// changelog-and-admin-api.md §A.4 (status_listen, Kong/kong#12304).
const NOTABLE = [
    { name: 'worker_consistency', from: 'strict', to: 'eventual', appliesFrom: '3.0.0' },
    { name: 'lua_ssl_trusted_certificate', from: '', to: 'system', appliesFrom: '3.0.0' },
    { name: 'vaults', from: 'off', to: 'bundled', appliesFrom: '3.0.0' },
    { name: 'status_listen', from: 'off', to: '127.0.0.1:8007 reuseport backlog=16384', appliesFrom: '3.6.0' },
];
/**
 * A default that changes between the two ends, for a property the user's kong.conf leaves
 * unset: the node silently takes the new value. Without the user's kong.conf nothing can be
 * said; the plan's kong.conf diff lists the changes anyway.
 */
const kongConfDefaultChanged = {
    id: 'kong-conf-default-changed',
    check(context) {
        const conf = context.kongConf;
        if (!conf)
            return [];
        return changesOf(context)
            .filter((change) => !conf.settings.has(change.name))
            .map((change) => ({
            rule: 'kong-conf-default-changed',
            severity: 'warning',
            title: `Default of \`${change.name}\` changes and kong.conf relies on it`,
            detail: `\`${change.name}\` goes from ${shown(change.from)} to ${shown(change.to)}; ${conf.file} does not set it, so the node takes the new value unless a KONG_${change.name.toUpperCase()} variable sets it.`,
            where: conf.file,
            remedy: `Decide whether the new value suits you; to keep the old behaviour set \`${change.name} = ${change.from}\`.`,
        }));
    },
};
function changesOf(context) {
    const defaults = context.kongConfDefaults;
    if (defaults)
        return (0,kong_conf/* diffKongConf */.py)(defaults.from, defaults.to).defaultChanged;
    return NOTABLE.filter((change) => crosses(context, change.appliesFrom));
}
function shown(value) {
    return value === '' ? '(empty)' : `\`${value}\``;
}

;// CONCATENATED MODULE: ./build/changelog/impact/kong-conf-invalid-value.js


// Values the target refuses to start with. Facts: upgrade-paths-helm-operator-deck.md §1.9
// (`database = cassandra` rejected from 3.4.0) and §1.2 / §1.6 (`pg_ssl_version = tlsv1`
// invalid on 3.x, use `tlsv1_2`).
const INVALID = [
    {
        name: 'database',
        invalid: (value) => value.toLowerCase() === 'cassandra',
        appliesFrom: '3.4.0',
        why: 'from 3.4.0 the datastore is PostgreSQL or none (`off`)',
        remedy: 'Move the data to PostgreSQL on the current version before upgrading (with Kong support for Enterprise).',
    },
    {
        name: 'pg_ssl_version',
        invalid: (value) => value.toLowerCase() === 'tlsv1',
        appliesFrom: '3.0.0',
        why: '3.x no longer accepts TLS 1.0 for PostgreSQL connections',
        remedy: 'Set `pg_ssl_version = tlsv1_2` (check the server accepts it) before the upgrade.',
    },
];
const kongConfInvalidValue = {
    id: 'kong-conf-invalid-value',
    check(context) {
        const conf = context.kongConf;
        if (!conf)
            return [];
        return INVALID.flatMap((entry) => {
            const setting = conf.settings.get(entry.name);
            if (!setting || !entry.invalid(setting.value) || !crosses(context, entry.appliesFrom))
                return [];
            return [
                {
                    rule: 'kong-conf-invalid-value',
                    severity: 'error',
                    title: `kong.conf value ${(0,kong_conf/* describeSetting */.w5)(entry.name, setting)} is invalid on the target`,
                    detail: `${entry.why} (changed in ${entry.appliesFrom}).`,
                    where: `${conf.file}:${setting.line}`,
                    remedy: entry.remedy,
                },
            ];
        });
    },
};

;// CONCATENATED MODULE: ./build/changelog/impact/kong-conf-removed-property.js


// Properties that go away even where no kong.conf.default can be compared (Enterprise-only
// ones, or a plan without the target's file). Facts: upgrade-paths-helm-operator-deck.md §1.6
// (2.8 → 3.4 kong.conf table) and §1.9, changelog-and-admin-api.md §A.4. For the two
// data-plane cache settings the table records only "gone by 3.4", so 3.4.0 is used.
const RETIRED = [
    { matches: (name) => name.startsWith('cassandra_'), appliesFrom: '3.4.0', why: 'Cassandra support ends in 3.4.0' },
    {
        matches: (name) => name === 'data_plane_config_cache_mode' || name === 'data_plane_config_cache_path',
        appliesFrom: '3.4.0',
        why: 'data planes keep their config in LMDB instead',
    },
    {
        matches: (name) => name === 'admin_api_uri',
        appliesFrom: '3.4.0',
        why: 'deprecated in favour of a new property',
        replacement: 'admin_gui_api_url',
    },
];
/** A property set in the user's kong.conf that the target no longer knows. */
const kongConfRemovedProperty = {
    id: 'kong-conf-removed-property',
    check(context) {
        const conf = context.kongConf;
        if (!conf)
            return [];
        const removedInDefaults = removedByDefaults(context);
        return [...conf.settings].flatMap(([name, setting]) => {
            const retired = RETIRED.find((entry) => entry.matches(name) && crosses(context, entry.appliesFrom));
            const why = retired?.why ?? (removedInDefaults.has(name) ? 'not in the target kong.conf.default' : undefined);
            if (why === undefined)
                return [];
            return [
                {
                    rule: 'kong-conf-removed-property',
                    severity: 'warning',
                    title: `kong.conf sets \`${name}\`, which the target no longer has`,
                    detail: `${(0,kong_conf/* describeSetting */.w5)(name, setting)}: ${why}.`,
                    where: `${conf.file}:${setting.line}`,
                    remedy: retired?.replacement
                        ? `Move the value to \`${retired.replacement}\` and remove \`${name}\`.`
                        : `Remove \`${name}\` (and its KONG_${name.toUpperCase()} variable, if any) once on the target.`,
                },
            ];
        });
    },
};
function removedByDefaults(context) {
    const defaults = context.kongConfDefaults;
    if (!defaults)
        return new Set();
    return new Set((0,kong_conf/* diffKongConf */.py)(defaults.from, defaults.to).removed.map((entry) => entry.name));
}

;// CONCATENATED MODULE: ./build/changelog/impact/line-diff.js
/**
 * A line-level diff by longest common subsequence. Kong's nginx templates have a few hundred
 * lines, so the quadratic table is small; indentation is ignored because operators re-indent.
 */
function diffLines(oldText, newText) {
    const a = oldText.split(/\r?\n/).map((line) => line.trim());
    const b = newText.split(/\r?\n/).map((line) => line.trim());
    const width = b.length + 1;
    const lcs = new Uint32Array((a.length + 1) * width);
    for (let i = a.length - 1; i >= 0; i--) {
        for (let j = b.length - 1; j >= 0; j--) {
            lcs[i * width + j] =
                a[i] === b[j] ? lcs[(i + 1) * width + j + 1] + 1 : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
        }
    }
    const hunks = [];
    let i = 0;
    let j = 0;
    let anchor;
    while (i < a.length || j < b.length) {
        if (i < a.length && j < b.length && a[i] === b[j]) {
            if (a[i] !== '')
                anchor = a[i];
            i++;
            j++;
            continue;
        }
        const toLine = j + 1;
        const removed = [];
        const added = [];
        while (i < a.length || j < b.length) {
            if (i < a.length && j < b.length && a[i] === b[j])
                break;
            if (j < b.length && (i === a.length || lcs[i * width + j + 1] >= lcs[(i + 1) * width + j]))
                added.push(b[j++]);
            else
                removed.push(a[i++]);
        }
        hunks.push({ toLine, removed, added, anchor });
    }
    return hunks;
}

;// CONCATENATED MODULE: ./build/changelog/impact/nginx-template.js

/**
 * A custom nginx template replaces Kong's default one, so whatever Kong changed in its default
 * template between the two versions must be merged by hand (facts
 * upgrade-paths-helm-operator-deck.md §1.2, "Modified Nginx templates … must be carried
 * forward"). Each hunk of the defaults' diff the custom template does not reflect is reported.
 */
const nginxTemplate = {
    id: 'nginx-template',
    check(context) {
        const template = context.nginxTemplate;
        if (!template)
            return [];
        const customLines = template.custom.split(/\r?\n/).map((line) => line.trim());
        const present = new Set(customLines);
        return diffLines(template.defaultFrom, template.defaultTo)
            .filter((hunk) => !reflected(hunk, present))
            .map((hunk) => {
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
function reflected(hunk, present) {
    const added = hunk.added.filter(Boolean);
    const removed = hunk.removed.filter(Boolean);
    if (added.length === 0 && removed.length === 0)
        return true;
    return added.every((line) => present.has(line)) && (added.length > 0 || removed.every((line) => !present.has(line)));
}

;// CONCATENATED MODULE: ./build/changelog/impact/plugin-changes.js

// Curated from Kong's 3.0.0 changelog (shared oss/CHANGELOG.md, "Plugins" breaking changes),
// facts upgrade-paths-helm-operator-deck.md §6 item 8 and §5.3 (what decK's 2.8 → 3.4 convert
// rewrites; Canary is Enterprise).
const CHANGES = [
    {
        plugins: ['acl', 'ip-restriction', 'bot-detection', 'canary'],
        appliesFrom: '3.0.0',
        kind: 'removed-field',
        evidence: (config) => setFields(config, ['blacklist', 'whitelist']),
        title: 'uses `blacklist`/`whitelist`, removed in 3.0',
        remedy: 'Move the lists to `config.deny` / `config.allow` (decK: `deck file convert --from 2.8 --to 3.4`).',
    },
    {
        plugins: ['pre-function', 'post-function'],
        appliesFrom: '3.0.0',
        kind: 'removed-field',
        evidence: (config) => setFields(config, ['functions']),
        title: 'uses `config.functions`, removed in 3.0',
        remedy: 'Move the functions to `config.access` (the phase `functions` ran in).',
    },
    {
        plugins: ['aws-lambda'],
        appliesFrom: '3.0.0',
        kind: 'removed-field',
        evidence: (config) => setFields(config, ['proxy_scheme']),
        title: 'sets `config.proxy_scheme`, removed in 3.0',
        remedy: 'Remove `proxy_scheme` from the config.',
    },
    {
        plugins: ['aws-lambda'],
        appliesFrom: '3.0.0',
        kind: 'behaviour',
        evidence: (config) => (isUnset(config['aws_region']) ? 'config.aws_region is not set' : undefined),
        title: 'needs a region from 3.0',
        remedy: 'Set `config.aws_region`, or provide the region through the environment of every node.',
    },
    {
        plugins: ['http-log'],
        appliesFrom: '3.0.0',
        kind: 'removed-field',
        evidence: (config) => {
            const headers = config['headers'];
            const listed = isRecord(headers) ? Object.keys(headers).filter((name) => Array.isArray(headers[name])) : [];
            return listed.length > 0 ? `config.headers ${listed.join(', ')} hold lists` : undefined;
        },
        title: 'gives header values as lists; 3.0 takes one string per header',
        remedy: 'Give each header in `config.headers` a single string value.',
    },
    {
        plugins: ['prometheus'],
        appliesFrom: '3.0.0',
        kind: 'behaviour',
        evidence: () => 'plugin enabled',
        title: 'exports reworked metrics from 3.0',
        remedy: 'Update dashboards and alerts for the renamed and merged metrics (e.g. `http_requests_total`, the split latency histograms), and turn on the status-code, latency, bandwidth and upstream-health metrics you need; they are off by default.',
    },
    {
        plugins: ['statsd'],
        appliesFrom: '3.0.0',
        kind: 'behaviour',
        evidence: () => 'plugin enabled',
        title: 'renames service metrics from 3.0',
        remedy: 'Update dashboards and alerts: service metrics gain a `service.` segment in their names.',
    },
];
const pluginChanges = {
    id: 'plugin-changes',
    check(context) {
        const crossed = CHANGES.filter((change) => crosses(context, change.appliesFrom));
        return context.entities.flatMap((set) => set.plugins.flatMap((plugin) => crossed.filter((change) => change.plugins.includes(plugin.name)).flatMap((change) => impactOf(change, plugin, set.source))));
    },
};
function impactOf(change, plugin, source) {
    const evidence = change.evidence(plugin.config);
    if (evidence === undefined)
        return [];
    // A file is loaded as written, so a removed field stops it loading. Stored configs go
    // through Kong's plugin migrations, which convert them where the plugin ships one (facts
    // plugin-migrations.txt); what remains is tooling that still sends the old field.
    const severity = change.kind === 'removed-field' && source === 'declarative' ? 'error' : 'warning';
    const stored = change.kind === 'removed-field' && source === 'admin-api'
        ? ' Stored configs are converted by the plugin migrations where they exist; scripts and files that still send the field will be rejected.'
        : '';
    return [
        {
            rule: 'plugin-changes',
            severity,
            title: `Plugin ${plugin.name} ${change.title}`,
            detail: `${plugin.where}: ${evidence} (changed in ${change.appliesFrom}).${stored}`,
            where: plugin.where,
            remedy: change.remedy,
        },
    ];
}
function setFields(config, names) {
    const set = names.filter((name) => !isUnset(config[name]));
    return set.length > 0 ? set.map((name) => `config.${name}`).join(', ') + ' set' : undefined;
}
function isUnset(value) {
    return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
}
function isRecord(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

;// CONCATENATED MODULE: ./build/changelog/impact/postgres-version.js

/**
 * The database server against what the target supports: below the minimum it runs on at all is
 * an error, outside the tested list a warning (facts upgrade-paths-helm-operator-deck.md §2.1:
 * tested lists per line, and `postgres: "9.5+"` as the runtime minimum).
 */
const postgresVersion = {
    id: 'postgres-version',
    check(context) {
        const postgres = context.postgres;
        if (!postgres)
            return [];
        const { tested, min } = postgres.supported;
        const target = (0,kong_version/* formatKongVersion */.Xz)(context.to);
        const server = serverNumber(postgres.serverVersion);
        const finding = (severity, title, detail, remedy) => [
            { rule: 'postgres-version', severity, title, detail, where: 'database', remedy },
        ];
        if (server === undefined) {
            return finding('warning', 'PostgreSQL server version not understood', `"${postgres.serverVersion}" does not start with a version number, so support by Kong ${target} was not checked.`, 'Check the server version against the support table by hand.');
        }
        const testedList = [...tested].sort((a, b) => a - b).join(', ');
        if (server < min) {
            return finding('error', `PostgreSQL ${server} is older than Kong ${target} supports`, `Kong ${target} needs PostgreSQL ${min} or newer; tested: ${testedList}.`, `Upgrade PostgreSQL to a tested version (${testedList}) before upgrading Kong.`);
        }
        if (!tested.includes(server)) {
            return finding('warning', `PostgreSQL ${server} is not among the versions Kong ${target} is tested with`, `Tested: ${testedList}.`, `Plan a PostgreSQL upgrade to a tested version (${testedList}), or test the migration on a copy first.`);
        }
        return [];
    },
};
// Before 10, PostgreSQL majors had two numbers (9.6); from 10 one (15.18 is major 15).
function serverNumber(text) {
    const match = /^\s*(\d+)(?:\.(\d+))?/.exec(text);
    if (!match)
        return undefined;
    const major = Number(match[1]);
    return major >= 10 || match[2] === undefined ? major : Number(`${major}.${match[2]}`);
}

;// CONCATENATED MODULE: ./build/changelog/impact/route-paths.js
/**
 * Route path facts shared by the two route rules (facts: upgrade-paths-helm-operator-deck.md
 * §5.3 and §6 items 1–2).
 */
/** 3.x reads a path as a regex only with this prefix (Kong 3.0.0 changelog, Kong/kong#9027). */
const REGEX_PREFIX = '~';
// decK's 2.x → 3.x heuristic (convert/convert.go, utils.IsPathRegexLike): a path is regex-like
// when it has any character outside this set. Kong's own migration adds `~` by the same idea.
const PLAIN_PATH = /^[a-zA-Z0-9._~/%-]*$/;
function isRegexLike(path) {
    return !path.startsWith(`${REGEX_PREFIX}/`) && !PLAIN_PATH.test(path);
}
/** The regex of a path as 3.x will see it: after `~`, or a 2.x path the migration will prefix. */
function regexOf(path) {
    if (path.startsWith(REGEX_PREFIX))
        return path.slice(REGEX_PREFIX.length);
    return isRegexLike(path) ? path : undefined;
}
/**
 * Constructs PCRE (the 2.x router) accepts and the Rust `regex` crate behind atc-router (the
 * 3.x `traditional_compatible` and `expressions` flavors) rejects: look-around, backreferences,
 * atomic groups and possessive quantifiers (facts §6 item 2, Kong/kong#9495). A small scanner
 * rather than a regex, so escapes and character classes do not cause false alarms.
 */
function unsupportedConstructs(pattern) {
    const found = new Set();
    let inClass = false;
    let afterQuantifier = false;
    for (let i = 0; i < pattern.length; i++) {
        const char = pattern[i];
        if (char === '\\') {
            const next = pattern.slice(i + 1, i + 3);
            if (!inClass && /^([1-9]|k[<{']|g[{\d-])/.test(next))
                found.add('backreference');
            i++;
            afterQuantifier = false;
            continue;
        }
        if (inClass) {
            if (char === ']')
                inClass = false;
            continue;
        }
        if (char === '[') {
            inClass = true;
            // A `]` right after `[` or `[^` is a literal member, not the end of the class.
            if (pattern[i + 1] === '^')
                i++;
            if (pattern[i + 1] === ']')
                i++;
            afterQuantifier = false;
            continue;
        }
        if (char === '(') {
            const group = pattern.slice(i + 1, i + 4);
            if (/^\?[=!]/.test(group))
                found.add('look-ahead');
            else if (/^\?<[=!]/.test(group))
                found.add('look-behind');
            else if (group.startsWith('?>'))
                found.add('atomic group');
            else if (group.startsWith('?P='))
                found.add('backreference');
            // The `?` opening a group is not a quantifier.
            if (group.startsWith('?'))
                i++;
            afterQuantifier = false;
            continue;
        }
        if (char === '+' && afterQuantifier)
            found.add('possessive quantifier');
        afterQuantifier = char === '*' || char === '+' || char === '?' || (char === '}' && /\{\d+(,\d*)?$/.test(pattern.slice(0, i)));
    }
    return [...found];
}

;// CONCATENATED MODULE: ./build/changelog/impact/route-regex-engine.js


/**
 * 2.x → 3.x: the 3.x default router flavor (`traditional_compatible`) matches regex paths with
 * atc-router's Rust engine, which rejects some PCRE constructs the 2.x router accepted (facts:
 * upgrade-paths-helm-operator-deck.md §6 item 2). Applies to Admin API and declarative routes
 * alike: the database migration adds the `~` prefix but cannot rewrite the pattern.
 */
const routeRegexEngine = {
    id: 'route-regex-engine',
    check(context) {
        if (!crosses(context, '3.0.0'))
            return [];
        // `router_flavor = traditional` keeps the PCRE router (the workaround in Kong/kong#9495).
        const keepsPcre = context.kongConf?.settings.get('router_flavor')?.value === 'traditional';
        return context.entities.flatMap((set) => set.routes.flatMap((route) => route.paths.flatMap(({ path, where }) => {
            const regex = regexOf(path);
            const constructs = regex === undefined ? [] : unsupportedConstructs(regex);
            if (constructs.length === 0)
                return [];
            return [
                {
                    rule: 'route-regex-engine',
                    severity: keepsPcre ? 'warning' : 'error',
                    title: `Route path uses regex features the 3.x router cannot compile: ${constructs.join(', ')}`,
                    detail: `${route.where}: path "${path}". From 3.0 the default router flavor compiles regex paths with ` +
                        `a Rust regex engine without ${constructs.join(', ')}` +
                        (keepsPcre ? '; your kong.conf keeps `router_flavor = traditional`, which still uses PCRE.' : '.'),
                    where,
                    remedy: 'Rewrite the pattern without these constructs (split it into several paths or routes), ' +
                        'or set `router_flavor = traditional` until it is rewritten.',
                },
            ];
        })));
    },
};

;// CONCATENATED MODULE: ./build/changelog/impact/route-regex-prefix.js


/**
 * 2.x → 3.x: 3.x treats a path as a regex only when it starts with `~`. The database migration
 * adds the prefix to stored routes, but a declarative file is loaded or synced as written, so a
 * 2.x regex path in it silently becomes a plain prefix match (facts:
 * upgrade-paths-helm-operator-deck.md §5.3, §6 item 1; Kong/kong#10279, Kong/deck#746).
 */
const routeRegexPrefix = {
    id: 'route-regex-prefix',
    check(context) {
        if (!crosses(context, '3.0.0'))
            return [];
        return context.entities.flatMap((set) => {
            if (set.source !== 'declarative')
                return [];
            // A file already in the 3.0 format means its author chose plain paths; decK only warns then.
            const severity = set.formatVersion !== undefined && Number(set.formatVersion) >= 3 ? 'warning' : 'error';
            return set.routes.flatMap((route) => route.paths.filter(({ path }) => isRegexLike(path)).map(({ path, where }) => ({
                rule: 'route-regex-prefix',
                severity,
                title: `Regex-looking route path without "${REGEX_PREFIX}" prefix`,
                detail: `${route.where}: path "${path}" will be matched as plain text on 3.x.`,
                where,
                remedy: remedyFor(route),
            })));
        });
    },
};
// decK's 2.x → 3.x convert visits only routes nested under services (facts §5.3, from reading
// its code, UNVERIFIED at runtime), so a top-level route may need the prefix by hand.
function remedyFor(route) {
    return route.placement === 'under-service'
        ? `Run \`deck file convert --from kong-gateway-2.x --to kong-gateway-3.x\` and review it, or prefix the path with "${REGEX_PREFIX}" by hand.`
        : `Prefix the path with "${REGEX_PREFIX}" by hand if it is a regex: decK's 2.x → 3.x convert may skip top-level routes.`;
}

;// CONCATENATED MODULE: ./build/changelog/impact/router-flavor.js

/**
 * `router_flavor` is new in 3.0.0 with `traditional_compatible` as default (kong.conf.default
 * 3.0.0; facts changelog-and-admin-api.md §A.4): routes are matched by atc-router, whose regex
 * engine and priorities differ from 2.x (facts upgrade-paths-helm-operator-deck.md §6 item 2,
 * Kong/kong#10151). Kong's Helm chart pins `traditional` for this reason.
 */
const routerFlavor = {
    id: 'router-flavor',
    check(context) {
        const conf = context.kongConf;
        if (!conf || conf.settings.has('router_flavor') || !crosses(context, '3.0.0'))
            return [];
        return [
            {
                rule: 'router-flavor',
                severity: 'warning',
                title: 'Routes will be matched by the 3.x router (`router_flavor = traditional_compatible`)',
                detail: `${conf.file} does not set \`router_flavor\`; on 3.x it defaults to \`traditional_compatible\`, whose regex engine and route priorities differ from the 2.x router.`,
                where: conf.file,
                remedy: 'Test your routes against the target in staging (see the route-regex-* findings); set `router_flavor = traditional` to keep the 2.x matcher while you migrate.',
            },
        ];
    },
};

;// CONCATENATED MODULE: ./build/changelog/impact/secure-by-default.js

// Auth plugins whose `hide_credentials` default turns on in 3.14 (facts
// upgrade-paths-helm-operator-deck.md §1.6, 3.10 → 3.14 "secure by default"). Only the
// long-standing bundled auth plugins are listed; others may be affected as well.
const AUTH_PLUGINS = ['basic-auth', 'key-auth', 'hmac-auth', 'ldap-auth', 'oauth2'];
/**
 * 3.14 changes defaults: routes default to `https` only, services verify upstream TLS, auth
 * plugins hide credentials (facts §1.6). A declarative file that leaves these fields out takes
 * the new values; `deck file convert --from 3.10 --to 3.14` pins the old ones (facts §5.3).
 * Entities read from the Admin API carry every field explicitly, so only files are checked.
 */
const secureByDefault = {
    id: 'secure-by-default',
    check(context) {
        if (!crosses(context, '3.14.0'))
            return [];
        return context.entities.flatMap((set) => {
            if (set.source !== 'declarative')
                return [];
            const omitted = (fields, name) => !(name in fields);
            return [
                ...set.routes
                    .filter((route) => omitted(route.fields, 'protocols'))
                    .map((route) => finding(route.where, 'Route leaves `protocols` out', 'will accept HTTPS only')),
                ...set.services
                    .filter((service) => omitted(service.fields, 'tls_verify'))
                    .map((service) => finding(service.where, 'Service leaves `tls_verify` out', 'will verify the upstream TLS certificate')),
                ...set.plugins
                    .filter((plugin) => AUTH_PLUGINS.includes(plugin.name) && omitted(plugin.config, 'hide_credentials'))
                    .map((plugin) => finding(plugin.where, `Plugin ${plugin.name} leaves \`hide_credentials\` out`, 'will strip the credential before proxying')),
            ];
        });
    },
};
function finding(where, title, effect) {
    return {
        rule: 'secure-by-default',
        severity: 'warning',
        title,
        detail: `${where}: from 3.14 the default changes, so this entity ${effect}.`,
        where,
        remedy: 'Run `deck file convert --from 3.10 --to 3.14` to pin the old defaults, or accept the new ones after testing.',
    };
}

;// CONCATENATED MODULE: ./build/changelog/impact/index.js











const IMPACT_RULES = [
    kongConfInvalidValue,
    kongConfRemovedProperty,
    kongConfDefaultChanged,
    routerFlavor,
    pluginChanges,
    routeRegexEngine,
    routeRegexPrefix,
    secureByDefault,
    postgresVersion,
    nginxTemplate,
];
/** Runs every rule on the deployment; errors first, then warnings, each in rule order. */
function analyzeImpact(input) {
    const { adminApi, declarative, ...rest } = input;
    const entities = [];
    if (adminApi)
        entities.push(adminApiEntities(adminApi));
    for (const file of declarative ?? [])
        entities.push(declarativeEntities(file.file, file.text));
    const context = { ...rest, entities };
    const impacts = IMPACT_RULES.flatMap((rule) => rule.check(context));
    return [...impacts.filter((i) => i.severity === 'error'), ...impacts.filter((i) => i.severity === 'warning')];
}


;// CONCATENATED MODULE: ./build/changelog/plan-impacts.js






/**
 * Collects what the user let us see of the deployment (kong.conf, declarative files, the
 * Admin API, the database server, a custom nginx template) and runs the impact rules on it.
 * Each source is read only when given; the user kong.conf is parsed first so a malformed
 * file fails before any network call.
 */
async function gatherImpacts(evidence) {
    const { request, from, to } = evidence;
    const kongConf = request.kongConf && { file: request.kongConf.path, settings: (0,kong_conf/* parseUserKongConf */.ET)(request.kongConf.text) };
    const [adminApi, postgres, nginx] = await Promise.all([
        evidence.admin && readInventory(evidence.admin, request.admin?.workspace, evidence.log),
        request.db && readPostgres(evidence, request.db),
        request.nginxTemplate && readDefaultTemplates(evidence),
    ]);
    const impacts = analyzeImpact({
        from,
        to,
        kongConf,
        kongConfDefaults: evidence.kongConf,
        adminApi,
        declarative: request.declarativeConfigs.map((file) => ({ file: file.path, text: file.text })),
        postgres,
        nginxTemplate: nginx?.templates,
    });
    // `where` is optional on a rule's finding but a key of the plan JSON (null when unknown).
    const found = impacts.map((impact) => ({ ...impact, where: impact.where }));
    if (request.nginxTemplate && nginx?.templates === undefined) {
        found.push({
            rule: 'nginx-template',
            severity: 'warning',
            title: 'Custom nginx template not compared',
            detail: nginx?.reason ?? 'Kong\'s default templates could not be read',
            where: request.nginxTemplate.path,
            remedy: 'Compare your template with kong/templates/nginx_kong.lua of the target by hand, or run the plan online.',
        });
    }
    return { found, files: nginx?.files ?? [] };
}
async function readInventory(admin, workspace, log) {
    const workspaces = workspace === 'all'
        ? (await admin.listAll('/workspaces')).map((ws) => ws.name)
        : [workspace];
    const inventories = await Promise.all(workspaces.map(async (ws) => {
        const [routes, plugins, services] = await Promise.all([
            admin.listAll('/routes', ws),
            admin.listAll('/plugins', ws),
            admin.listAll('/services', ws),
        ]);
        return { routes, plugins, services };
    }));
    const inventory = {
        routes: inventories.flatMap((i) => i.routes),
        plugins: inventories.flatMap((i) => i.plugins),
        services: inventories.flatMap((i) => i.services),
    };
    log(`Admin API: ${inventory.services.length} services, ${inventory.routes.length} routes, ${inventory.plugins.length} plugins checked`);
    return inventory;
}
async function readPostgres(evidence, db) {
    const supported = postgresSupport((0,kong_version/* releaseLine */.aY)(evidence.to));
    if (supported === undefined)
        return undefined;
    const serverVersion = await evidence.readServerVersion(db);
    evidence.log(`PostgreSQL server version ${serverVersion}`);
    return { serverVersion, supported: { tested: supported.tested, min: supported.minimum } };
}
async function readDefaultTemplates(evidence) {
    const { from, to, read, request } = evidence;
    if ((0,kong_version/* editionOf */.yU)(to) === 'enterprise')
        return { templates: undefined, reason: 'Kong Enterprise\'s default templates are not public', files: [] };
    if (read === undefined)
        return { templates: undefined, reason: 'Kong\'s default templates are read from GitHub, and this plan is offline', files: [] };
    try {
        const now = new Date();
        const [a, b] = await Promise.all([read(nginxTemplateAt((0,kong_version/* formatKongVersion */.Xz)(from))), read(nginxTemplateAt((0,kong_version/* formatKongVersion */.Xz)(to)))]);
        return {
            templates: { file: request.nginxTemplate.path, custom: request.nginxTemplate.text, defaultFrom: a.text, defaultTo: b.text },
            reason: undefined,
            files: [sourceFileOf(`nginx template ${(0,kong_version/* formatKongVersion */.Xz)(from)}`, a, now), sourceFileOf(`nginx template ${(0,kong_version/* formatKongVersion */.Xz)(to)}`, b, now)],
        };
    }
    catch (error) {
        return { templates: undefined, reason: `Kong's default templates could not be read: ${error.message}`, files: [] };
    }
}

;// CONCATENATED MODULE: ./build/changelog/kong-conf-defaults.generated.js
// Generated by scripts/gen-kong-conf-data.mjs from kong.conf.default of each Kong/kong tag
// listed; do not edit. Per tag, oldest first, the properties in file order: a name alone has
// the previous tag's default, [name, default] is new or changed ('' for an empty default).
const KONG_CONF_DEFAULTS_DELTAS = [
    ["1.5.1", [["prefix", "/usr/local/kong/"], ["log_level", "notice"], ["proxy_access_log", "logs/access.log"], ["proxy_error_log", "logs/error.log"], ["admin_access_log", "logs/admin_access.log"], ["admin_error_log", "logs/error.log"], ["status_access_log", "off"], ["status_error_log", "logs/status_error.log"], ["plugins", "bundled"], ["anonymous_reports", "on"], ["service_mesh", "off"], ["proxy_listen", "0.0.0.0:8000, 0.0.0.0:8443 ssl"], ["stream_listen", "off"], ["admin_listen", "127.0.0.1:8001, 127.0.0.1:8444 ssl"], ["nginx_user", "nobody nobody"], ["nginx_worker_processes", "auto"], ["nginx_daemon", "on"], ["mem_cache_size", "128m"], ["ssl_cipher_suite", "modern"], ["ssl_ciphers", ""], ["ssl_cert", ""], ["ssl_cert_key", ""], ["client_ssl", "off"], ["client_ssl_cert", ""], ["client_ssl_cert_key", ""], ["admin_ssl_cert", ""], ["admin_ssl_cert_key", ""], ["headers", "server_tokens, latency_tokens"], ["trusted_ips", ""], ["real_ip_header", "X-Real-IP"], ["real_ip_recursive", "off"], ["client_max_body_size", "0"], ["client_body_buffer_size", "8k"], ["error_default_type", "text/plain"], ["nginx_http_ssl_protocols", "TLSv1.1 TLSv1.2 TLSv1.3"], ["nginx_http_upstream_keepalive", "60"], ["nginx_http_upstream_keepalive_requests", "100"], ["nginx_http_upstream_keepalive_timeout", "60s"], ["database", "postgres"], ["pg_host", "127.0.0.1"], ["pg_port", "5432"], ["pg_timeout", "5000"], ["pg_user", "kong"], ["pg_password", ""], ["pg_database", "kong"], ["pg_schema", ""], ["pg_ssl", "off"], ["pg_ssl_verify", "off"], ["pg_max_concurrent_queries", "0"], ["pg_semaphore_timeout", "60000"], ["cassandra_contact_points", "127.0.0.1"], ["cassandra_port", "9042"], ["cassandra_keyspace", "kong"], ["cassandra_consistency", "ONE"], ["cassandra_timeout", "5000"], ["cassandra_ssl", "off"], ["cassandra_ssl_verify", "off"], ["cassandra_username", "kong"], ["cassandra_password", ""], ["cassandra_lb_policy", "RequestRoundRobin"], ["cassandra_local_datacenter", ""], ["cassandra_refresh_frequency", "60"], ["cassandra_repl_strategy", "SimpleStrategy"], ["cassandra_repl_factor", "1"], ["cassandra_data_centers", "dc1:2,dc2:3"], ["cassandra_schema_consensus_timeout", "10000"], ["declarative_config", ""], ["db_update_frequency", "5"], ["db_update_propagation", "0"], ["db_cache_ttl", "0"], ["db_resurrect_ttl", "30"], ["db_cache_warmup_entities", "services, plugins"], ["dns_resolver", ""], ["dns_hostsfile", "/etc/hosts"], ["dns_order", "LAST,SRV,A,CNAME"], ["dns_valid_ttl", ""], ["dns_stale_ttl", "4"], ["dns_not_found_ttl", "30"], ["dns_error_ttl", "1"], ["dns_no_sync", "off"], ["router_consistency", "strict"], ["router_update_frequency", "1"], ["lua_ssl_trusted_certificate", ""], ["lua_ssl_verify_depth", "1"], ["lua_package_path", "./?.lua;./?/init.lua;"], ["lua_package_cpath", ""], ["lua_socket_pool_size", "30"]]],
    ["2.1.0", ["prefix", "log_level", "proxy_access_log", "proxy_error_log", "admin_access_log", "admin_error_log", "status_access_log", "status_error_log", "plugins", ["go_pluginserver_exe", "/usr/local/bin/go-pluginserver"], ["go_plugins_dir", "off"], ["port_maps", ""], "anonymous_reports", ["role", "traditional"], ["cluster_cert", ""], ["cluster_cert_key", ""], ["cluster_control_plane", ""], ["cluster_listen", "0.0.0.0:8005"], ["proxy_listen", "0.0.0.0:8000 reuseport backlog=16384, 0.0.0.0:8443 http2 ssl reuseport backlog=16384"], "stream_listen", ["admin_listen", "127.0.0.1:8001 reuseport backlog=16384, 127.0.0.1:8444 http2 ssl reuseport backlog=16384"], "nginx_user", "nginx_worker_processes", "nginx_daemon", "mem_cache_size", ["ssl_cipher_suite", "intermediate"], "ssl_ciphers", ["ssl_protocols", "TLSv1.1 TLSv1.2 TLSv1.3"], ["ssl_prefer_server_ciphers", "on"], ["ssl_session_tickets", "on"], ["ssl_session_timeout", "1d"], "ssl_cert", "ssl_cert_key", "client_ssl", "client_ssl_cert", "client_ssl_cert_key", "admin_ssl_cert", "admin_ssl_cert_key", ["status_ssl_cert", ""], ["status_ssl_cert_key", ""], "headers", "trusted_ips", "real_ip_header", "real_ip_recursive", "error_default_type", ["upstream_keepalive_pool_size", "60"], ["upstream_keepalive_max_requests", "100"], ["upstream_keepalive_idle_timeout", "60"], ["nginx_main_worker_rlimit_nofile", "auto"], ["nginx_events_worker_connections", "auto"], ["nginx_http_client_header_buffer_size", "1k"], ["nginx_http_large_client_header_buffers", "4 8k"], ["nginx_http_client_max_body_size", "0"], ["nginx_http_client_body_buffer_size", "8k"], "database", "pg_host", "pg_port", "pg_timeout", "pg_user", "pg_password", "pg_database", "pg_schema", "pg_ssl", "pg_ssl_verify", "pg_max_concurrent_queries", "pg_semaphore_timeout", ["pg_ro_host", "NONE"], ["pg_ro_port", "<pg_port>"], ["pg_ro_timeout", "<pg_timeout>"], ["pg_ro_user", "<pg_user>"], ["pg_ro_password", "<pg_password>"], ["pg_ro_database", "<pg_database>"], ["pg_ro_schema", "<pg_schema>"], ["pg_ro_ssl", "<pg_ssl>"], ["pg_ro_ssl_verify", "<pg_ssl_verify>"], ["pg_ro_max_concurrent_queries", "<pg_max_concurrent_queries>"], ["pg_ro_semaphore_timeout", "<pg_semaphore_timeout>"], "cassandra_contact_points", "cassandra_port", "cassandra_keyspace", ["cassandra_write_consistency", "ONE"], ["cassandra_read_consistency", "ONE"], "cassandra_timeout", "cassandra_ssl", "cassandra_ssl_verify", "cassandra_username", "cassandra_password", "cassandra_lb_policy", "cassandra_local_datacenter", "cassandra_refresh_frequency", "cassandra_repl_strategy", "cassandra_repl_factor", "cassandra_data_centers", "cassandra_schema_consensus_timeout", "declarative_config", "db_update_frequency", "db_update_propagation", "db_cache_ttl", ["db_cache_neg_ttl", ""], "db_resurrect_ttl", "db_cache_warmup_entities", "dns_resolver", "dns_hostsfile", "dns_order", "dns_valid_ttl", "dns_stale_ttl", "dns_not_found_ttl", "dns_error_ttl", "dns_no_sync", ["worker_consistency", "strict"], ["worker_state_update_frequency", "5"], "lua_ssl_trusted_certificate", "lua_ssl_verify_depth", "lua_package_path", "lua_package_cpath", "lua_socket_pool_size"]],
    ["2.8.0", ["prefix", "log_level", "proxy_access_log", "proxy_error_log", ["proxy_stream_access_log", "logs/access.log basic"], ["proxy_stream_error_log", "logs/error.log"], "admin_access_log", "admin_error_log", "status_access_log", "status_error_log", ["vaults", "off"], "plugins", ["pluginserver_names", ""], "port_maps", "anonymous_reports", "role", ["cluster_mtls", "shared"], "cluster_cert", "cluster_cert_key", ["cluster_ca_cert", ""], ["cluster_server_name", ""], "cluster_control_plane", ["cluster_max_payload", "4194304"], "cluster_listen", ["cluster_data_plane_purge_delay", "1209600"], ["cluster_ocsp", "off"], "proxy_listen", "stream_listen", "admin_listen", ["status_listen", "off"], ["nginx_user", "kong kong"], "nginx_worker_processes", "nginx_daemon", "mem_cache_size", "ssl_cipher_suite", "ssl_ciphers", "ssl_protocols", "ssl_prefer_server_ciphers", ["ssl_dhparam", ""], "ssl_session_tickets", "ssl_session_timeout", "ssl_cert", "ssl_cert_key", "client_ssl", "client_ssl_cert", "client_ssl_cert_key", "admin_ssl_cert", "admin_ssl_cert_key", "status_ssl_cert", "status_ssl_cert_key", "headers", "trusted_ips", "real_ip_header", "real_ip_recursive", "error_default_type", "upstream_keepalive_pool_size", "upstream_keepalive_max_requests", "upstream_keepalive_idle_timeout", "nginx_main_worker_rlimit_nofile", "nginx_events_worker_connections", "nginx_http_client_header_buffer_size", "nginx_http_large_client_header_buffers", "nginx_http_client_max_body_size", ["nginx_admin_client_max_body_size", "10m"], "nginx_http_client_body_buffer_size", ["nginx_admin_client_body_buffer_size", "10m"], ["nginx_http_lua_regex_match_limit", "100000"], "database", "pg_host", "pg_port", "pg_timeout", "pg_user", "pg_password", "pg_database", "pg_schema", "pg_ssl", "pg_ssl_verify", "pg_max_concurrent_queries", "pg_semaphore_timeout", ["pg_ro_host", ""], "pg_ro_port", "pg_ro_timeout", "pg_ro_user", "pg_ro_password", "pg_ro_database", "pg_ro_schema", "pg_ro_ssl", "pg_ro_ssl_verify", "pg_ro_max_concurrent_queries", "pg_ro_semaphore_timeout", "cassandra_contact_points", "cassandra_port", "cassandra_keyspace", "cassandra_write_consistency", "cassandra_read_consistency", "cassandra_timeout", "cassandra_ssl", "cassandra_ssl_verify", "cassandra_username", "cassandra_password", "cassandra_lb_policy", "cassandra_local_datacenter", "cassandra_refresh_frequency", "cassandra_repl_strategy", "cassandra_repl_factor", "cassandra_data_centers", "cassandra_schema_consensus_timeout", "declarative_config", ["declarative_config_string", ""], "db_update_frequency", "db_update_propagation", "db_cache_ttl", "db_cache_neg_ttl", "db_resurrect_ttl", ["db_cache_warmup_entities", "services"], "dns_resolver", "dns_hostsfile", "dns_order", "dns_valid_ttl", "dns_stale_ttl", ["dns_cache_size", "10000"], "dns_not_found_ttl", "dns_error_ttl", "dns_no_sync", "worker_consistency", "worker_state_update_frequency", "lua_ssl_trusted_certificate", "lua_ssl_verify_depth", ["lua_ssl_protocols", "TLSv1.1 TLSv1.2 TLSv1.3"], "lua_package_path", "lua_package_cpath", "lua_socket_pool_size", ["untrusted_lua", "sandbox"], ["untrusted_lua_sandbox_requires", ""], ["untrusted_lua_sandbox_environment", ""]]],
    ["3.0.0", ["prefix", "log_level", "proxy_access_log", "proxy_error_log", "proxy_stream_access_log", "proxy_stream_error_log", "admin_access_log", "admin_error_log", "status_access_log", "status_error_log", ["vaults", "bundled"], ["opentelemetry_tracing", "off"], ["opentelemetry_tracing_sampling_rate", "1.0"], "plugins", "pluginserver_names", "port_maps", "anonymous_reports", "role", "cluster_mtls", "cluster_cert", "cluster_cert_key", "cluster_ca_cert", "cluster_server_name", "cluster_control_plane", "cluster_max_payload", "cluster_listen", "cluster_data_plane_purge_delay", "cluster_ocsp", "proxy_listen", "stream_listen", "admin_listen", "status_listen", "nginx_user", "nginx_worker_processes", "nginx_daemon", "mem_cache_size", "ssl_cipher_suite", "ssl_ciphers", "ssl_protocols", "ssl_prefer_server_ciphers", "ssl_dhparam", "ssl_session_tickets", "ssl_session_timeout", "ssl_cert", "ssl_cert_key", "client_ssl", "client_ssl_cert", "client_ssl_cert_key", "admin_ssl_cert", "admin_ssl_cert_key", "status_ssl_cert", "status_ssl_cert_key", "headers", "trusted_ips", "real_ip_header", "real_ip_recursive", "error_default_type", "upstream_keepalive_pool_size", "upstream_keepalive_max_requests", "upstream_keepalive_idle_timeout", "nginx_main_worker_rlimit_nofile", "nginx_events_worker_connections", "nginx_http_client_header_buffer_size", "nginx_http_large_client_header_buffers", "nginx_http_client_max_body_size", "nginx_admin_client_max_body_size", "nginx_http_client_body_buffer_size", "nginx_admin_client_body_buffer_size", "nginx_http_lua_regex_match_limit", "database", "pg_host", "pg_port", "pg_timeout", "pg_user", "pg_password", "pg_database", "pg_schema", "pg_ssl", "pg_ssl_verify", "pg_max_concurrent_queries", "pg_semaphore_timeout", "pg_ro_host", "pg_ro_port", "pg_ro_timeout", "pg_ro_user", "pg_ro_password", "pg_ro_database", "pg_ro_schema", "pg_ro_ssl", "pg_ro_ssl_verify", "pg_ro_max_concurrent_queries", "pg_ro_semaphore_timeout", "cassandra_contact_points", "cassandra_port", "cassandra_keyspace", "cassandra_write_consistency", "cassandra_read_consistency", "cassandra_timeout", "cassandra_ssl", "cassandra_ssl_verify", "cassandra_username", "cassandra_password", "cassandra_lb_policy", "cassandra_local_datacenter", "cassandra_refresh_frequency", "cassandra_repl_strategy", "cassandra_repl_factor", "cassandra_data_centers", "cassandra_schema_consensus_timeout", "declarative_config", "declarative_config_string", "db_update_frequency", "db_update_propagation", "db_cache_ttl", "db_cache_neg_ttl", "db_resurrect_ttl", "db_cache_warmup_entities", "dns_resolver", "dns_hostsfile", "dns_order", "dns_valid_ttl", "dns_stale_ttl", "dns_cache_size", "dns_not_found_ttl", "dns_error_ttl", "dns_no_sync", ["worker_consistency", "eventual"], "worker_state_update_frequency", ["router_flavor", "traditional_compatible"], ["lua_ssl_trusted_certificate", "system"], "lua_ssl_verify_depth", "lua_ssl_protocols", "lua_package_path", "lua_package_cpath", "lua_socket_pool_size", "untrusted_lua", "untrusted_lua_sandbox_requires", "untrusted_lua_sandbox_environment", ["openresty_path", ""]]],
    ["3.4.0", ["prefix", "log_level", "proxy_access_log", "proxy_error_log", "proxy_stream_access_log", "proxy_stream_error_log", "admin_access_log", "admin_error_log", "status_access_log", "status_error_log", "vaults", "opentelemetry_tracing", ["tracing_instrumentations", "off"], "opentelemetry_tracing_sampling_rate", ["tracing_sampling_rate", "0.01"], "plugins", "pluginserver_names", "port_maps", "anonymous_reports", ["proxy_server", ""], ["proxy_server_ssl_verify", "off"], ["error_template_html", ""], ["error_template_json", ""], ["error_template_xml", ""], ["error_template_plain", ""], "role", "cluster_mtls", "cluster_cert", "cluster_cert_key", "cluster_ca_cert", "cluster_server_name", "cluster_control_plane", ["cluster_max_payload", "16777216"], ["cluster_dp_labels", ""], "cluster_listen", "cluster_data_plane_purge_delay", "cluster_ocsp", ["cluster_use_proxy", "off"], "proxy_listen", "stream_listen", "admin_listen", "status_listen", "nginx_user", "nginx_worker_processes", "nginx_daemon", "mem_cache_size", "ssl_cipher_suite", "ssl_ciphers", "ssl_protocols", "ssl_prefer_server_ciphers", "ssl_dhparam", "ssl_session_tickets", "ssl_session_timeout", ["ssl_session_cache_size", "10m"], "ssl_cert", "ssl_cert_key", "client_ssl", "client_ssl_cert", "client_ssl_cert_key", "admin_ssl_cert", "admin_ssl_cert_key", "status_ssl_cert", "status_ssl_cert_key", "headers", "trusted_ips", "real_ip_header", "real_ip_recursive", "error_default_type", "upstream_keepalive_pool_size", "upstream_keepalive_max_requests", "upstream_keepalive_idle_timeout", ["allow_debug_header", "off"], "nginx_main_worker_rlimit_nofile", "nginx_events_worker_connections", "nginx_http_client_header_buffer_size", "nginx_http_large_client_header_buffers", "nginx_http_client_max_body_size", "nginx_admin_client_max_body_size", ["nginx_http_charset", "UTF-8"], "nginx_http_client_body_buffer_size", "nginx_admin_client_body_buffer_size", "nginx_http_lua_regex_match_limit", ["nginx_http_lua_regex_cache_max_entries", "8192"], "database", "pg_host", "pg_port", "pg_timeout", "pg_user", "pg_password", "pg_database", "pg_schema", "pg_ssl", "pg_ssl_verify", "pg_max_concurrent_queries", "pg_semaphore_timeout", ["pg_keepalive_timeout", ""], ["pg_pool_size", ""], ["pg_backlog", ""], "pg_ro_host", "pg_ro_port", "pg_ro_timeout", "pg_ro_user", "pg_ro_password", "pg_ro_database", "pg_ro_schema", "pg_ro_ssl", "pg_ro_ssl_verify", "pg_ro_max_concurrent_queries", "pg_ro_semaphore_timeout", ["pg_ro_keepalive_timeout", "<pg_keepalive_timeout>"], ["pg_ro_pool_size", "<pg_pool_size>"], ["pg_ro_backlog", "<pg_backlog>"], "declarative_config", "declarative_config_string", ["lmdb_environment_path", "dbless.lmdb"], ["lmdb_map_size", "2048m"], "db_update_frequency", "db_update_propagation", "db_cache_ttl", "db_cache_neg_ttl", "db_resurrect_ttl", "db_cache_warmup_entities", "dns_resolver", "dns_hostsfile", "dns_order", "dns_valid_ttl", "dns_stale_ttl", "dns_cache_size", "dns_not_found_ttl", "dns_error_ttl", "dns_no_sync", ["vault_env_prefix", ""], "worker_consistency", "worker_state_update_frequency", "router_flavor", ["lua_max_req_headers", "100"], ["lua_max_resp_headers", "100"], ["lua_max_uri_args", "100"], ["lua_max_post_args", "100"], "lua_ssl_trusted_certificate", "lua_ssl_verify_depth", "lua_ssl_protocols", "lua_package_path", "lua_package_cpath", "lua_socket_pool_size", "untrusted_lua", "untrusted_lua_sandbox_requires", "untrusted_lua_sandbox_environment", "openresty_path", ["node_id", ""], ["admin_gui_listen", "0.0.0.0:8002, 0.0.0.0:8445 ssl"], ["admin_gui_url", ""], ["admin_gui_path", "/"], ["admin_gui_api_url", ""], ["admin_gui_ssl_cert", ""], ["admin_gui_ssl_cert_key", ""], ["admin_gui_access_log", "logs/admin_gui_access.log"], ["admin_gui_error_log", "logs/admin_gui_error.log"], ["wasm", "off"], ["wasm_filters_path", ""]]],
    ["3.4.2", ["prefix", "log_level", "proxy_access_log", "proxy_error_log", "proxy_stream_access_log", "proxy_stream_error_log", "admin_access_log", "admin_error_log", "status_access_log", "status_error_log", "vaults", "opentelemetry_tracing", "tracing_instrumentations", "opentelemetry_tracing_sampling_rate", "tracing_sampling_rate", "plugins", "pluginserver_names", "port_maps", "anonymous_reports", "proxy_server", "proxy_server_ssl_verify", "error_template_html", "error_template_json", "error_template_xml", "error_template_plain", "role", "cluster_mtls", "cluster_cert", "cluster_cert_key", "cluster_ca_cert", "cluster_server_name", "cluster_control_plane", "cluster_max_payload", "cluster_dp_labels", "cluster_listen", "cluster_data_plane_purge_delay", "cluster_ocsp", "cluster_use_proxy", "proxy_listen", "stream_listen", "admin_listen", "status_listen", "nginx_user", "nginx_worker_processes", "nginx_daemon", "mem_cache_size", "ssl_cipher_suite", "ssl_ciphers", "ssl_protocols", "ssl_prefer_server_ciphers", "ssl_dhparam", "ssl_session_tickets", "ssl_session_timeout", "ssl_session_cache_size", "ssl_cert", "ssl_cert_key", "client_ssl", "client_ssl_cert", "client_ssl_cert_key", "admin_ssl_cert", "admin_ssl_cert_key", "status_ssl_cert", "status_ssl_cert_key", "headers", "trusted_ips", "real_ip_header", "real_ip_recursive", "error_default_type", ["upstream_keepalive_pool_size", "512"], ["upstream_keepalive_max_requests", "1000"], "upstream_keepalive_idle_timeout", "allow_debug_header", "nginx_main_worker_rlimit_nofile", "nginx_events_worker_connections", "nginx_http_client_header_buffer_size", "nginx_http_large_client_header_buffers", "nginx_http_client_max_body_size", "nginx_admin_client_max_body_size", "nginx_http_charset", "nginx_http_client_body_buffer_size", "nginx_admin_client_body_buffer_size", "nginx_http_lua_regex_match_limit", "nginx_http_lua_regex_cache_max_entries", ["nginx_http_keepalive_requests", "1000"], "database", "pg_host", "pg_port", "pg_timeout", "pg_user", "pg_password", "pg_database", "pg_schema", "pg_ssl", "pg_ssl_verify", "pg_max_concurrent_queries", "pg_semaphore_timeout", "pg_keepalive_timeout", "pg_pool_size", "pg_backlog", "pg_ro_host", "pg_ro_port", "pg_ro_timeout", "pg_ro_user", "pg_ro_password", "pg_ro_database", "pg_ro_schema", "pg_ro_ssl", "pg_ro_ssl_verify", "pg_ro_max_concurrent_queries", "pg_ro_semaphore_timeout", "pg_ro_keepalive_timeout", "pg_ro_pool_size", "pg_ro_backlog", "declarative_config", "declarative_config_string", "lmdb_environment_path", "lmdb_map_size", "db_update_frequency", "db_update_propagation", "db_cache_ttl", "db_cache_neg_ttl", "db_resurrect_ttl", "db_cache_warmup_entities", "dns_resolver", "dns_hostsfile", "dns_order", "dns_valid_ttl", "dns_stale_ttl", "dns_cache_size", "dns_not_found_ttl", "dns_error_ttl", "dns_no_sync", "vault_env_prefix", "worker_consistency", "worker_state_update_frequency", "router_flavor", "lua_max_req_headers", "lua_max_resp_headers", "lua_max_uri_args", "lua_max_post_args", "lua_ssl_trusted_certificate", "lua_ssl_verify_depth", "lua_ssl_protocols", "lua_package_path", "lua_package_cpath", "lua_socket_pool_size", "untrusted_lua", "untrusted_lua_sandbox_requires", "untrusted_lua_sandbox_environment", "openresty_path", "node_id", "admin_gui_listen", "admin_gui_url", "admin_gui_path", "admin_gui_api_url", "admin_gui_ssl_cert", "admin_gui_ssl_cert_key", "admin_gui_access_log", "admin_gui_error_log", "wasm", "wasm_filters_path"]],
    ["3.9.3", ["prefix", "log_level", "proxy_access_log", "proxy_error_log", "proxy_stream_access_log", "proxy_stream_error_log", "admin_access_log", "admin_error_log", "status_access_log", "status_error_log", "vaults", "opentelemetry_tracing", "tracing_instrumentations", "opentelemetry_tracing_sampling_rate", "tracing_sampling_rate", "plugins", ["dedicated_config_processing", "on"], "pluginserver_names", "port_maps", "anonymous_reports", "proxy_server", "proxy_server_ssl_verify", "error_template_html", "error_template_json", "error_template_xml", "error_template_plain", "role", "cluster_mtls", "cluster_cert", "cluster_cert_key", "cluster_ca_cert", "cluster_server_name", "cluster_control_plane", "cluster_max_payload", "cluster_dp_labels", "cluster_listen", "cluster_data_plane_purge_delay", "cluster_ocsp", "cluster_use_proxy", "proxy_listen", "stream_listen", "admin_listen", ["status_listen", "127.0.0.1:8007 reuseport backlog=16384"], "nginx_user", "nginx_worker_processes", "nginx_daemon", "mem_cache_size", "ssl_cipher_suite", "ssl_ciphers", ["ssl_protocols", "TLSv1.2 TLSv1.3"], "ssl_prefer_server_ciphers", "ssl_dhparam", "ssl_session_tickets", "ssl_session_timeout", "ssl_session_cache_size", "ssl_cert", "ssl_cert_key", "client_ssl", "client_ssl_cert", "client_ssl_cert_key", "admin_ssl_cert", "admin_ssl_cert_key", "status_ssl_cert", "status_ssl_cert_key", ["debug_ssl_cert", ""], ["debug_ssl_cert_key", ""], ["headers", "server_tokens, latency_tokens, X-Kong-Request-Id"], ["headers_upstream", "X-Kong-Request-Id"], "trusted_ips", "real_ip_header", "real_ip_recursive", "error_default_type", "upstream_keepalive_pool_size", ["upstream_keepalive_max_requests", "10000"], "upstream_keepalive_idle_timeout", "allow_debug_header", "nginx_main_worker_rlimit_nofile", "nginx_events_worker_connections", "nginx_http_client_header_buffer_size", "nginx_http_large_client_header_buffers", "nginx_http_client_max_body_size", "nginx_admin_client_max_body_size", "nginx_http_charset", "nginx_http_client_body_buffer_size", "nginx_admin_client_body_buffer_size", "nginx_http_lua_regex_match_limit", "nginx_http_lua_regex_cache_max_entries", ["nginx_http_keepalive_requests", "10000"], "database", "pg_host", "pg_port", "pg_timeout", "pg_user", "pg_password", "pg_database", "pg_schema", "pg_ssl", "pg_ssl_verify", "pg_max_concurrent_queries", "pg_semaphore_timeout", "pg_keepalive_timeout", "pg_pool_size", "pg_backlog", "pg_ro_host", "pg_ro_port", "pg_ro_timeout", "pg_ro_user", "pg_ro_password", "pg_ro_database", "pg_ro_schema", "pg_ro_ssl", "pg_ro_ssl_verify", "pg_ro_max_concurrent_queries", "pg_ro_semaphore_timeout", "pg_ro_keepalive_timeout", "pg_ro_pool_size", "pg_ro_backlog", "declarative_config", "declarative_config_string", "lmdb_environment_path", "lmdb_map_size", "db_update_frequency", "db_update_propagation", "db_cache_ttl", "db_cache_neg_ttl", "db_resurrect_ttl", "db_cache_warmup_entities", "dns_resolver", "dns_hostsfile", "dns_order", "dns_valid_ttl", ["dns_stale_ttl", "3600"], "dns_cache_size", "dns_not_found_ttl", "dns_error_ttl", "dns_no_sync", ["new_dns_client", "off"], ["resolver_address", "<name servers parsed from resolv.conf>"], ["resolver_hosts_file", "/etc/hosts"], ["resolver_family", "A,SRV"], ["resolver_valid_ttl", "<TTL from responses>"], ["resolver_error_ttl", "1"], ["resolver_stale_ttl", "3600"], ["resolver_lru_cache_size", "10000"], ["resolver_mem_cache_size", "5m"], "vault_env_prefix", "worker_consistency", "worker_state_update_frequency", "router_flavor", "lua_max_req_headers", "lua_max_resp_headers", "lua_max_uri_args", "lua_max_post_args", "lua_ssl_trusted_certificate", "lua_ssl_verify_depth", ["lua_ssl_protocols", "TLSv1.2 TLSv1.3"], "lua_package_path", "lua_package_cpath", ["lua_socket_pool_size", "256"], "untrusted_lua", "untrusted_lua_sandbox_requires", "untrusted_lua_sandbox_environment", "openresty_path", "node_id", "admin_gui_listen", "admin_gui_url", "admin_gui_path", "admin_gui_api_url", "admin_gui_ssl_cert", "admin_gui_ssl_cert_key", "admin_gui_access_log", "admin_gui_error_log", "wasm", "wasm_filters_path", ["wasm_filters", "bundled,user"], ["request_debug", "on"], ["request_debug_token", "<random>"]]],
];

;// CONCATENATED MODULE: ./build/changelog/kong-conf-builtin.js


/** Tag → its defaults in file order, expanded from the generated deltas. */
const KONG_CONF_DEFAULTS_BY_TAG = (() => {
    const byTag = new Map();
    let previous = new Map();
    for (const [tag, entries] of KONG_CONF_DEFAULTS_DELTAS) {
        const defaults = new Map(entries.map((entry) => (typeof entry === 'string' ? [entry, previous.get(entry)] : entry)));
        byTag.set(tag, defaults);
        previous = defaults;
    }
    return byTag;
})();
const KNOWN = [...KONG_CONF_DEFAULTS_BY_TAG]
    .map(([tag, defaults]) => ({ tag, version: (0,kong_version/* tryParseKongVersion */.SC)(tag), defaults }))
    .sort((a, b) => (0,kong_version/* compareKongVersions */.QR)(b.version, a.version));
function builtInKongConfDefaults(version) {
    const wanted = (0,kong_version/* formatKongVersion */.Xz)(version);
    if ((0,kong_version/* editionOf */.yU)(version) === 'enterprise') {
        return { kind: 'not-available', reason: `Kong publishes no kong.conf.default for Enterprise ${wanted}` };
    }
    const known = KNOWN.find((entry) => (0,kong_version/* sameLine */.tW)(entry.version, version) && (0,kong_version/* compareKongVersions */.QR)(entry.version, version) <= 0);
    if (!known) {
        return { kind: 'not-available', reason: `no built-in kong.conf.default for the ${(0,kong_version/* releaseLine */.aY)(version)} line at or below ${wanted}` };
    }
    return {
        kind: 'available',
        tag: known.tag,
        match: (0,kong_version/* compareKongVersions */.QR)(known.version, version) === 0 ? 'exact' : 'nearest-below',
        defaults: known.defaults,
    };
}

;// CONCATENATED MODULE: ./build/changelog/plan-kong-conf.js





/**
 * kong.conf.default of both ends, fetched at the OSS tags (or from the cache), else built in.
 * Enterprise publishes no kong.conf.default, so an Enterprise plan says so instead of guessing.
 */
async function loadKongConfChanges(from, to, read, now) {
    if ((0,kong_version/* editionOf */.yU)(to) === 'enterprise') {
        return notAvailable(`Kong publishes no kong.conf.default for Enterprise ${(0,kong_version/* formatKongVersion */.Xz)(to)}`);
    }
    if (read !== undefined) {
        try {
            const [a, b] = await Promise.all([read(kongConfDefaultAt((0,kong_version/* formatKongVersion */.Xz)(from))), read(kongConfDefaultAt((0,kong_version/* formatKongVersion */.Xz)(to)))]);
            return available((0,kong_version/* formatKongVersion */.Xz)(from), (0,kong_conf/* parseKongConfDefault */.KQ)(a.text), (0,kong_version/* formatKongVersion */.Xz)(to), (0,kong_conf/* parseKongConfDefault */.KQ)(b.text), [
                sourceFileOf(`kong.conf.default ${(0,kong_version/* formatKongVersion */.Xz)(from)}`, a, now),
                sourceFileOf(`kong.conf.default ${(0,kong_version/* formatKongVersion */.Xz)(to)}`, b, now),
            ]);
        }
        catch {
            // Not fetched (unreachable, not cached): the built-in defaults below still answer.
        }
    }
    const a = builtInKongConfDefaults(from);
    const b = builtInKongConfDefaults(to);
    if (a.kind === 'not-available')
        return notAvailable(a.reason);
    if (b.kind === 'not-available')
        return notAvailable(b.reason);
    const label = (tag, match) => (match === 'exact' ? tag : `${tag} (nearest built-in)`);
    return available(label(a.tag, a.match), a.defaults, label(b.tag, b.match), b.defaults, []);
}
function available(fromTag, from, toTag, to, files) {
    return { changes: { available: true, fromTag, toTag, ...(0,kong_conf/* diffKongConf */.py)(from, to) }, defaults: { from, to }, files };
}
function notAvailable(reason) {
    return { changes: { available: false, reason }, defaults: undefined, files: [] };
}

// EXTERNAL MODULE: ./build/changelog/plan-types.js
var plan_types = __nccwpck_require__(6790);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __nccwpck_require__(1455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __nccwpck_require__(6760);
;// CONCATENATED MODULE: ./build/changelog/sources/cache.js


function locate(dir, file) {
    // Refs and paths come from our own constants and version tags; still keep them inside dir.
    const target = external_node_path_.resolve(dir, file.owner, file.repo, file.ref, file.path);
    if (!target.startsWith(external_node_path_.resolve(dir) + external_node_path_.sep))
        throw new Error(`cache path escapes ${dir}`);
    return target;
}
async function readCached(dir, file) {
    const location = locate(dir, file);
    try {
        const [text, metaText] = await Promise.all([(0,promises_.readFile)(location, 'utf8'), (0,promises_.readFile)(`${location}.meta.json`, 'utf8')]);
        const meta = JSON.parse(metaText);
        return { file, text, etag: meta.etag, fetchedAt: meta.fetchedAt, via: 'cache' };
    }
    catch {
        return undefined;
    }
}
/** Written content first, then its meta, each through a rename: a reader never sees half a file. */
async function writeCached(dir, fetched) {
    const location = locate(dir, fetched.file);
    await (0,promises_.mkdir)(external_node_path_.dirname(location), { recursive: true });
    const meta = { etag: fetched.etag, fetchedAt: fetched.fetchedAt };
    await writeAtomically(location, fetched.text);
    await writeAtomically(`${location}.meta.json`, JSON.stringify(meta));
}
async function writeAtomically(target, text) {
    const temporary = `${target}.${process.pid}.tmp`;
    await (0,promises_.writeFile)(temporary, text);
    await (0,promises_.rename)(temporary, target);
}

;// CONCATENATED MODULE: ./build/changelog/sources/github.js



/**
 * Reads files through the contents API with the raw media type: the Enterprise changelog is
 * over the 1 MB limit of the JSON form (facts A.3b). A cached copy is revalidated with
 * If-None-Match, so an unchanged file costs a 304 that GitHub does not count against the
 * rate limit.
 */
function createGithubReader(options) {
    // Loaded on first use: an offline plan never pays for Octokit at start-up (bench/plan.mjs).
    const client = __nccwpck_require__.e(/* import() */ 891).then(__nccwpck_require__.bind(__nccwpck_require__, 891)).then(({ Octokit }) => new Octokit({
        auth: options.token,
        baseUrl: options.baseUrl,
        userAgent: 'kong-upgrade-actions',
        request: { timeout: options.timeoutMs },
        log: { debug: () => { }, info: () => { }, warn: () => { }, error: () => { } },
    }));
    return async (file) => {
        const octokit = await client;
        const cached = options.cacheDir === undefined ? undefined : await readCached(options.cacheDir, file);
        const headers = {};
        if (cached?.etag !== undefined)
            headers['if-none-match'] = cached.etag;
        try {
            const response = await octokit.rest.repos.getContent({
                owner: file.owner,
                repo: file.repo,
                path: file.path,
                ref: file.ref,
                mediaType: { format: 'raw' },
                headers,
            });
            const fetched = {
                file,
                text: String(response.data),
                etag: response.headers.etag,
                fetchedAt: new Date().toISOString(),
                via: 'network',
            };
            if (options.cacheDir !== undefined)
                await writeCached(options.cacheDir, fetched);
            return fetched;
        }
        catch (error) {
            const status = error.status;
            if (status === 304 && cached !== undefined)
                return { ...cached, via: 'revalidated' };
            throw describeFailure(file, error);
        }
    };
}
function describeFailure(file, error) {
    const failure = error;
    const headers = failure.response?.headers ?? {};
    const what = `fetching ${describeRemoteFile(file)}`;
    if ((failure.status === 403 || failure.status === 429) && headers['x-ratelimit-remaining'] === '0') {
        const reset = Number(headers['x-ratelimit-reset']);
        const when = Number.isFinite(reset) ? new Date(reset * 1000).toISOString() : 'an unknown time';
        return (0,errors/* stepError */.hH)(what, `GitHub's API rate limit is used up until ${when}; give a token (input 'github-token'), wait, or plan offline`, error);
    }
    if (failure.status === 404)
        return (0,errors/* stepError */.hH)(what, 'not found (404)', error);
    if (failure.status !== undefined)
        return (0,errors/* stepError */.hH)(what, `GitHub answered ${failure.status}: ${failure.message}`, error);
    return (0,errors/* stepError */.hH)(what, `no answer from GitHub (${failure.message ?? String(error)})`, error);
}
/** A network failure, as opposed to an answer: the plan may then fall back to offline data. */
function isUnreachable(error) {
    let cause = error;
    while (cause instanceof Error) {
        const status = cause.status;
        if (status !== undefined && status !== 500)
            return false;
        if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|fetch failed|timeout|network/i.test(cause.message))
            return true;
        cause = cause.cause;
    }
    return false;
}

// EXTERNAL MODULE: ./build/changelog/types.js
var types = __nccwpck_require__(3048);
;// CONCATENATED MODULE: ./build/changelog/plan.js















/** The built-in catalog and notes were derived from Kong's data files of this date (shared/kong-data/README.md). */
const BUILT_IN_DATA_DATE = '2026-08-21';
/**
 * Plans A → B: versions, hops, strategies, the changelog between, kong.conf and database
 * changes, and what of it hits this deployment. Works offline from built-in data; online it
 * reads Kong's living files and falls back to offline (saying so) when GitHub is unreachable.
 */
async function buildPlan(request, deps) {
    const now = deps.now?.() ?? new Date();
    const admin = request.admin === undefined ? undefined : createAdminClient(request.admin);
    const fromText = request.from ?? (await readRunningVersion(admin, deps.log));
    const edition = decideEdition(request.edition, fromText, request.to);
    const from = (0,kong_version/* parseKongVersion */.bo)(fromText, 'from');
    if (catalogLine((0,kong_version/* releaseLine */.aY)(from)) === undefined) {
        throw (0,errors/* inputError */.Xu)('from', `"${fromText}" is not a known Kong release line (${(0,kong_version/* releaseLine */.aY)(from)})`);
    }
    const to = resolveVersion(request.to, edition, 'to');
    const hops = planUpgradePath(from, to, { edition, deployment: request.deployment, database: request.database });
    deps.log(`Path: ${[from, ...hops.map((hop) => hop.to)].map(kong_version/* formatKongVersion */.Xz).join(' → ')}`);
    const online = await loadOnline(request, edition, from, to, now, deps.log);
    const releases = releasesInRange(from, to, edition, online.changelog.releases);
    const kongConf = await loadKongConfChanges(from, to, online.read, now);
    const impacts = await gatherImpacts({ request, from, to, admin, kongConf: kongConf.defaults, read: online.read, log: deps.log, readServerVersion: server_version/* readServerVersion */.s });
    const advice = adviseStrategies(hops, request.deployment);
    const primary = advice[0];
    return {
        schema: plan_types/* PLAN_SCHEMA */.G,
        generatedAt: now.toISOString(),
        from: (0,kong_version/* formatKongVersion */.Xz)(from),
        to: (0,kong_version/* formatKongVersion */.Xz)(to),
        edition,
        deployment: request.deployment,
        hops: hops.map((hop) => toPlanHop(hop, request.deployment)),
        requiresFinish: hops.some((hop) => hop.facts.requiresFinish),
        strategy: {
            recommended: primary.recommended,
            reason: advice.length > 1 ? `${primary.group}: ${primary.reason}; ${advice.slice(1).map((a) => `${a.group}: ${a.recommended} (${a.reason})`).join('; ')}` : primary.reason,
            options: primary.strategies,
        },
        source: {
            ...online.source,
            files: [...online.changelog.files, ...kongConf.files, ...impacts.files, builtInFile(now)],
            entriesAvailable: online.changelog.releases !== undefined,
        },
        releases,
        counts: countEntries(releases),
        notes: crossedBreakingChanges(from, to).map((change) => ({
            id: change.id,
            version: change.appliesFrom,
            title: change.title,
            summary: change.summary,
            detectedBy: change.detectedBy,
        })),
        database: databaseChanges(from, to, request.database),
        kongConf: kongConf.changes,
        impacts: impacts.found,
    };
}
/** `auto`: Enterprise when either version has Kong Enterprise's fourth number. */
function decideEdition(asked, from, to) {
    if (asked !== 'auto')
        return asked;
    return [from, to].some((text) => /^v?\d+\.\d+\.\d+\.\d+/.test(text.trim())) ? 'enterprise' : 'oss';
}
async function readRunningVersion(admin, log) {
    const root = await admin.getJson('/');
    if (typeof root.version !== 'string')
        throw (0,errors/* inputError */.Xu)('admin-url', `GET ${admin.target.url}/ did not report a version`);
    log(`The running Kong reports version ${root.version}`);
    return root.version;
}
/**
 * Online: read through GitHub (revalidating the cache). Offline: read the cache alone. A
 * network failure turns an online plan into an offline one, said in the plan's source.
 */
async function loadOnline(request, edition, from, to, now, log) {
    const offlineRead = cacheOnlyReader(request.cacheDir);
    if (request.offline) {
        const changelog = await loadOfflineChangelog(edition, request, offlineRead, now);
        return { read: offlineRead, changelog, source: { mode: 'offline', reason: 'offline was asked for' } };
    }
    const read = createGithubReader({ token: request.github.token, baseUrl: request.github.apiUrl, cacheDir: request.cacheDir, timeoutMs: 15_000 });
    try {
        if (request.changelogFile === undefined)
            log(`Reading Kong's ${edition === 'enterprise' ? 'Enterprise' : 'OSS'} changelog from GitHub`);
        const changelog = await loadChangelog(edition, request.changelogFile, read, now);
        return { read, changelog, source: { mode: 'online', reason: 'read from GitHub' } };
    }
    catch (error) {
        if (!isUnreachable(error))
            throw error;
        log(`GitHub is unreachable (${error.message}); planning offline from built-in data${request.cacheDir === undefined ? '' : ' and the cache'}`);
        const changelog = await loadOfflineChangelog(edition, request, offlineRead, now);
        return { read: offlineRead, changelog, source: { mode: 'offline', reason: 'GitHub was unreachable' } };
    }
}
/** The cache when it holds the changelog, else none (a given file is read either way). */
function loadOfflineChangelog(edition, request, read, now) {
    return loadChangelog(edition, request.changelogFile, read, now).catch(() => loadChangelog(edition, request.changelogFile, undefined, now));
}
function cacheOnlyReader(cacheDir) {
    if (cacheDir === undefined)
        return undefined;
    return async (file) => {
        const cached = await readCached(cacheDir, file);
        if (cached === undefined)
            throw new Error(`not in the cache: ${file.path}`);
        return cached;
    };
}
function builtInFile(now) {
    return {
        what: 'catalog, upgrade rules, breaking-change notes',
        location: 'built-in',
        url: undefined,
        via: 'built-in',
        fetchedAt: undefined,
        ageDays: Math.floor((now.getTime() - Date.parse(BUILT_IN_DATA_DATE)) / 86_400_000),
    };
}
const LTS_314_PREFLIGHT = (0,kong_version/* parseKongVersion */.bo)('3.10.0.11');
const CONSUMER_GROUP_SCOPING = (0,kong_version/* parseKongVersion */.bo)('3.4.0');
function toPlanHop(hop, deployment) {
    const schema = hop.facts.schema;
    const notes = hop.facts.breaking.map((marker) => marker.kind === 'major-version' ? `major upgrade ${marker.from}.x → ${marker.to}.x` : `LTS jump ${marker.from} → ${marker.to}`);
    if (schema.kind === 'migrations' && schema.coverage === 'partial') {
        notes.push('Kong may add teardown migrations the built-in facts do not list (Enterprise, or past 3.9.3): treat finish as having work');
    }
    // kong-facts upgrade-paths-helm-operator-deck.md §1.6: the 3.10 → 3.14 guide's optional preflight.
    if ((0,kong_version/* releaseLine */.aY)(hop.from) === '3.10' && (0,kong_version/* releaseLine */.aY)(hop.to) === '3.14') {
        notes.push(`preflight: on ${(0,kong_version/* formatKongVersion */.Xz)(LTS_314_PREFLIGHT)} or later, \`kong check --lts-314-compatibility <kong.conf>\` reports what 3.14's secure-by-default changes affect`);
    }
    // §1.1 special cases: a 3.4+ control plane with ≤ 3.3 data planes is unsupported when plugins
    // are scoped to consumer groups, and hybrid mode upgrades control planes first.
    if (deployment === 'hybrid' && (0,kong_version/* compareKongVersions */.QR)(hop.from, CONSUMER_GROUP_SCOPING) < 0 && (0,kong_version/* compareKongVersions */.QR)(hop.to, CONSUMER_GROUP_SCOPING) >= 0) {
        notes.push('hybrid: until the data planes reach 3.4 too, do not use plugins scoped to consumer groups (a 3.4+ control plane with ≤ 3.3 data planes does not support them)');
    }
    return {
        from: (0,kong_version/* formatKongVersion */.Xz)(hop.from),
        to: (0,kong_version/* formatKongVersion */.Xz)(hop.to),
        rule: hop.rule,
        reason: hop.reason,
        teardownMigrations: schema.kind === 'migrations' ? schema.teardown.map((m) => `${m.subsystem}:${m.name}`) : [],
        requiresFinish: hop.facts.requiresFinish,
        oldNodesAfterUp: schema.kind === 'migrations' ? schema.oldNodesAfterUp : true,
        oldNodesAfterFinish: schema.kind === 'migrations' ? schema.oldNodesAfterFinish : true,
        deckConvert: hop.facts.deckConvert?.command,
        notes,
    };
}
function countEntries(releases) {
    const counts = Object.fromEntries(types/* ENTRY_KINDS */.p.map((kind) => [kind, 0]));
    for (const release of releases)
        for (const entry of release.entries)
            counts[entry.kind] += 1;
    return counts;
}
function supportOf(version) {
    const line = (0,kong_version/* releaseLine */.aY)(version);
    const postgres = postgresSupport(line);
    return {
        line,
        postgres: { tested: postgres?.tested ?? [], minimum: postgres?.minimum },
        cassandra: catalogLine(line)?.cassandra ?? false,
    };
}
function databaseChanges(from, to, database) {
    const a = supportOf(from);
    const b = supportOf(to);
    const changes = [];
    const dropped = a.postgres.tested.filter((v) => !b.postgres.tested.includes(v));
    const added = b.postgres.tested.filter((v) => !a.postgres.tested.includes(v));
    if (dropped.length > 0)
        changes.push(`PostgreSQL ${dropped.join(', ')} no longer tested with ${b.line}: upgrade such a server before (or with) Kong`);
    if (added.length > 0)
        changes.push(`PostgreSQL ${added.join(', ')} newly tested with ${b.line}`);
    if (a.cassandra && !b.cassandra) {
        changes.push(`Cassandra is not supported from 3.4${database === 'cassandra' ? ': this deployment must move to PostgreSQL before crossing 3.3' : ''}`);
    }
    return { from: a, to: b, changes };
}


/***/ }),

/***/ 4049:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  d: () => (/* binding */ renderPlanMarkdown)
});

;// CONCATENATED MODULE: ./build/lib/markdown.js
/**
 * Markdown building blocks for job summaries and the CLI's markdown output. Plain strings, so
 * the domain can produce a report that an adapter writes with `core.summary` or prints.
 */
function escapeCell(text) {
    return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
function table(headers, rows) {
    const line = (cells) => `| ${cells.map(escapeCell).join(' | ')} |`;
    return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}
function details(summary, body) {
    return `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}
function bulletList(items) {
    return items.map((item) => `- ${item}`).join('\n');
}
/** The runner refuses a step summary over 1 MiB; keep well under and say what was cut. */
const SUMMARY_LIMIT_BYTES = (/* unused pure expression or super */ null && (900 * 1024));
function fitToLimit(sections, limitBytes, cutNotice) {
    const kept = [];
    let size = 0;
    for (const section of sections) {
        const bytes = Buffer.byteLength(section, 'utf8') + 2;
        if (size + bytes > limitBytes - Buffer.byteLength(cutNotice, 'utf8')) {
            kept.push(cutNotice);
            break;
        }
        kept.push(section);
        size += bytes;
    }
    return kept.join('\n\n');
}

// EXTERNAL MODULE: ./build/changelog/render/text.js
var render_text = __nccwpck_require__(9555);
// EXTERNAL MODULE: ./build/changelog/types.js
var types = __nccwpck_require__(3048);
;// CONCATENATED MODULE: ./build/changelog/render/markdown.js



/**
 * The plan as a reviewer reads it in the job summary: what moves where, what breaks and what
 * hits this deployment first, everything else folded. Kept under the runner's summary limit;
 * the full plan is in the JSON file.
 */
const KIND_TITLES = {
    breaking: 'Breaking changes',
    deprecation: 'Deprecations',
    feature: 'Features',
    fix: 'Fixes',
    dependency: 'Dependencies',
    performance: 'Performance',
    'known-issue': 'Known issues',
    other: 'Other changes',
};
function renderPlanMarkdown(plan, limitBytes) {
    const sections = [
        header(plan),
        impactsSection(plan.impacts),
        notesSection(plan),
        breakingSection(plan.releases),
        hopsSection(plan),
        strategySection(plan),
        databaseSection(plan),
        kongConfSection(plan),
        ...types/* ENTRY_KINDS */.p.filter((kind) => kind !== 'breaking').map((kind) => kindSection(plan.releases, kind)),
        sourcesSection(plan),
    ].filter((section) => section !== undefined);
    return fitToLimit(sections, limitBytes, '_The summary was cut to stay under the runner\'s size limit: the plan JSON has everything._');
}
function header(plan) {
    const path = [plan.from, ...plan.hops.map((hop) => hop.to)].join(' → ');
    const counts = table(['Hops', 'Releases', 'Breaking', 'Deprecations', 'Impacts here', 'Needs `finish`', 'Source'], [[
            String(plan.hops.length),
            String(plan.releases.length),
            String(plan.counts.breaking + plan.notes.length),
            String(plan.counts.deprecation),
            String(plan.impacts.length),
            plan.requiresFinish ? 'yes' : 'no',
            plan.source.mode + (plan.source.entriesAvailable ? '' : ' (no changelog entries)'),
        ]]);
    return `## Kong ${plan.edition === 'enterprise' ? 'Enterprise' : 'OSS'} upgrade plan: ${plan.from} → ${plan.to}\n\n**Path:** ${path}  \n**Recommended strategy:** ${plan.strategy.recommended}: ${plan.strategy.reason}\n\n${counts}`;
}
function impactsSection(impacts) {
    if (impacts.length === 0)
        return '### What hits this deployment\n\nNothing found in what was given (kong.conf, declarative files, Admin API, database).';
    const ordered = [...impacts].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
    const rows = ordered.map((impact) => [
        impact.severity === 'error' ? '❌ error' : '⚠️ warning',
        impact.title,
        impact.where ?? '',
        `${impact.detail} **Remedy:** ${impact.remedy}`,
    ]);
    return `### What hits this deployment (${impacts.length})\n\n${table(['Severity', 'Finding', 'Where', 'Detail'], rows)}`;
}
function notesSection(plan) {
    if (plan.notes.length === 0)
        return undefined;
    const rows = plan.notes.map((note) => [note.version, note.title, note.summary, note.detectedBy ?? '—']);
    return `### Breaking changes operators must act on\n\n${table(['From', 'Change', 'What to do', 'Checked by'], rows)}`;
}
function entriesOf(releases, kind) {
    return releases.flatMap((release) => release.entries.filter((entry) => entry.kind === kind).map((entry) => `**${release.version}** · ${entry.scope}: ${entry.text}`));
}
function breakingSection(releases) {
    const items = entriesOf(releases, 'breaking');
    if (items.length === 0)
        return undefined;
    return `### Breaking changes in the changelog (${items.length})\n\n${bulletList(items)}`;
}
function kindSection(releases, kind) {
    const items = entriesOf(releases, kind);
    if (items.length === 0)
        return undefined;
    return details(`${KIND_TITLES[kind]} (${items.length})`, bulletList(items));
}
function hopsSection(plan) {
    const rows = plan.hops.map((hop, index) => [
        String(index + 1),
        `${hop.from} → ${hop.to}`,
        hop.reason,
        (0,render_text/* finishText */.r)(hop),
        hop.deckConvert === undefined ? '' : `\`${hop.deckConvert}\``,
    ]);
    return `### Hops\n\n${table(['#', 'Hop', 'Why', '`finish` has work', 'Declarative files'], rows)}`;
}
function strategySection(plan) {
    const rows = plan.strategy.options.map((option) => [
        option.name + (option.name === plan.strategy.recommended ? ' (recommended)' : ''),
        option.supported ? 'yes' : 'no',
        option.reason,
    ]);
    return details('Strategies', table(['Strategy', 'Possible', 'Why'], rows));
}
function databaseSection(plan) {
    const support = (s) => [s.line, s.postgres.tested.join(', ') || 'unknown', s.postgres.minimum === undefined ? '' : String(s.postgres.minimum), s.cassandra ? 'yes' : 'no'];
    const body = `${table(['Line', 'PostgreSQL tested', 'Minimum', 'Cassandra'], [support(plan.database.from), support(plan.database.to)])}${plan.database.changes.length > 0 ? `\n\n${bulletList(plan.database.changes)}` : ''}`;
    return `### Database support\n\n${body}`;
}
function kongConfSection(plan) {
    const conf = plan.kongConf;
    if (!conf.available)
        return `### kong.conf changes\n\nNot available: ${conf.reason}`;
    const rows = [
        ...conf.removed.map((p) => ['removed', p.name, p.default, '']),
        ...conf.defaultChanged.map((p) => ['default changed', p.name, p.from, p.to]),
        ...conf.added.map((p) => ['added', p.name, '', p.default]),
    ];
    const counts = `${conf.removed.length} removed, ${conf.defaultChanged.length} defaults changed, ${conf.added.length} added (kong.conf.default ${conf.fromTag} → ${conf.toTag})`;
    return `### kong.conf changes\n\n${counts}\n\n${details('Properties', table(['Change', 'Property', 'Before', 'After'], rows))}`;
}
function sourcesSection(plan) {
    const rows = plan.source.files.map((file) => [
        file.what,
        file.url === undefined ? file.location : `[${file.location}](${file.url})`,
        file.via,
        file.ageDays === undefined ? '' : `${file.ageDays} days`,
    ]);
    const note = plan.source.entriesAvailable
        ? ''
        : '\n\nChangelog entries were not available offline: run online, give `changelog-file`, or keep `cache-dir` from an online run.';
    return `### Sources\n\nMode: ${plan.source.mode} (${plan.source.reason}).${note}\n\n${rows.length > 0 ? table(['What', 'File', 'Via', 'Age'], rows) : ''}`;
}


/***/ }),

/***/ 9555:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   $: () => (/* binding */ renderPlanText),
/* harmony export */   r: () => (/* binding */ finishText)
/* harmony export */ });
/* harmony import */ var _types_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(3048);

/** The plan for a terminal: the decisions and the risks, then counts; details are in --format json. */
function renderPlanText(plan) {
    const lines = [];
    const edition = plan.edition === 'enterprise' ? 'Enterprise' : 'OSS';
    lines.push(`Kong ${edition} upgrade plan: ${plan.from} -> ${plan.to} (${plan.deployment})`);
    lines.push('');
    lines.push(`Hops (${plan.hops.length}):`);
    plan.hops.forEach((hop, index) => {
        lines.push(`  ${index + 1}. ${hop.from} -> ${hop.to}: ${hop.reason}`);
        lines.push(`     finish has work: ${finishText(hop)}`);
        if (hop.deckConvert !== undefined)
            lines.push(`     declarative files: ${hop.deckConvert}`);
        for (const note of hop.notes)
            lines.push(`     note: ${note}`);
    });
    lines.push('');
    lines.push(`Recommended strategy: ${plan.strategy.recommended}: ${plan.strategy.reason}`);
    for (const option of plan.strategy.options.filter((o) => o.name !== plan.strategy.recommended)) {
        lines.push(`  ${option.name}: ${option.supported ? 'possible' : 'not possible'}: ${option.reason}`);
    }
    if (plan.impacts.length > 0) {
        lines.push('', `What hits this deployment (${plan.impacts.length}):`);
        for (const impact of plan.impacts) {
            lines.push(`  [${impact.severity}] ${impact.title}${impact.where === undefined ? '' : ` (${impact.where})`}`);
            lines.push(`      ${impact.detail}`, `      remedy: ${impact.remedy}`);
        }
    }
    if (plan.notes.length > 0) {
        lines.push('', 'Breaking changes to act on:');
        for (const note of plan.notes)
            lines.push(`  ${note.version}  ${note.title}: ${note.summary}`);
    }
    lines.push('', 'Database support:');
    for (const support of [plan.database.from, plan.database.to]) {
        lines.push(`  ${support.line}: PostgreSQL ${support.postgres.tested.join(', ') || 'unknown'}; Cassandra ${support.cassandra ? 'yes' : 'no'}`);
    }
    for (const change of plan.database.changes)
        lines.push(`  ${change}`);
    lines.push('');
    if (plan.kongConf.available) {
        const conf = plan.kongConf;
        lines.push(`kong.conf (${conf.fromTag} -> ${conf.toTag}): ${conf.removed.length} removed, ${conf.defaultChanged.length} defaults changed, ${conf.added.length} added`);
        if (conf.removed.length > 0)
            lines.push(`  removed: ${conf.removed.map((p) => p.name).join(', ')}`);
        for (const change of conf.defaultChanged)
            lines.push(`  default changed: ${change.name}: ${change.from || '(empty)'} -> ${change.to || '(empty)'}`);
    }
    else {
        lines.push(`kong.conf changes: not available (${plan.kongConf.reason})`);
    }
    lines.push('');
    const counts = _types_js__WEBPACK_IMPORTED_MODULE_0__/* .ENTRY_KINDS */ .p.filter((kind) => plan.counts[kind] > 0).map((kind) => `${kind} ${plan.counts[kind]}`);
    lines.push(`Releases between: ${plan.releases.length}${counts.length > 0 ? `; entries: ${counts.join(', ')}` : ''}`);
    lines.push(`Source: ${plan.source.mode} (${plan.source.reason})${plan.source.entriesAvailable ? '' : '; changelog entries not available offline (use --changelog-file or run online)'}`);
    return lines.join('\n');
}
/** The teardown migrations that give `finish` work, or "assumed" where Kong's list is not known here. */
function finishText(hop) {
    if (!hop.requiresFinish)
        return 'no';
    return hop.teardownMigrations.length > 0 ? `yes (${hop.teardownMigrations.join(', ')})` : 'yes (assumed: the teardown migrations of this hop are not known here)';
}


/***/ }),

/***/ 3048:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   p: () => (/* binding */ ENTRY_KINDS)
/* harmony export */ });
/**
 * The shape every changelog parser produces and the plan carries (`releases` in plan JSON,
 * schema kong-upgrade/plan@1). Kinds are the plan's stable vocabulary; each parser maps its
 * source's section names onto them.
 */
const ENTRY_KINDS = [
    'breaking',
    'deprecation',
    'feature',
    'fix',
    'dependency',
    'performance',
    'known-issue',
    'other',
];


/***/ }),

/***/ 9270:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  u: () => (/* binding */ CHECK_TARGETS_USAGE),
  V: () => (/* binding */ checkTargets)
});

// EXTERNAL MODULE: external "node:util"
var external_node_util_ = __nccwpck_require__(7975);
// EXTERNAL MODULE: ./build/database/manifest.js
var database_manifest = __nccwpck_require__(3387);
// EXTERNAL MODULE: ./build/database/postgres/connect.js
var connect = __nccwpck_require__(9308);
// EXTERNAL MODULE: ./build/lib/errors.js
var errors = __nccwpck_require__(1469);
// EXTERNAL MODULE: ./build/lib/shared-inputs.js
var shared_inputs = __nccwpck_require__(4469);
;// CONCATENATED MODULE: ./build/github/targets.js
function describe(db) {
    return `database ${db.database} on ${db.host}:${db.port}${db.systemIdentifier ? ` (cluster ${db.systemIdentifier})` : ''}`;
}
function sameDatabase(a, b) {
    if (a.database !== b.database)
        return false;
    if (a.systemIdentifier && b.systemIdentifier)
        return a.systemIdentifier === b.systemIdentifier;
    return a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port;
}
/** A URL without its trailing slash and with a lower-case origin; '' stays ''. */
function normalise(url) {
    if (url === '')
        return '';
    try {
        const parsed = new URL(url);
        return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`.toLowerCase();
    }
    catch {
        return url.trim();
    }
}
/** Each way the rehearsal's targets are production's, naming both sides; empty when they differ. */
function targetClashes(check) {
    const clashes = [];
    const { production, rehearsal } = check;
    if (sameDatabase(production.database, rehearsal.database)) {
        clashes.push(`the preproduction ${describe(rehearsal.database)} is production's ${describe(production.database)}`);
    }
    for (const [what, prod, pre] of [['Admin API', production.adminUrl, rehearsal.adminUrl], ['proxy', production.proxyUrl, rehearsal.proxyUrl]]) {
        if (pre !== '' && normalise(pre) === normalise(prod))
            clashes.push(`the preproduction ${what} ${pre} is production's ${what} ${prod}`);
    }
    return clashes;
}

;// CONCATENATED MODULE: ./build/cli/check-targets.js






const CHECK_TARGETS_USAGE = `check-targets: before a rehearsal changes anything, prove its targets are not production's
  --production-manifest F  a backup manifest of production (its database identity)
  --production-admin-url U, --production-proxy-url U
  --admin-url U, --proxy-url U   the rehearsal's
  the rehearsal's database: KONG_UPGRADE_DATABASE_URL in the environment (never a flag)
  --format github          failures as ::error:: lines (in a workflow)`;
/** The rehearsal database's identity; a database not created yet is read through the server's postgres database. */
async function identityOf(databaseUrl) {
    const db = (0,shared_inputs/* readDatabaseInputs */.ZU)({ get: (name) => (name === 'database-url' ? databaseUrl : ''), mask: () => { } });
    if (!db)
        throw (0,errors/* inputError */.Xu)('database-url', 'KONG_UPGRADE_DATABASE_URL is empty: the rehearsal database is unknown');
    const target = (0,connect/* targetFromInputs */.Ve)(db, true);
    const query = 'SELECT system_identifier::text AS id FROM pg_control_system()';
    const read = (t) => (0,connect/* withClient */.SV)(t, 'reading the rehearsal database identity', async (client) => {
        try {
            return (await client.query(query)).rows[0]?.id ?? null;
        }
        catch {
            return null; // pg_control_system() is not granted to every role: host and port decide then
        }
    });
    let systemIdentifier;
    try {
        systemIdentifier = await read(target);
    }
    catch (error) {
        if (!/does not exist/.test((0,errors/* errorMessage */.gJ)(error)))
            throw error;
        systemIdentifier = await read((0,connect/* withDatabase */.kR)(target, 'postgres'));
    }
    return { host: db.host, port: db.port, database: db.database, systemIdentifier };
}
async function checkTargets(args) {
    const github = args.includes('--format') && args[args.indexOf('--format') + 1] === 'github';
    try {
        const { values } = (0,external_node_util_.parseArgs)({
            args: [...args],
            strict: true,
            options: Object.fromEntries(['production-manifest', 'production-admin-url', 'production-proxy-url', 'admin-url', 'proxy-url', 'format'].map((n) => [n, { type: 'string' }])),
        });
        const manifestFile = values['production-manifest'];
        if (typeof manifestFile !== 'string' || manifestFile === '')
            throw (0,errors/* inputError */.Xu)('production-manifest', 'is required');
        const manifest = await (0,database_manifest/* readManifest */.WI)(manifestFile, 'production-manifest');
        const clashes = targetClashes({
            production: { database: manifest.database, adminUrl: String(values['production-admin-url'] ?? ''), proxyUrl: String(values['production-proxy-url'] ?? '') },
            rehearsal: { database: await identityOf(process.env.KONG_UPGRADE_DATABASE_URL ?? ''), adminUrl: String(values['admin-url'] ?? ''), proxyUrl: String(values['proxy-url'] ?? '') },
        });
        if (clashes.length === 0) {
            process.stdout.write("the rehearsal's database and URLs are not production's\n");
            return 0;
        }
        for (const clash of clashes)
            process.stdout.write(github ? `::error title=preproduction targets production::${clash}\n` : `${clash}\n`);
        process.stderr.write('kong-upgrade: check-targets: the rehearsal would change production; give the preproduction environment its own secrets and variables\n');
        return 1;
    }
    catch (error) {
        process.stdout.write(github ? `::error title=check-targets::${(0,errors/* errorMessage */.gJ)(error)}\n` : '');
        process.stderr.write(`kong-upgrade: ${(0,errors/* errorMessage */.gJ)(error)}\n`);
        return 1;
    }
}


/***/ }),

/***/ 8300:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  E: () => (/* binding */ DOCTOR_USAGE),
  A: () => (/* binding */ doctor)
});

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __nccwpck_require__(3024);
// EXTERNAL MODULE: external "node:util"
var external_node_util_ = __nccwpck_require__(7975);
;// CONCATENATED MODULE: ./build/github/environments.js
/**
 * What GitHub's REST API says about a repository's deployment environments and secrets, read
 * with Octokit (GitHub docs, "REST API endpoints for deployment environments" and "for GitHub
 * Actions secrets"). Only names and protection rules are read: secret values never leave GitHub.
 */
function isDenied(value) {
    return typeof value === 'object' && value !== null && value.denied === true;
}
/** An environment as "Get an environment" returns it, reduced to its protection. */
function protectionOf(raw) {
    const rules = raw.protection_rules ?? [];
    const reviewersRule = rules.find((rule) => rule.type === 'required_reviewers');
    const reviewers = (reviewersRule?.reviewers ?? []).map((entry) => entry.type === 'Team' ? `team:${entry.reviewer?.slug ?? entry.reviewer?.name ?? '?'}` : `user:${entry.reviewer?.login ?? '?'}`);
    const policy = raw.deployment_branch_policy;
    return {
        name: raw.name,
        reviewers,
        preventSelfReview: reviewersRule?.prevent_self_review === true,
        waitTimerMinutes: rules.find((rule) => rule.type === 'wait_timer')?.wait_timer ?? 0,
        branchPolicy: !policy ? 'any branch' : policy.protected_branches ? 'protected branches' : 'selected branches',
    };
}
/** The reads through Octokit; a 403 (or a 404 where GitHub hides a forbidden resource) is `Denied`. */
async function createGithubReads(options) {
    const { Octokit } = await __nccwpck_require__.e(/* import() */ 891).then(__nccwpck_require__.bind(__nccwpck_require__, 891));
    const octokit = new Octokit({
        auth: options.token || undefined,
        baseUrl: options.baseUrl,
        userAgent: 'kong-upgrade-actions',
        request: { timeout: options.timeoutMs ?? 15_000 },
        log: { debug: () => { }, info: () => { }, warn: () => { }, error: () => { } },
    });
    const repo = { owner: options.owner, repo: options.repo };
    const denied = (error, notFoundIsDenied) => {
        const status = error.status;
        if (status === 403 || status === 401 || (notFoundIsDenied && status === 404))
            return { denied: true, status };
        throw error;
    };
    return {
        async repository() {
            try {
                const { data } = await octokit.rest.repos.get(repo);
                return { private: data.private, visibility: data.visibility ?? (data.private ? 'private' : 'public') };
            }
            catch (error) {
                return denied(error, true);
            }
        },
        async environment(name) {
            try {
                const { data } = await octokit.rest.repos.getEnvironment({ ...repo, environment_name: name });
                return protectionOf(data);
            }
            catch (error) {
                if (error.status === 404)
                    return undefined;
                return denied(error, false);
            }
        },
        async environmentSecretNames(environment) {
            try {
                const names = [];
                for (let page = 1;; page++) {
                    const { data } = await octokit.request('GET /repos/{owner}/{repo}/environments/{environment_name}/secrets', {
                        ...repo, environment_name: environment, per_page: 100, page,
                    });
                    names.push(...data.secrets.map((secret) => secret.name));
                    if (data.secrets.length < 100)
                        return names;
                }
            }
            catch (error) {
                return denied(error, true);
            }
        },
        async repositorySecretNames() {
            try {
                const names = [];
                for (let page = 1;; page++) {
                    const { data } = await octokit.rest.actions.listRepoSecrets({ ...repo, per_page: 100, page });
                    names.push(...data.secrets.map((secret) => secret.name));
                    if (data.secrets.length < 100)
                        return names;
                }
            }
            catch (error) {
                return denied(error, true);
            }
        },
    };
}

;// CONCATENATED MODULE: ./build/github/doctor.js

/** The permission a token needs for each read (GitHub docs, the endpoints' fine-grained token sections). */
const PERMISSIONS = {
    environments: "'actions: read' for GITHUB_TOKEN (the calling workflow's permissions:), or a fine-grained token with the 'Actions' repository permission (read) in the DOCTOR_TOKEN secret",
    secrets: "a fine-grained token with the 'Secrets' repository permission (read) in the DOCTOR_TOKEN secret (GITHUB_TOKEN can never list secrets)",
};
const ROLES = ['readonly', 'preproduction', 'production'];
/** The secrets each environment's jobs read (kong-upgrade.yml), by name. */
function neededSecrets(role, strategy) {
    const common = ['KONG_DATABASE_URL', 'KONG_ADMIN_TOKEN', 'BACKUP_PASSPHRASE'];
    return role !== 'readonly' && strategy === 'dual-cluster' ? [...common, 'KONG_GREEN_DATABASE_URL'] : common;
}
async function runDoctor(reads, request) {
    const findings = [];
    const repository = await reads.repository();
    if (isDenied(repository))
        findings.push({ level: 'warning', title: 'repository', message: `the token may not read the repository (HTTP ${repository.status}); grant 'contents: read'` });
    const repositorySecrets = await reads.repositorySecretNames();
    const environments = [];
    let secretsDenied = isDenied(repositorySecrets);
    let environmentsDenied = false;
    for (const role of ROLES) {
        const name = request.environments[role];
        const found = await reads.environment(name);
        const needed = neededSecrets(role, request.strategy);
        if (isDenied(found)) {
            environmentsDenied = true;
            environments.push({ role, name, protection: undefined, secrets: { needed, missing: undefined } });
            continue;
        }
        if (found === undefined) {
            findings.push({
                level: role === 'production' ? 'error' : 'warning',
                title: `environment ${name}`,
                message: `environment '${name}' (${role}-environment) does not exist: GitHub would create it on first use with no protection rule and no secret; create it under Settings → Environments`,
            });
            environments.push({ role, name, protection: null, secrets: { needed, missing: needed } });
            continue;
        }
        const own = await reads.environmentSecretNames(name);
        let missing;
        if (isDenied(own))
            secretsDenied = true;
        else
            missing = needed.filter((secret) => !own.includes(secret) && (isDenied(repositorySecrets) || !repositorySecrets.includes(secret)));
        if (missing && missing.length > 0) {
            findings.push({
                level: 'error',
                title: `secrets of ${name}`,
                message: `environment '${name}' lacks the secret(s) ${missing.join(', ')}${isDenied(repositorySecrets) ? '' : ' (neither an environment nor a repository secret)'}; an organization secret of that name would also do`,
            });
        }
        environments.push({ role, name, protection: found, secrets: { needed, missing } });
        if (role === 'production')
            findings.push(...productionFindings(found, request, repository));
    }
    if (environmentsDenied) {
        findings.push({
            level: 'warning',
            title: 'environments not read',
            message: `the token may not read environments, so production's required reviewers are NOT verified; grant ${PERMISSIONS.environments}`,
        });
    }
    if (secretsDenied) {
        findings.push({ level: 'warning', title: 'secrets not listed', message: `secret names not checked: grant ${PERMISSIONS.secrets}` });
    }
    return { repository: isDenied(repository) ? undefined : repository, environments, findings, failed: findings.some((f) => f.level === 'error') };
}
function productionFindings(protection, request, repository) {
    const findings = [];
    const name = protection.name;
    if (protection.reviewers.length === 0) {
        const enterprise = !isDenied(repository) && repository.private
            ? ' Required reviewers on a private or internal repository need GitHub Enterprise (GitHub docs, "Managing environments for deployment"): set approval-gate: issue, an approval issue that works on every plan.'
            : '';
        if (request.approvalGate === 'issue') {
            findings.push({ level: 'notice', title: `${name}: approval issue`, message: `environment '${name}' has no required reviewers; production is approved through the approval issue (approval-gate: issue).` });
        }
        else if (request.allowUnreviewedProduction) {
            findings.push({ level: 'warning', title: `${name}: unreviewed`, message: `environment '${name}' has no required reviewers: production changes without an approval (allow-unreviewed-production).${enterprise}` });
        }
        else {
            findings.push({
                level: 'error',
                title: `${name}: no required reviewers`,
                message: `environment '${name}' has no required reviewers, so production would change without an approval: add required reviewers (Settings → Environments → ${name}), or set approval-gate: issue, or allow-unreviewed-production: true to accept it.${enterprise}`,
            });
        }
    }
    else if (!protection.preventSelfReview) {
        findings.push({ level: 'warning', title: `${name}: self-review`, message: `environment '${name}' lets whoever starts the run approve it: turn on "Prevent self-review"` });
    }
    if (protection.branchPolicy === 'any branch') {
        findings.push({ level: 'warning', title: `${name}: branches`, message: `any branch may deploy to '${name}': restrict its deployment branches to protected or selected branches` });
    }
    return findings;
}

;// CONCATENATED MODULE: ./build/github/render.js
const ICON = { error: '❌', warning: '⚠️', notice: 'ℹ️' };
function protectionCells(env) {
    if (env.protection === undefined)
        return ['not readable', '', '', ''];
    if (env.protection === null)
        return ['does not exist', '', '', ''];
    const p = env.protection;
    return [
        p.reviewers.length > 0 ? p.reviewers.join(', ') : 'none',
        p.reviewers.length > 0 ? (p.preventSelfReview ? 'prevented' : 'allowed') : '',
        p.waitTimerMinutes > 0 ? `${p.waitTimerMinutes} min` : 'none',
        p.branchPolicy,
    ];
}
function secretsCell(env) {
    if (env.secrets.missing === undefined)
        return `not listed (${env.secrets.needed.join(', ')})`;
    return env.secrets.missing.length === 0 ? `all present (${env.secrets.needed.join(', ')})` : `missing: ${env.secrets.missing.join(', ')}`;
}
/** The job summary: a verdict, the environments' protection in a table, then every finding. */
function renderDoctorMarkdown(report, repo) {
    const lines = [
        `### Doctor: ${report.failed ? '❌ the run stops here' : 'environments checked'} (${repo}${report.repository ? `, ${report.repository.visibility}` : ''})`,
        '',
        '| Environment | Role | Required reviewers | Self-review | Wait timer | Deployment branches | Secrets |',
        '|---|---|---|---|---|---|---|',
        ...report.environments.map((env) => `| \`${env.name}\` | ${env.role} | ${protectionCells(env).join(' | ')} | ${secretsCell(env)} |`),
        '',
        ...report.findings.map((f) => `- ${ICON[f.level]} **${f.title}**: ${f.message}`),
    ];
    return `${lines.join('\n')}\n`;
}
/** At a terminal: one line per environment, then the findings. */
function renderDoctorText(report, repo) {
    const lines = [`${repo}${report.repository ? ` (${report.repository.visibility})` : ''}`];
    for (const env of report.environments) {
        const [reviewers, self, wait, branches] = protectionCells(env);
        lines.push(`  ${env.role.padEnd(14)}${env.name}: reviewers ${reviewers}${self ? ` (self-review ${self})` : ''}, wait timer ${wait}, branches ${branches}; secrets ${secretsCell(env)}`);
    }
    for (const f of report.findings)
        lines.push(`${f.level}: ${f.title}: ${f.message}`);
    lines.push(report.failed ? 'doctor: FAILED' : 'doctor: ok');
    return `${lines.join('\n')}\n`;
}

// EXTERNAL MODULE: ./build/lib/errors.js
var errors = __nccwpck_require__(1469);
;// CONCATENATED MODULE: ./build/cli/doctor.js






const DOCTOR_USAGE = `doctor: the environments a run uses, read through GitHub's REST API
  --repo OWNER/NAME        the repository whose workflows call kong-upgrade.yml
  --production NAME, --preproduction NAME, --readonly NAME
                           environment names (default production, preproduction, production-readonly)
  --approval-gate G        environment (production's required reviewers) | issue
  --allow-unreviewed-production true|false
  --strategy S             dual-cluster also needs KONG_GREEN_DATABASE_URL
  --github-api-url U       default $GITHUB_API_URL or https://api.github.com
  --format F               text | markdown | github (annotations and the job summary)
  the token: $GH_TOKEN or $GITHUB_TOKEN (never a flag)`;
const GATES = ['environment', 'issue'];
const DOCTOR_FORMATS = ['text', 'markdown', 'github'];
async function doctor(args) {
    try {
        const { values } = (0,external_node_util_.parseArgs)({
            args: [...args],
            strict: true,
            options: Object.fromEntries(['repo', 'production', 'preproduction', 'readonly', 'approval-gate', 'allow-unreviewed-production', 'strategy', 'github-api-url', 'format'].map((n) => [n, { type: 'string' }])),
        });
        const text = (name, fallback) => (typeof values[name] === 'string' && values[name] !== '' ? String(values[name]) : fallback);
        const repo = text('repo', '');
        const match = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)$/.exec(repo);
        if (!match)
            throw (0,errors/* inputError */.Xu)('repo', `"${repo}" is not OWNER/NAME`);
        const gate = text('approval-gate', 'environment');
        if (!GATES.includes(gate))
            throw (0,errors/* inputError */.Xu)('approval-gate', `"${gate}" is not one of ${GATES.join(', ')}`);
        const allow = text('allow-unreviewed-production', 'false');
        if (allow !== 'true' && allow !== 'false')
            throw (0,errors/* inputError */.Xu)('allow-unreviewed-production', `"${allow}" is not true or false`);
        const format = text('format', 'text');
        if (!DOCTOR_FORMATS.includes(format))
            throw (0,errors/* inputError */.Xu)('format', `"${format}" is not one of ${DOCTOR_FORMATS.join(', ')}`);
        const request = {
            environments: { production: text('production', 'production'), preproduction: text('preproduction', 'preproduction'), readonly: text('readonly', 'production-readonly') },
            approvalGate: gate,
            allowUnreviewedProduction: allow === 'true',
            strategy: text('strategy', 'auto'),
        };
        const reads = await createGithubReads({
            owner: match[1], repo: match[2],
            token: process.env.GH_TOKEN || process.env.GITHUB_TOKEN || '',
            baseUrl: text('github-api-url', process.env.GITHUB_API_URL || 'https://api.github.com'),
        });
        const report = await runDoctor(reads, request);
        if (format === 'github') {
            for (const f of report.findings)
                process.stdout.write(`::${f.level} title=${f.title.replace(/[:,\r\n]/g, ' ')}::${f.message.replace(/\r?\n/g, ' ')}\n`);
            process.stdout.write(renderDoctorText(report, repo));
            if (process.env.GITHUB_STEP_SUMMARY)
                (0,external_node_fs_.appendFileSync)(process.env.GITHUB_STEP_SUMMARY, renderDoctorMarkdown(report, repo));
        }
        else {
            process.stdout.write(format === 'markdown' ? renderDoctorMarkdown(report, repo) : renderDoctorText(report, repo));
        }
        return report.failed ? 1 : 0;
    }
    catch (error) {
        process.stderr.write(`kong-upgrade: ${(0,errors/* errorMessage */.gJ)(error)}\n`);
        return 1;
    }
}


/***/ }),

/***/ 5472:
/***/ ((__webpack_module__, __webpack_exports__, __nccwpck_require__) => {

__nccwpck_require__.a(__webpack_module__, async (__webpack_handle_async_dependencies__, __webpack_async_result__) => { try {
/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   i: () => (/* binding */ main)
/* harmony export */ });
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(1455);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(8161);
/* harmony import */ var node_util__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(7975);
/* harmony import */ var _changelog_plan_js__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(9778);
/* harmony import */ var _changelog_plan_request_js__WEBPACK_IMPORTED_MODULE_4__ = __nccwpck_require__(246);
/* harmony import */ var _changelog_plan_types_js__WEBPACK_IMPORTED_MODULE_10__ = __nccwpck_require__(6790);
/* harmony import */ var _changelog_render_markdown_js__WEBPACK_IMPORTED_MODULE_5__ = __nccwpck_require__(4049);
/* harmony import */ var _changelog_render_text_js__WEBPACK_IMPORTED_MODULE_11__ = __nccwpck_require__(9555);
/* harmony import */ var _database_backup_request_js__WEBPACK_IMPORTED_MODULE_6__ = __nccwpck_require__(5944);
/* harmony import */ var _check_targets_js__WEBPACK_IMPORTED_MODULE_7__ = __nccwpck_require__(9270);
/* harmony import */ var _doctor_js__WEBPACK_IMPORTED_MODULE_8__ = __nccwpck_require__(8300);
/* harmony import */ var _lib_errors_js__WEBPACK_IMPORTED_MODULE_9__ = __nccwpck_require__(1469);












/**
 * `kong-upgrade`: the same domain as the actions, for an operator planning at a terminal.
 * Flags carry the actions' input names, so a plan made here is the plan the workflow makes.
 */
const USAGE = `usage: kong-upgrade plan --from VERSION --to VERSION [options]
       kong-upgrade verify --manifest FILE [options]
       kong-upgrade doctor --repo OWNER/NAME [options]
       kong-upgrade check-targets --production-manifest FILE [options]

plan: the upgrade plan A -> B (fetch-changelog's)
  --from, --to             versions (3.4.2 OSS, 3.4.3.5 Enterprise); --to also takes a line (3.10) or latest
  --edition                auto | oss | enterprise (default auto)
  --deployment             traditional | hybrid | db-less (default traditional)
  --database               postgres | cassandra (default postgres)
  --offline                built-in data only (plus --changelog-file / --cache-dir)
  --changelog-file F       a Kong changelog (OSS markdown, Enterprise JSON or markdown)
  --kong-conf F            your kong.conf, checked against the target
  --declarative-config F   decK / DB-less files (repeatable)
  --nginx-template F       your custom nginx template
  --admin-url U            Admin API of the running cluster (--admin-token, --workspace)
  --database-url U         postgres://… to check the server version
  --cache-dir D            keep fetched files between runs
  --github-token T         defaults to $GITHUB_TOKEN
  --format F               text | markdown | json (default text)
  --output F               also write the plan JSON to F

verify: a backup made by backup-db, e.g. a downloaded artifact (backup-db mode verify)
  --manifest F             its manifest.json; every file's size and SHA-256, then pg_restore --list
  --trial-restore          also restore into a scratch database (dropped after) whose
                           fingerprint must equal the manifest's, on the server of
                           --target-database-url, else --database-url
  --pg-bin-dir D           where pg_restore is (a major at least the archive's)
  --jobs N                 pg_restore jobs for the trial restore
  encrypted archives: --encryption-passphrase or --encryption-private-key (armored text)

Secrets (--database-url with a password, --target-database-url, --pg-password,
--encryption-passphrase, --encryption-private-key) are better given in the environment as
KONG_UPGRADE_<FLAG> (e.g. KONG_UPGRADE_ENCRYPTION_PASSPHRASE): a command line is visible to
every user of the machine.

${_doctor_js__WEBPACK_IMPORTED_MODULE_8__/* .DOCTOR_USAGE */ .E}

${_check_targets_js__WEBPACK_IMPORTED_MODULE_7__/* .CHECK_TARGETS_USAGE */ .u}`;
const STRING_FLAGS = [
    'from', 'to', 'edition', 'deployment', 'database', 'changelog-file', 'kong-conf', 'nginx-template',
    'admin-url', 'admin-token', 'workspace', 'database-url', 'pg-host', 'pg-port', 'pg-user', 'pg-password',
    'pg-database', 'pg-sslmode', 'cache-dir', 'github-token', 'github-api-url', 'format', 'output',
];
const VERIFY_STRING_FLAGS = [
    'manifest', 'database-url', 'pg-host', 'pg-port', 'pg-user', 'pg-password', 'pg-database', 'pg-sslmode',
    'target-database-url', 'target-pg-host', 'target-pg-port', 'target-pg-user', 'target-pg-password', 'target-pg-database',
    'target-pg-sslmode', 'pg-bin-dir', 'jobs', 'encryption-passphrase', 'encryption-private-key',
];
const FORMATS = ['text', 'markdown', 'json'];
async function main(argv) {
    const [command, ...rest] = argv;
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
    }
    if (command === 'doctor')
        return (0,_doctor_js__WEBPACK_IMPORTED_MODULE_8__/* .doctor */ .A)(rest);
    if (command === 'check-targets')
        return (0,_check_targets_js__WEBPACK_IMPORTED_MODULE_7__/* .checkTargets */ .V)(rest);
    if (command !== 'plan' && command !== 'verify') {
        process.stderr.write(`kong-upgrade: unknown command "${command}"; the commands are: plan, verify, doctor, check-targets (see --help)\n`);
        return 2;
    }
    let values;
    try {
        values = (0,node_util__WEBPACK_IMPORTED_MODULE_2__.parseArgs)({
            args: [...rest],
            strict: true,
            allowPositionals: false,
            options: command === 'plan'
                ? {
                    ...Object.fromEntries(STRING_FLAGS.map((name) => [name, { type: 'string' }])),
                    'declarative-config': { type: 'string', multiple: true },
                    offline: { type: 'boolean' },
                    help: { type: 'boolean', short: 'h' },
                }
                : {
                    ...Object.fromEntries(VERIFY_STRING_FLAGS.map((name) => [name, { type: 'string' }])),
                    'trial-restore': { type: 'boolean' },
                    help: { type: 'boolean', short: 'h' },
                },
        }).values;
    }
    catch (error) {
        process.stderr.write(`kong-upgrade: ${error.message}\n`);
        return 2;
    }
    if (values.help === true) {
        process.stdout.write(`${USAGE}\n`);
        return 0;
    }
    if (command === 'verify')
        return verify(flagInputs(values));
    try {
        const format = String(values.format ?? 'text');
        if (!FORMATS.includes(format))
            throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_9__/* .inputError */ .Xu)('format', `"${format}" is not one of ${FORMATS.join(', ')}`);
        const request = await (0,_changelog_plan_request_js__WEBPACK_IMPORTED_MODULE_4__/* .readPlanRequest */ .V1)(flagInputs(values));
        const plan = await (0,_changelog_plan_js__WEBPACK_IMPORTED_MODULE_3__/* .buildPlan */ .G)(request, { log: (line) => process.stderr.write(`${line}\n`) });
        const json = (0,_changelog_plan_types_js__WEBPACK_IMPORTED_MODULE_10__/* .serializePlan */ .S)(plan);
        if (typeof values.output === 'string')
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.writeFile)(values.output, json);
        const rendered = format === 'json' ? json : format === 'markdown' ? `${(0,_changelog_render_markdown_js__WEBPACK_IMPORTED_MODULE_5__/* .renderPlanMarkdown */ .d)(plan, Infinity)}\n` : `${(0,_changelog_render_text_js__WEBPACK_IMPORTED_MODULE_11__/* .renderPlanText */ .$)(plan)}\n`;
        process.stdout.write(rendered);
        return 0;
    }
    catch (error) {
        process.stderr.write(`kong-upgrade: ${(0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_9__/* .errorMessage */ .gJ)(error)}\n`);
        return 1;
    }
}
/**
 * A backup made by backup-db, checked as `mode: verify` does: the same request reader (so the
 * flags mean what the inputs mean) and the same domain function; progress on stderr, the
 * verdict on stdout.
 */
async function verify(source) {
    try {
        // RUNNER_TEMP is where the action decrypts; at a terminal, the system's temp folder.
        const request = (0,_database_backup_request_js__WEBPACK_IMPORTED_MODULE_6__/* .readBackupRequest */ .q)({ get: (name) => (name === 'mode' ? 'verify' : source.get(name)), mask: source.mask }, { ...process.env, RUNNER_TEMP: node_os__WEBPACK_IMPORTED_MODULE_1__.tmpdir() });
        if (request.mode !== 'verify')
            throw new Error('unreachable: mode is verify');
        const [{ verifyBackup }, { createRunDir }] = await Promise.all([__nccwpck_require__.e(/* import() */ 93).then(__nccwpck_require__.bind(__nccwpck_require__, 8093)), __nccwpck_require__.e(/* import() */ 871).then(__nccwpck_require__.bind(__nccwpck_require__, 871))]);
        // A private folder for the decrypted copy and gpg's home, removed however verify ends.
        const runDir = await createRunDir(request.common.workDir);
        const result = await verifyBackup({
            manifestPath: request.manifest,
            encryption: request.common.encryption,
            trialServer: request.trialServer,
            jobs: request.common.jobs,
            binDir: request.common.binDir,
            runDir,
            log: (line) => process.stderr.write(`${line}\n`),
        }).finally(() => (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.rm)(runDir.path, { recursive: true, force: true }));
        const { manifest } = result;
        const facts = [
            ['database', `${manifest.database.database} on ${manifest.database.host}:${manifest.database.port} (PostgreSQL ${manifest.database.serverVersion}), Kong ${manifest.kong.version ?? 'unknown'}`],
            ['taken', `${manifest.startedAt} with pg_dump ${manifest.dump.toolVersion}, ${manifest.dump.format} format, encryption ${manifest.encryption.method}`],
            ['archive', `${manifest.archive.path}: ${manifest.files.length} file(s), ${manifest.archive.sizeBytes} bytes, checksums match`],
            ['contents', `pg_restore --list reads ${result.tocEntries} entries, ${result.tableData} with table data`],
            ['restore', result.trialRestore ? 'trial restore into a scratch database: fingerprint equals the manifest' : 'not tried (--trial-restore)'],
            ['fingerprint', `${manifest.fingerprint.digest} (${manifest.fingerprint.algorithm})`],
        ];
        process.stdout.write(`Backup verified: ${request.manifest}\n${facts.map(([name, value]) => `  ${name.padEnd(12)}${value}\n`).join('')}`);
        return 0;
    }
    catch (error) {
        process.stderr.write(`kong-upgrade: ${(0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_9__/* .errorMessage */ .gJ)(error)}\n`);
        return 1;
    }
}
/** Secrets are read from KONG_UPGRADE_<FLAG> when the flag is not given (argv is world-readable). */
const SECRET_FLAGS = new Set(['database-url', 'target-database-url', 'pg-password', 'target-pg-password', 'encryption-passphrase', 'encryption-private-key', 'admin-token']);
function flagInputs(values) {
    return {
        get(name) {
            const value = values[name];
            if (Array.isArray(value))
                return value.join('\n');
            if (typeof value === 'boolean')
                return String(value);
            if (value === undefined && name === 'github-token')
                return process.env.GITHUB_TOKEN ?? '';
            if (value === undefined && SECRET_FLAGS.has(name))
                return process.env[`KONG_UPGRADE_${name.toUpperCase().replaceAll('-', '_')}`] ?? '';
            return value ?? '';
        },
        // Nothing at a terminal collects logs for later; secrets are simply never printed.
        mask: () => { },
    };
}
process.exitCode = await main(process.argv.slice(2));

__webpack_async_result__();
} catch(e) { __webpack_async_result__(e); } }, 1);

/***/ }),

/***/ 5944:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   q: () => (/* binding */ readBackupRequest)
/* harmony export */ });
/* unused harmony export DECK_DOWNLOAD_URL */
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(6760);
/* harmony import */ var _lib_errors_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(1469);
/* harmony import */ var _lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(2307);
/* harmony import */ var _lib_shared_inputs_js__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(4469);
/* harmony import */ var _version_kong_version_js__WEBPACK_IMPORTED_MODULE_4__ = __nccwpck_require__(7143);
/* harmony import */ var _encryption_js__WEBPACK_IMPORTED_MODULE_5__ = __nccwpck_require__(4371);
/* harmony import */ var _shape_js__WEBPACK_IMPORTED_MODULE_7__ = __nccwpck_require__(7673);
/* harmony import */ var _postgres_connect_js__WEBPACK_IMPORTED_MODULE_6__ = __nccwpck_require__(9308);








/** decK's release archives (GoReleaser: `deck_<version>_<os>_<arch>.tar.gz`, `checksums.txt` beside). */
const DECK_DOWNLOAD_URL = 'https://github.com/Kong/deck/releases/download/v{version}/deck_{version}_{os}_{arch}.tar.gz';
function readBackupRequest(source, env = process.env) {
    const mode = (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readEnum */ .ai)(source, 'mode', ['backup', 'verify', 'restore', 'export', 'cassandra-snapshot'], 'backup');
    const workDir = env.RUNNER_TEMP ?? process.cwd();
    const common = {
        jobs: (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readPositiveInteger */ .yg)(source, 'jobs', 1),
        binDir: readPath(source, 'pg-bin-dir'),
        encryption: readEncryption(source, mode),
        dryRun: (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readBoolean */ .Vf)(source, 'dry-run', false),
        workDir,
    };
    const database = (0,_lib_shared_inputs_js__WEBPACK_IMPORTED_MODULE_3__/* .readDatabaseInputs */ .ZU)(source);
    const sourceTarget = database && (0,_postgres_connect_js__WEBPACK_IMPORTED_MODULE_6__/* .targetFromInputs */ .Ve)(database, (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readString */ .E3)(source, 'database-url') !== undefined);
    const target = readTargetDatabase(source);
    const backupDir = () => node_path__WEBPACK_IMPORTED_MODULE_0__.resolve(readPath(source, 'backup-dir') ?? node_path__WEBPACK_IMPORTED_MODULE_0__.join(workDir, 'kong-backup'));
    if (mode === 'export') {
        const admin = (0,_lib_shared_inputs_js__WEBPACK_IMPORTED_MODULE_3__/* .readAdminInputs */ .xA)(source);
        if (!admin)
            throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)('admin-url', 'is required for mode export: the Admin API to export from, e.g. http://127.0.0.1:8001');
        return { mode, common, admin, backupDir: backupDir(), deck: readDeck(source) };
    }
    if (mode === 'cassandra-snapshot') {
        const hosts = (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readList */ .LD)(source, 'cassandra-hosts').map((item) => parseCassandraHost(item));
        if (hosts.length === 0)
            throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)('cassandra-hosts', 'is required for mode cassandra-snapshot: every node to snapshot, host or host:jmx-port, newline or comma separated');
        const keyspace = (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readString */ .E3)(source, 'cassandra-keyspace') ?? 'kong';
        if (!/^\w{1,48}$/.test(keyspace))
            throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)('cassandra-keyspace', `"${keyspace}" is not a Cassandra keyspace name (letters, digits, _; at most 48)`);
        const tag = (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readString */ .E3)(source, 'snapshot-tag');
        // The tag becomes a folder name on every node: keep it to characters no shell or path mangles.
        if (tag !== undefined && !/^[A-Za-z0-9._-]{1,100}$/.test(tag))
            throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)('snapshot-tag', `"${tag}" may hold only letters, digits, '.', '_' and '-'`);
        const username = (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readString */ .E3)(source, 'jmx-username');
        const password = (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readSecret */ .n5)(source, 'jmx-password');
        if ((username === undefined) !== (password === undefined))
            throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)(username === undefined ? 'jmx-username' : 'jmx-password', 'jmx-username and jmx-password go together');
        return {
            mode,
            common,
            backupDir: backupDir(),
            hosts,
            keyspace,
            tag,
            nodetool: readPath(source, 'nodetool-path') ?? 'nodetool',
            kongVersion: readKongVersion(source),
            jmx: username !== undefined && password !== undefined ? { username, password } : undefined,
        };
    }
    if (mode === 'backup') {
        if (!sourceTarget)
            throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)('database-url', 'is required for mode backup (or pg-host and the other pg-* inputs)');
        // The manifest records it, and verify and restore read it back under the same rule.
        checkDatabaseName(sourceTarget);
        const format = (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readEnum */ .ai)(source, 'format', ['custom', 'directory'], 'custom');
        if (format === 'custom' && common.jobs > 1) {
            throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)('jobs', 'pg_dump runs parallel jobs only with format directory; use format: directory, or jobs: 1 (custom archives still restore in parallel)');
        }
        return {
            mode,
            common,
            source: sourceTarget,
            backupDir: backupDir(),
            format,
            compression: (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readString */ .E3)(source, 'compression') ?? 'auto',
            kongVersion: readKongVersion(source),
        };
    }
    const manifest = readPath(source, 'manifest');
    if (manifest === undefined)
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)('manifest', `is required for mode ${mode}: the manifest.json a backup wrote`);
    if (mode === 'verify') {
        const trial = (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readBoolean */ .Vf)(source, 'trial-restore', false);
        const trialServer = trial ? (target ?? sourceTarget) : undefined;
        if (trial && !trialServer)
            throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)('trial-restore', 'needs a server for the scratch database: give target-database-url (or target-pg-*) or database-url');
        return { mode, common, manifest: node_path__WEBPACK_IMPORTED_MODULE_0__.resolve(manifest), trialServer };
    }
    const restoreTarget = target ?? sourceTarget;
    if (!restoreTarget)
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)('target-database-url', 'is required for mode restore (or target-pg-host …, or database-url for restoring into the database given there)');
    checkDatabaseName(restoreTarget);
    return {
        mode,
        common,
        manifest: node_path__WEBPACK_IMPORTED_MODULE_0__.resolve(manifest),
        target: restoreTarget,
        method: (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readEnum */ .ai)(source, 'restore-method', ['swap', 'clean'], 'swap'),
        allowRestoreOverSource: (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readBoolean */ .Vf)(source, 'allow-restore-over-source', false),
        allowLiveConnections: (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readBoolean */ .Vf)(source, 'allow-live-connections', false),
        maintenanceDatabase: readDatabaseName(source, 'maintenance-database') ?? 'postgres',
        lockTimeoutMs: (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readDuration */ .$7)(source, 'lock-timeout', '30s'),
    };
}
/**
 * A path input: at most PATH_MAX (4096) bytes with names of at most NAME_MAX (255), and no
 * control characters, checked before any file call, which would fail with ENAMETOOLONG or
 * write a name no log line can show.
 */
function readPath(source, name) {
    const value = (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readString */ .E3)(source, name);
    if (value === undefined)
        return undefined;
    const allowed = 'a path of at most 4096 bytes, each name at most 255, without control characters';
    if (/\p{Cc}/u.test(value))
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)(name, `${(0,_shape_js__WEBPACK_IMPORTED_MODULE_7__/* .quote */ .hD)(value)} holds a control character; expected ${allowed}`);
    if (Buffer.byteLength(value) > 4096)
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)(name, `is ${Buffer.byteLength(value)} bytes long; expected ${allowed}`);
    const long = value.split(/[/\\]/).find((part) => Buffer.byteLength(part) > 255);
    if (long !== undefined)
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)(name, `has a name of ${Buffer.byteLength(long)} bytes (${(0,_shape_js__WEBPACK_IMPORTED_MODULE_7__/* .quote */ .hD)(long)}); expected ${allowed}`);
    return value;
}
/** An input naming a database this step connects to or creates (isDatabaseName's rule). */
function readDatabaseName(source, name) {
    const value = (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readString */ .E3)(source, name);
    if (value !== undefined && !(0,_postgres_connect_js__WEBPACK_IMPORTED_MODULE_6__/* .isDatabaseName */ .lH)(value))
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)(name, `${(0,_shape_js__WEBPACK_IMPORTED_MODULE_7__/* .quote */ .hD)(value)} is not a database name (${_postgres_connect_js__WEBPACK_IMPORTED_MODULE_6__/* .DATABASE_NAME_RULE */ .Pj})`);
    return value;
}
function checkDatabaseName(target) {
    const name = target.db.database;
    if (!(0,_postgres_connect_js__WEBPACK_IMPORTED_MODULE_6__/* .isDatabaseName */ .lH)(name))
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)(target.inputs.database, `database ${(0,_shape_js__WEBPACK_IMPORTED_MODULE_7__/* .quote */ .hD)(name)} is not a database name this action works with (${_postgres_connect_js__WEBPACK_IMPORTED_MODULE_6__/* .DATABASE_NAME_RULE */ .Pj})`);
}
/** `kong-version`: what the manifest records, so a Kong version (or release line, as schema_meta gives). */
function readKongVersion(source) {
    const value = (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readString */ .E3)(source, 'kong-version');
    if (value === undefined)
        return undefined;
    if (/^\d+\.\d+$/.test(value))
        return value;
    const version = (0,_version_kong_version_js__WEBPACK_IMPORTED_MODULE_4__/* .tryParseKongVersion */ .SC)(value);
    if (!version)
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)('kong-version', `${(0,_shape_js__WEBPACK_IMPORTED_MODULE_7__/* .quote */ .hD)(value)} is not a Kong version; accepted forms: ${_version_kong_version_js__WEBPACK_IMPORTED_MODULE_4__/* .ACCEPTED_VERSION_FORMS */ .Fv}, or a release line such as 3.4`);
    return (0,_version_kong_version_js__WEBPACK_IMPORTED_MODULE_4__/* .formatKongVersion */ .Xz)(version);
}
function readDeck(source) {
    const given = (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readString */ .E3)(source, 'deck-version');
    const template = (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readString */ .E3)(source, 'deck-download-url') ?? DECK_DOWNLOAD_URL;
    // deck-download-url alone does nothing (action.yml gives it a default): decK runs on deck-version.
    if (given === undefined)
        return undefined;
    const version = given.replace(/^v/, '');
    // An exact version: the tool cache is keyed by it and the URL is built from it.
    if (!/^\d+\.\d+\.\d+$/.test(version))
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)('deck-version', `"${given}" is not an exact decK version like 1.40.0`);
    if (!template.includes('{version}'))
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)('deck-download-url', 'must contain {version} (and may contain {os} and {arch})');
    let url;
    const filled = template.replaceAll('{version}', version).replaceAll('{os}', osName()).replaceAll('{arch}', archName());
    try {
        url = new URL(filled);
    }
    catch {
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)('deck-download-url', `"${filled}" is not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)('deck-download-url', `"${filled}" must be http(s)`);
    // GoReleaser writes checksums.txt beside the archives of a release.
    const checksumsUrl = new URL('checksums.txt', url).toString();
    return { version, url: url.toString(), checksumsUrl };
}
function osName() {
    return process.platform === 'darwin' ? 'darwin' : 'linux';
}
function archName() {
    return process.arch === 'arm64' ? 'arm64' : 'amd64';
}
function parseCassandraHost(item) {
    const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(item);
    if (!match)
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)('cassandra-hosts', `"${item}" is not host or host:port`);
    const port = match[2] === undefined ? 7199 : Number(match[2]);
    if (port < 1 || port > 65_535)
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)('cassandra-hosts', `"${item}": port ${port} is not 1-65535`);
    return { host: match[1].replace(/^\[|\]$/g, ''), port };
}
/** `target-database-url` / `target-pg-*`: the shared reader under a prefix, errors renamed. */
function readTargetDatabase(source) {
    const prefixed = { get: (name) => source.get(`target-${name}`), mask: (secret) => source.mask(secret) };
    try {
        const db = (0,_lib_shared_inputs_js__WEBPACK_IMPORTED_MODULE_3__/* .readDatabaseInputs */ .ZU)(prefixed);
        return db && (0,_postgres_connect_js__WEBPACK_IMPORTED_MODULE_6__/* .targetFromInputs */ .Ve)(db, (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readString */ .E3)(prefixed, 'database-url') !== undefined, 'target-');
    }
    catch (error) {
        if (error instanceof _lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .UpgradeError */ .fy && 'input' in error.origin) {
            const detail = error.message.replace(/^input '[^']+': /, '').replace(/\b(database-url|pg-[a-z]+)\b/g, 'target-$1');
            throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)(`target-${error.origin.input}`, detail, error);
        }
        throw error;
    }
}
function readEncryption(source, mode) {
    const method = (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readEnum */ .ai)(source, 'encryption', ['none', 'gpg-symmetric', 'gpg-recipient'], 'none');
    const passphrase = (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readSecret */ .n5)(source, 'encryption-passphrase');
    if (passphrase !== undefined)
        (0,_encryption_js__WEBPACK_IMPORTED_MODULE_5__/* .checkPassphrase */ .Bt)(passphrase);
    const privateKey = (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readSecret */ .n5)(source, 'encryption-private-key');
    const recipients = (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readList */ .LD)(source, 'encryption-recipients');
    const publicKey = (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .readString */ .E3)(source, 'encryption-public-key');
    // verify/restore: the manifest says how the archive was encrypted; the secret given decides.
    const effective = method !== 'none' ? method : mode === 'backup' ? 'none' : privateKey !== undefined ? 'gpg-recipient' : passphrase !== undefined ? 'gpg-symmetric' : 'none';
    if (effective === 'none')
        return undefined;
    if (effective === 'gpg-symmetric') {
        if (passphrase === undefined)
            throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)('encryption-passphrase', 'is required with encryption: gpg-symmetric');
        if (mode === 'backup' && passphrase.length < 12)
            throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)('encryption-passphrase', 'is shorter than 12 characters; use a long random secret');
        return { method: 'gpg-symmetric', passphrase };
    }
    if (mode === 'backup' && recipients.length === 0)
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)('encryption-recipients', 'is required with encryption: gpg-recipient (key ids, fingerprints or e-mail addresses)');
    return {
        method: 'gpg-recipient',
        recipients,
        ...(publicKey !== undefined && { publicKey }),
        ...(privateKey !== undefined && { privateKey }),
        ...(passphrase !== undefined && { passphrase }),
    };
}


/***/ }),

/***/ 4371:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Bt: () => (/* binding */ checkPassphrase),
/* harmony export */   DN: () => (/* binding */ decryptFiles),
/* harmony export */   TB: () => (/* binding */ ENCRYPTED_SUFFIX)
/* harmony export */ });
/* unused harmony exports stopGpgAgent, encryptFiles */
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(1455);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(8161);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(6760);
/* harmony import */ var _lib_errors_js__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(1469);
/* harmony import */ var _lib_exec_js__WEBPACK_IMPORTED_MODULE_4__ = __nccwpck_require__(3228);





const ENCRYPTED_SUFFIX = '.gpg';
/**
 * gpg reads a passphrase from `--passphrase-fd` up to the first newline ("Only the first line
 * will be read", gpg(1)), and so does every other way of giving it one without argv: a
 * multi-line passphrase would encrypt with its first line alone. Refused rather than cut.
 */
function checkPassphrase(passphrase) {
    if (/[\r\n]/.test(passphrase)) {
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .inputError */ .Xu)('encryption-passphrase', 'holds more than one line, and gpg reads only the first line of a passphrase (the rest would protect nothing): give a one-line passphrase. A backup encrypted with a multi-line passphrase was encrypted with its first line alone: give that line to decrypt it');
    }
}
/**
 * gpg's home: inside the run's private folder when given (a killed run leaves the imported key
 * there, and the ledger names the agent to stop), else the system temp folder. Short either way:
 * gpg-agent's sockets live in it and socket paths are limited to ~100 bytes.
 */
async function openGpg(runDir, gpgBinary = 'gpg') {
    const base = runDir && runDir.path.length <= SOCKET_BASE_MAX ? runDir.path : node_os__WEBPACK_IMPORTED_MODULE_1__.tmpdir();
    const home = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.mkdtemp)(node_path__WEBPACK_IMPORTED_MODULE_2__.join(base, 'kgpg-'));
    const key = `gpg-home-${node_path__WEBPACK_IMPORTED_MODULE_2__.basename(home)}`;
    await runDir?.note(key, { kind: 'gpg-home', path: home });
    const args = ['--homedir', home, '--batch', '--yes', '--no-tty', '--quiet'];
    // Always with a signal: that is execCommand's spawn path, which reports the signal that ended
    // gpg (SIGXFSZ when the file size limit is hit) where @actions/exec reports none.
    const exec = (rest, stdin, signal) => (0,_lib_exec_js__WEBPACK_IMPORTED_MODULE_4__/* .execCommand */ .N)({ command: gpgBinary, args: [...args, ...rest], stdin: stdin ?? '', signal: signal ?? new AbortController().signal });
    return {
        exec,
        async run(rest, stdin, signal) {
            const result = await exec(rest, stdin, signal);
            if (result.exitCode !== 0 || result.signal !== undefined)
                throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .stepError */ .hH)('gpg', failure(result));
            return result.stdout;
        },
        async close() {
            // gpg starts a gpg-agent for the home dir; stop it so nothing outlives the step.
            await stopGpgAgent(home);
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.rm)(home, { recursive: true, force: true });
            await runDir?.forget(key);
        },
    };
}
/** The longest run folder a gpg home goes in: leaves room for `kgpg-XXXXXX/S.gpg-agent.browser`. */
const SOCKET_BASE_MAX = 70;
/** Stops the gpg-agent gpg started for `home` (it outlives gpg otherwise). */
async function stopGpgAgent(home) {
    await (0,_lib_exec_js__WEBPACK_IMPORTED_MODULE_4__/* .execCommand */ .N)({ command: 'gpgconf', args: ['--homedir', home, '--kill', 'gpg-agent'] }).catch(() => { });
}
/** gpg's last words, or how it ended when it said nothing (e.g. killed by SIGXFSZ). */
function failure(result) {
    const reason = result.stderr.trim().split('\n').slice(-2).join(' ');
    const ended = result.signal ? `killed by ${result.signal}` : `exit code ${result.exitCode}`;
    return reason ? `${reason} (${ended})` : ended;
}
/** The file could not be written for want of room (ENOSPC, EFBIG, EDQUOT, or the file size limit). */
function noRoom(result) {
    if (result.signal === 'SIGXFSZ')
        return 'file size limit exceeded (SIGXFSZ)';
    const line = result.stderr.split('\n').find((l) => /No space left|File too large|Disk quota exceeded/i.test(l));
    return line?.replace(/^gpg: /, '').trim();
}
/** Encrypts each file to `<file>.gpg` and removes the plain file; returns the new paths. */
async function encryptFiles(files, options, signal, runDir) {
    if (options.passphrase !== undefined)
        checkPassphrase(options.passphrase);
    const gpg = await openGpg(runDir);
    try {
        if (options.method === 'gpg-recipient' && options.publicKey !== undefined) {
            await gpg.run(['--import'], options.publicKey).catch((error) => {
                throw inputError('encryption-public-key', `gpg could not import it: ${error.message}`, error);
            });
        }
        const out = [];
        for (const file of files) {
            const target = `${file}${ENCRYPTED_SUFFIX}`;
            // The dump is compressed already: gpg's own compression would only cost time.
            const common = ['--compress-algo', 'none', '--output', target];
            const result = options.method === 'gpg-symmetric'
                ? await gpg.exec(['--pinentry-mode', 'loopback', '--passphrase-fd', '0', '--symmetric', '--cipher-algo', 'AES256', ...common, file], options.passphrase, signal)
                : await gpg.exec(['--trust-model', 'always', ...options.recipients.flatMap((r) => ['--recipient', r]), ...common, '--encrypt', file], undefined, signal);
            if (result.exitCode !== 0 || result.signal !== undefined) {
                await rm(target, { force: true });
                const full = noRoom(result);
                // Both callers (database backup, decK export) write into backup-dir.
                if (full)
                    throw inputError('backup-dir', `no room to write the encrypted archive in ${path.dirname(target)}: ${full}`);
                if (result.aborted)
                    throw stepError('gpg', `encryption stopped (${result.signal ?? 'aborted'})`);
                if (options.method === 'gpg-recipient')
                    throw inputError('encryption-recipients', `gpg could not encrypt to ${options.recipients.join(', ')}: ${failure(result)}`);
                throw stepError('gpg', failure(result));
            }
            await rm(file);
            out.push(target);
        }
        return out;
    }
    finally {
        await gpg.close();
    }
}
/** Key ids (16 hex digits) of the `ENC_TO` status lines: the public keys a message is encrypted to. */
function encryptedTo(status) {
    return [...status.matchAll(/^\[GNUPG:\] ENC_TO ([0-9A-F]{16}) /gm)].map((m) => m[1]);
}
/** Decrypts `<base>/<file>.gpg` files into `outDir/<file>`; a failure leaves no partial plain file. */
async function decryptFiles(base, files, outDir, options, signal, runDir) {
    if (options.passphrase !== undefined)
        checkPassphrase(options.passphrase);
    const gpg = await openGpg(runDir);
    try {
        // The ids of the private key's (sub)keys, to tell "not the right key" from "wrong passphrase".
        let secretKeyIds = [];
        if (options.method === 'gpg-recipient') {
            if (options.privateKey === undefined)
                throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .inputError */ .Xu)('encryption-private-key', 'is required to decrypt an archive encrypted to recipients');
            await gpg.run(['--import'], options.privateKey).catch((error) => {
                throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .inputError */ .Xu)('encryption-private-key', `gpg could not import it: ${error.message}`, error);
            });
            // --with-colons: field 5 the key id; field 15 '#' for a stub whose secret part is absent.
            const listing = await gpg.run(['--with-colons', '--list-secret-keys']);
            secretKeyIds = listing.split('\n').map((line) => line.split(':')).filter((f) => (f[0] === 'sec' || f[0] === 'ssb') && f[14] !== '#').map((f) => f[4]);
            if (secretKeyIds.length === 0)
                throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .inputError */ .Xu)('encryption-private-key', 'holds no private key (an armored "PRIVATE KEY BLOCK" is needed, not a public key)');
        }
        for (const file of files) {
            const plain = node_path__WEBPACK_IMPORTED_MODULE_2__.join(outDir, file.endsWith(ENCRYPTED_SUFFIX) ? file.slice(0, -ENCRYPTED_SUFFIX.length) : file);
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.mkdir)(node_path__WEBPACK_IMPORTED_MODULE_2__.dirname(plain), { recursive: true });
            // Status lines on stdout (the plain text goes to --output): they name the keys the file is encrypted to.
            const result = await gpg.exec(['--status-fd', '1', '--pinentry-mode', 'loopback', '--passphrase-fd', '0', '--output', plain, '--decrypt', node_path__WEBPACK_IMPORTED_MODULE_2__.join(base, file)], options.passphrase ?? '', signal);
            if (result.exitCode === 0 && result.signal === undefined)
                continue;
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.rm)(plain, { force: true });
            throw decryptionError(result, file, outDir, options, secretKeyIds);
        }
    }
    finally {
        await gpg.close();
    }
}
function decryptionError(result, file, outDir, options, secretKeyIds) {
    const full = noRoom(result);
    if (full)
        return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .stepError */ .hH)('decrypting the archive', `no room to write the decrypted archive in ${outDir}: ${full}; free space there (the decrypted copy is about as large as the archive)`);
    if (result.aborted)
        return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .stepError */ .hH)('decrypting the archive', `stopped (${result.signal ?? 'aborted'})`);
    const reason = failure(result);
    const recipients = encryptedTo(result.stdout);
    const keyProblem = /no secret key|bad passphrase|bad session key/i.test(result.stderr);
    if (recipients.length > 0 && keyProblem) {
        if (options.method === 'gpg-symmetric') {
            return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .inputError */ .Xu)('encryption-private-key', `${file} is encrypted to public key(s) ${recipients.join(', ')}, not with a passphrase: give the private key (and encryption-passphrase if the key has one)`);
        }
        const hidden = recipients.every((id) => /^0+$/.test(id));
        const held = recipients.filter((id) => secretKeyIds.includes(id));
        if (hidden) {
            return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .inputError */ .Xu)('encryption-private-key', `gpg could not decrypt ${file} (its recipients are hidden): the key given (${secretKeyIds.join(', ')}) is not one it is encrypted to, or encryption-passphrase is wrong for it`);
        }
        if (held.length === 0) {
            return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .inputError */ .Xu)('encryption-private-key', `is not a key this archive is encrypted to: ${file} is encrypted to ${recipients.join(', ')}; the key given: ${secretKeyIds.join(', ')}`);
        }
        return options.passphrase === undefined || options.passphrase === ''
            ? (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .inputError */ .Xu)('encryption-passphrase', `the private key ${held.join(', ')} is protected by a passphrase: give it in encryption-passphrase`)
            : (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .inputError */ .Xu)('encryption-passphrase', `is wrong for the private key ${held.join(', ')}: gpg could not unlock it`);
    }
    if (keyProblem)
        return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .inputError */ .Xu)('encryption-passphrase', `is wrong, or is not what the archive was encrypted with: gpg could not decrypt: ${reason}`);
    return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .stepError */ .hH)('decrypting the archive', `gpg could not decrypt ${file}: ${reason}`);
}


/***/ }),

/***/ 3387:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   WI: () => (/* binding */ readManifest),
/* harmony export */   tS: () => (/* binding */ compareFingerprints)
/* harmony export */ });
/* unused harmony exports MANIFEST_SCHEMA, writeManifestAtomically, writeJsonAtomically, isRelativePath, validateManifest */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(7598);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(1455);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(6760);
/* harmony import */ var _lib_fsync_js__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(2973);
/* harmony import */ var _lib_errors_js__WEBPACK_IMPORTED_MODULE_4__ = __nccwpck_require__(1469);
/* harmony import */ var _postgres_connect_js__WEBPACK_IMPORTED_MODULE_5__ = __nccwpck_require__(9308);
/* harmony import */ var _shape_js__WEBPACK_IMPORTED_MODULE_6__ = __nccwpck_require__(7673);







/**
 * The backup manifest, `kong-upgrade/backup-manifest@1` (../shared/DESIGN.md "Contracts"):
 * what an archive holds, read in the snapshot pg_dump dumped. Written last and atomically by
 * backup-db; no manifest means no backup. migrate (backup gate) and smoke-test (baseline
 * counts) read it, so fields are only ever added; documented in actions/backup-db/README.md.
 */
const MANIFEST_SCHEMA = 'kong-upgrade/backup-manifest@1';
/**
 * Temp name + rename in the same folder: readers see no manifest or a whole one; the temp file
 * and then the folder are synced, so after a crash the manifest is whole or absent too.
 */
async function writeManifestAtomically(file, manifest) {
    await writeJsonAtomically(file, manifest);
}
/** The same for any JSON index (the export's, the Cassandra snapshot's). */
async function writeJsonAtomically(file, data) {
    const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
    try {
        await writeFile(temp, `${JSON.stringify(data, null, 2)}\n`, { flag: 'wx', flush: true });
        await rename(temp, file);
        await syncPaths([path.dirname(file)]);
    }
    catch (error) {
        await rm(temp, { force: true });
        throw error;
    }
}
/**
 * Reads and checks a manifest; errors name `input` (the input that gave its path) and each field
 * that is wrong. Every field is untrusted: a manifest is a file anyone who can write to the
 * backup folder, or hand over an artifact, can edit, and its values reach SQL, pg_restore and logs.
 */
async function readManifest(file, input) {
    let text;
    try {
        text = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.readFile)(file, 'utf8');
    }
    catch (error) {
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .inputError */ .Xu)(input, `cannot read ${(0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .quote */ .hD)(file)}: ${error.code ?? error.message}`, error);
    }
    let data;
    try {
        data = JSON.parse(text);
    }
    catch (error) {
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .inputError */ .Xu)(input, `${file} is not JSON`, error);
    }
    const problems = validateManifest(data);
    if (problems.length > 0)
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .inputError */ .Xu)(input, `${file} is not a backup manifest: ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? ` (and ${problems.length - 10} more)` : ''}`);
    return data;
}
const HEX64 = /^[0-9a-f]{64}$/;
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const NAME = /^[A-Za-z0-9_.:$-]{1,128}$/;
const identity = (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .object */ .Ik)({
    host: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .text */ .Qq)((v) => (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .printable */ .g$)(v) && v.length <= 255, 'a host name'),
    port: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .wholeNumber */ .rD)(1, 65_535),
    database: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .text */ .Qq)(_postgres_connect_js__WEBPACK_IMPORTED_MODULE_5__/* .isDatabaseName */ .lH, `a database name (${_postgres_connect_js__WEBPACK_IMPORTED_MODULE_5__/* .DATABASE_NAME_RULE */ .Pj})`),
    systemIdentifier: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .nullable */ .me)((0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .matching */ .wC)(/^\d{1,20}$/, 'a system identifier (digits)')),
    serverVersion: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .text */ .Qq)((v) => (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .printable */ .g$)(v) && v.length <= 100, 'a server version'),
});
/** A path relative to the manifest's folder: `/`-separated names, none of them `..` or `.`. */
function isRelativePath(value) {
    return (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .printable */ .g$)(value) && !value.includes('\\') && value.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}
const relativePath = (value, field, problems) => {
    if (typeof value !== 'string' || isRelativePath(value))
        return (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .text */ .Qq)()(value, field, problems);
    const leaves = node_path__WEBPACK_IMPORTED_MODULE_2__.isAbsolute(value) || value.split(/[/\\]/).includes('..');
    problems.push(`${field} ${(0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .quote */ .hD)(value)} ${leaves ? 'leaves the backup folder' : 'is not a path of /-separated names'} (a relative path inside the folder is allowed)`);
};
const MANIFEST_SHAPE = (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .object */ .Ik)({
    database: identity,
    lineage: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .object */ .Ik)({
        restoredFrom: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .nullable */ .me)((0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .object */ .Ik)({ manifest: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .text */ .Qq)(_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .printable */ .g$, 'a path'), database: identity, fingerprint: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .matching */ .wC)(HEX64, 'a SHA-256'), finishedAt: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .matching */ .wC)(ISO_TIME, 'a UTC time') })),
    }),
    kong: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .object */ .Ik)({ version: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .nullable */ .me)((0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .matching */ .wC)(/^[0-9A-Za-z.-]{1,40}$/, 'a Kong version')), source: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .oneOf */ .yL)(['input', 'schema_meta', 'unknown']) }),
    schemaMeta: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .nullable */ .me)((0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .listOf */ .c3)((0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .object */ .Ik)({
        subsystem: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .matching */ .wC)(NAME, 'a subsystem name'),
        lastExecuted: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .nullable */ .me)((0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .matching */ .wC)(NAME, 'a migration name')),
        executed: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .listOf */ .c3)((0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .matching */ .wC)(NAME, 'a migration name')),
        pending: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .listOf */ .c3)((0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .matching */ .wC)(NAME, 'a migration name')),
    }))),
    counts: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .recordOf */ .zv)(/^\S{1,256}$/, (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .recordOf */ .zv)(/^[a-z0-9_]{1,64}$/, (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .wholeNumber */ .rD)(0))),
    fingerprint: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .object */ .Ik)({
        algorithm: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .oneOf */ .yL)(['row-hashrecord-sum-v1', 'row-hashtextextended-sum-v1', 'row-md5-sum-v1']),
        digest: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .matching */ .wC)(HEX64, 'a SHA-256'),
        tables: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .recordOf */ .zv)(/^[a-z_][a-z0-9_]{0,62}$/, (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .object */ .Ik)({ entity: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .matching */ .wC)(/^[a-z0-9_]{1,64}$/, 'an entity name'), rows: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .wholeNumber */ .rD)(0), hash: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .matching */ .wC)(/^-?\d{1,30}$/, 'a decimal hash') })),
    }),
    dump: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .object */ .Ik)({
        tool: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .oneOf */ .yL)(['pg_dump']),
        toolVersion: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .text */ .Qq)((v) => (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .printable */ .g$)(v) && v.length <= 40, 'a version'),
        format: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .oneOf */ .yL)(['custom', 'directory']),
        compression: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .matching */ .wC)(/^[a-z0-9:]{1,20}$/, 'a compression'),
        jobs: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .wholeNumber */ .rD)(1, 1024),
        snapshot: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .text */ .Qq)((v) => (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .printable */ .g$)(v) && v.length <= 100, 'a snapshot name'),
    }),
    encryption: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .object */ .Ik)({ method: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .oneOf */ .yL)(['none', 'gpg-symmetric', 'gpg-recipient']), recipients: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .listOf */ .c3)((0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .text */ .Qq)(_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .printable */ .g$, 'a key id or address')) }),
    archive: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .object */ .Ik)({ path: relativePath, checksum: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .text */ .Qq)((v) => (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .printable */ .g$)(v) && v.length <= 128, 'a checksum'), sizeBytes: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .wholeNumber */ .rD)(0) }),
    files: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .listOf */ .c3)((0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .object */ .Ik)({ path: relativePath, sizeBytes: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .wholeNumber */ .rD)(0), sha256: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .matching */ .wC)(HEX64, 'a SHA-256') })),
    startedAt: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .matching */ .wC)(ISO_TIME, 'a UTC time'),
    finishedAt: (0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .matching */ .wC)(ISO_TIME, 'a UTC time'),
});
function validateManifest(data) {
    if (typeof data !== 'object' || data === null || Array.isArray(data))
        return ['not an object'];
    const m = data;
    // Same schema family, other store (src/database/cassandra/snapshot.ts): say so rather than list missing fields.
    if (m.schema === MANIFEST_SCHEMA && m.format === 'cassandra-snapshot')
        return ['it describes a Cassandra snapshot (format cassandra-snapshot), not a PostgreSQL backup'];
    if (m.schema !== MANIFEST_SCHEMA)
        return [`schema is ${(0,_shape_js__WEBPACK_IMPORTED_MODULE_6__/* .quote */ .hD)(m.schema)}, expected "${MANIFEST_SCHEMA}"`];
    const problems = [];
    MANIFEST_SHAPE(data, '', problems);
    return problems;
}
/** The tables whose fingerprints differ, with how: empty when equal. */
function compareFingerprints(expected, actual) {
    const differences = [];
    if (expected.algorithm !== actual.algorithm)
        return [`fingerprint algorithms differ (${expected.algorithm} vs ${actual.algorithm}): recompute with the manifest's`];
    const tables = new Set([...Object.keys(expected.tables), ...Object.keys(actual.tables)]);
    for (const table of [...tables].sort()) {
        const want = expected.tables[table];
        const got = actual.tables[table];
        if (!want)
            differences.push(`${table}: not in the backup (${got?.rows} rows now)`);
        else if (!got)
            differences.push(`${table}: missing (${want.rows} rows in the backup)`);
        else if (want.rows !== got.rows)
            differences.push(`${table}: ${got.rows} rows, backup has ${want.rows}`);
        else if (want.hash !== got.hash)
            differences.push(`${table}: same ${got.rows} rows but different content`);
    }
    return differences;
}


/***/ }),

/***/ 9308:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Pj: () => (/* binding */ DATABASE_NAME_RULE),
/* harmony export */   SV: () => (/* binding */ withClient),
/* harmony export */   Ve: () => (/* binding */ targetFromInputs),
/* harmony export */   Vz: () => (/* binding */ libpqFailure),
/* harmony export */   hn: () => (/* binding */ dbnameArgument),
/* harmony export */   kR: () => (/* binding */ withDatabase),
/* harmony export */   lH: () => (/* binding */ isDatabaseName),
/* harmony export */   v4: () => (/* binding */ quoteIdent)
/* harmony export */ });
/* unused harmony exports connect, connectionError */
/* harmony import */ var _lib_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(1469);
/* harmony import */ var _lib_shared_inputs_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(4469);
/* harmony import */ var _server_version_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(5306);



function targetFromInputs(db, viaUrl, prefix = '') {
    const name = (part) => `${prefix}${viaUrl ? 'database-url' : `pg-${part}`}`;
    return { db, inputs: { host: name('host'), user: name('user'), password: name('password'), database: name('database') } };
}
/** The same server, another database (scratch databases, the maintenance database). */
function withDatabase(target, database) {
    return { ...target, db: { ...target.db, database } };
}
async function connect(target, step) {
    const { default: postgres } = await __nccwpck_require__.e(/* import() */ 849).then(__nccwpck_require__.bind(__nccwpck_require__, 3849));
    const client = new postgres.Client((0,_server_version_js__WEBPACK_IMPORTED_MODULE_2__/* .pgClientConfig */ .f)(target.db));
    // A server going away mid-query surfaces through the query's promise; don't crash on 'error'.
    client.on('error', () => { });
    try {
        await client.connect();
    }
    catch (error) {
        await client.end().catch(() => { });
        throw connectionError(target, step, error);
    }
    return client;
}
async function withClient(target, step, fn) {
    const client = await connect(target, step);
    try {
        return await fn(client);
    }
    finally {
        await client.end().catch(() => { });
    }
}
/** Connection failures as an error naming the input to fix; anything else as a step error. */
function connectionError(target, step, error) {
    const where = (0,_lib_shared_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .describeDatabase */ .DZ)(target.db);
    const e = error;
    const message = e.message ?? String(error);
    switch (e.code) {
        case '28P01':
        case '28000':
            return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(target.inputs.password, `PostgreSQL refused the login of ${where} (${message}); check the password and user`, error);
        case '3D000':
            return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(target.inputs.database, `database "${target.db.database}" does not exist on ${target.db.host}:${target.db.port}`, error);
        case 'ECONNREFUSED':
        case 'ENOTFOUND':
        case 'EAI_AGAIN':
        case 'EHOSTUNREACH':
        case 'ETIMEDOUT':
            return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(target.inputs.host, `cannot reach PostgreSQL at ${target.db.host}:${target.db.port} (${e.code})`, error);
        default:
            if (/timeout/i.test(message)) {
                return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(target.inputs.host, `no answer from PostgreSQL at ${target.db.host}:${target.db.port} (${message})`, error);
            }
            return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .stepError */ .hH)(`${step} (${where})`, message, error);
    }
}
/** libpq's words in pg_dump/pg_restore stderr, mapped the same way. */
function libpqFailure(target, stderr) {
    const where = (0,_lib_shared_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .describeDatabase */ .DZ)(target.db);
    const line = stderr.split('\n').find((l) => /error|fatal/i.test(l))?.trim() ?? stderr.trim();
    if (/password authentication failed|no password supplied|authentication failed/i.test(stderr)) {
        return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(target.inputs.password, `PostgreSQL refused the login of ${where}: ${line}`);
    }
    if (/database ".*" does not exist/i.test(stderr)) {
        return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(target.inputs.database, `database "${target.db.database}" does not exist on ${target.db.host}:${target.db.port}`);
    }
    if (/could not connect|Connection refused|could not translate host name|timeout expired/i.test(stderr)) {
        return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(target.inputs.host, `cannot reach PostgreSQL at ${target.db.host}:${target.db.port}: ${line}`);
    }
    return undefined;
}
/**
 * The database names this suite reads, connects to and creates: letters, digits, `_ $ . -`, at
 * most 63 bytes (NAMEDATALEN - 1, longer names are cut by the server). Stricter than what a
 * quoted identifier allows on purpose: a name also reaches libpq (pg_restore --dbname), which
 * reads a value holding `=` or a URI prefix as a whole connection string, host and all.
 */
const DATABASE_NAME_RULE = 'letters, digits, _ $ . -, at most 63 bytes';
function isDatabaseName(name) {
    return /^[\p{L}\p{N}_$.-]+$/u.test(name) && Buffer.byteLength(name) <= 63;
}
/**
 * `--dbname` for pg_restore: a conninfo string holding only `dbname`, quoted as libpq reads
 * quoted values, so the name is a name whatever it holds; host, user and password come from the
 * environment (libpqEnvironment).
 */
function dbnameArgument(name) {
    return `--dbname=dbname='${name.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}
/** Double-quoted identifier. */
function quoteIdent(name) {
    return `"${name.replace(/"/g, '""')}"`;
}


/***/ }),

/***/ 5306:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   f: () => (/* binding */ pgClientConfig),
/* harmony export */   s: () => (/* binding */ readServerVersion)
/* harmony export */ });
/* harmony import */ var _lib_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(1469);
/* harmony import */ var _lib_shared_inputs_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(4469);


/**
 * Connection options for the `pg` client: the password stays in-process, never in argv.
 * node-postgres has no libpq-style `prefer`/`allow` (try TLS, fall back): those connect without
 * TLS, which is what libpq ends up doing against a server that offers none.
 */
function pgClientConfig(db, connectTimeoutMs = 10_000) {
    const ssl = db.sslmode === 'disable' || db.sslmode === 'allow' || db.sslmode === 'prefer'
        ? false
        : { rejectUnauthorized: db.sslmode === 'verify-ca' || db.sslmode === 'verify-full' };
    return {
        host: db.host,
        port: db.port,
        user: db.user,
        password: db.password,
        database: db.database,
        ssl,
        connectionTimeoutMillis: connectTimeoutMs,
        application_name: 'kong-upgrade-actions',
    };
}
/** `SHOW server_version`, e.g. "15.18 (Debian 15.18-0+deb12u1)" → "15.18". */
async function readServerVersion(db) {
    // Loaded on first use, so plans and actions without a database connection start faster.
    const { default: postgres } = await __nccwpck_require__.e(/* import() */ 849).then(__nccwpck_require__.bind(__nccwpck_require__, 3849));
    const client = new postgres.Client(pgClientConfig(db));
    try {
        await client.connect();
        const result = await client.query('SHOW server_version');
        const raw = result.rows[0]?.server_version ?? '';
        return raw.split(' ')[0] ?? raw;
    }
    catch (error) {
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .stepError */ .hH)(`reading the PostgreSQL version of ${(0,_lib_shared_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .describeDatabase */ .DZ)(db)}`, error.message, error);
    }
    finally {
        await client.end().catch(() => { });
    }
}


/***/ }),

/***/ 7673:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Ik: () => (/* binding */ object),
/* harmony export */   Qq: () => (/* binding */ text),
/* harmony export */   c3: () => (/* binding */ listOf),
/* harmony export */   g$: () => (/* binding */ printable),
/* harmony export */   hD: () => (/* binding */ quote),
/* harmony export */   me: () => (/* binding */ nullable),
/* harmony export */   rD: () => (/* binding */ wholeNumber),
/* harmony export */   wC: () => (/* binding */ matching),
/* harmony export */   yL: () => (/* binding */ oneOf),
/* harmony export */   zv: () => (/* binding */ recordOf)
/* harmony export */ });
/** A value as it may appear in an error: JSON (newlines escaped), long values cut. */
function quote(value) {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
function kind(value) {
    return Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
}
/** A string; with `test`, one it accepts (`what` says what is allowed). */
const text = (test, what) => (value, field, problems) => {
    if (typeof value !== 'string')
        problems.push(`${field} is ${kind(value)}, expected a string`);
    else if (test && !test(value))
        problems.push(`${field} ${quote(value)} is not ${what}`);
};
const matching = (pattern, what) => text((value) => pattern.test(value), what);
const wholeNumber = (min, max = Number.MAX_SAFE_INTEGER) => (value, field, problems) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value))
        problems.push(`${field} is ${kind(value)}, expected a whole number`);
    else if (value < min || value > max)
        problems.push(`${field} ${value} is not ${max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `${min}-${max}`}`);
};
const oneOf = (allowed) => (value, field, problems) => {
    if (!allowed.includes(value))
        problems.push(`${field} ${quote(value)} is not one of ${allowed.join(', ')}`);
};
const nullable = (shape) => (value, field, problems) => {
    if (value !== null)
        shape(value, field, problems);
};
const listOf = (shape) => (value, field, problems) => {
    if (!Array.isArray(value))
        problems.push(`${field} is ${kind(value)}, expected an array`);
    else
        value.forEach((item, i) => shape(item, `${field}[${i}]`, problems));
};
/** An object used as a map: every key matches `key`, every value has `shape`. */
const recordOf = (key, shape) => (value, field, problems) => {
    if (!isPlainObject(value)) {
        problems.push(`${field} is ${kind(value)}, expected an object`);
        return;
    }
    for (const [name, item] of Object.entries(value)) {
        if (!key.test(name))
            problems.push(`${field} has a key ${quote(name)} that is not a name`);
        else
            shape(item, `${field}.${name}`, problems);
    }
};
/** An object with these fields (others are ignored: readers of an older version skip them). */
const object = (fields) => (value, field, problems) => {
    if (!isPlainObject(value)) {
        problems.push(`${field} is ${kind(value)}, expected an object`);
        return;
    }
    for (const [name, shape] of Object.entries(fields))
        shape(value[name], field === '' ? name : `${field}.${name}`, problems);
};
function isPlainObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
/** No control characters (a newline in a log line starts a workflow command) and not empty. */
function printable(value) {
    return value !== '' && !/\p{Cc}/u.test(value);
}


/***/ }),

/***/ 1469:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Xu: () => (/* binding */ inputError),
/* harmony export */   fy: () => (/* binding */ UpgradeError),
/* harmony export */   gJ: () => (/* binding */ errorMessage),
/* harmony export */   hH: () => (/* binding */ stepError)
/* harmony export */ });
class UpgradeError extends Error {
    origin;
    constructor(origin, detail, options) {
        super(`${describeOrigin(origin)}: ${detail}`, options);
        this.name = 'UpgradeError';
        this.origin = origin;
    }
}
function describeOrigin(origin) {
    return 'input' in origin ? `input '${origin.input}'` : origin.step;
}
function inputError(input, detail, cause) {
    return new UpgradeError({ input }, detail, cause === undefined ? undefined : { cause });
}
function stepError(step, detail, cause) {
    return new UpgradeError({ step }, detail, cause === undefined ? undefined : { cause });
}
/** One line for the user: our own errors as they are, anything else with its type kept. */
function errorMessage(error) {
    if (error instanceof UpgradeError)
        return error.message;
    if (error instanceof Error)
        return `unexpected ${error.name}: ${error.message}`;
    return `unexpected failure: ${String(error)}`;
}


/***/ }),

/***/ 3228:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  N: () => (/* binding */ execCommand)
});

// EXTERNAL MODULE: external "string_decoder"
var external_string_decoder_ = __nccwpck_require__(3193);
;// CONCATENATED MODULE: external "os"
const external_os_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("os");
// EXTERNAL MODULE: external "events"
var external_events_ = __nccwpck_require__(4434);
;// CONCATENATED MODULE: external "child_process"
const external_child_process_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("child_process");
// EXTERNAL MODULE: external "path"
var external_path_ = __nccwpck_require__(6928);
;// CONCATENATED MODULE: external "assert"
const external_assert_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("assert");
// EXTERNAL MODULE: external "fs"
var external_fs_ = __nccwpck_require__(9896);
;// CONCATENATED MODULE: ./node_modules/@actions/io/lib/io-util.js
var __awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};


const { chmod, copyFile, lstat, mkdir, open: io_util_open, readdir, rename, rm, rmdir, stat, symlink, unlink } = external_fs_.promises;
// export const {open} = 'fs'
const IS_WINDOWS = process.platform === 'win32';
/**
 * Custom implementation of readlink to ensure Windows junctions
 * maintain trailing backslash for backward compatibility with Node.js < 24
 *
 * In Node.js 20, Windows junctions (directory symlinks) always returned paths
 * with trailing backslashes. Node.js 24 removed this behavior, which breaks
 * code that relied on this format for path operations.
 *
 * This implementation restores the Node 20 behavior by adding a trailing
 * backslash to all junction results on Windows.
 */
function readlink(fsPath) {
    return __awaiter(this, void 0, void 0, function* () {
        const result = yield fs.promises.readlink(fsPath);
        // On Windows, restore Node 20 behavior: add trailing backslash to all results
        // since junctions on Windows are always directory links
        if (IS_WINDOWS && !result.endsWith('\\')) {
            return `${result}\\`;
        }
        return result;
    });
}
// See https://github.com/nodejs/node/blob/d0153aee367422d0858105abec186da4dff0a0c5/deps/uv/include/uv/win.h#L691
const UV_FS_O_EXLOCK = 0x10000000;
const READONLY = external_fs_.constants.O_RDONLY;
function exists(fsPath) {
    return __awaiter(this, void 0, void 0, function* () {
        try {
            yield stat(fsPath);
        }
        catch (err) {
            if (err.code === 'ENOENT') {
                return false;
            }
            throw err;
        }
        return true;
    });
}
function isDirectory(fsPath_1) {
    return __awaiter(this, arguments, void 0, function* (fsPath, useStat = false) {
        const stats = useStat ? yield stat(fsPath) : yield lstat(fsPath);
        return stats.isDirectory();
    });
}
/**
 * On OSX/Linux, true if path starts with '/'. On Windows, true for paths like:
 * \, \hello, \\hello\share, C:, and C:\hello (and corresponding alternate separator cases).
 */
function isRooted(p) {
    p = normalizeSeparators(p);
    if (!p) {
        throw new Error('isRooted() parameter "p" cannot be empty');
    }
    if (IS_WINDOWS) {
        return (p.startsWith('\\') || /^[A-Z]:/i.test(p) // e.g. \ or \hello or \\hello
        ); // e.g. C: or C:\hello
    }
    return p.startsWith('/');
}
/**
 * Best effort attempt to determine whether a file exists and is executable.
 * @param filePath    file path to check
 * @param extensions  additional file extensions to try
 * @return if file exists and is executable, returns the file path. otherwise empty string.
 */
function tryGetExecutablePath(filePath, extensions) {
    return __awaiter(this, void 0, void 0, function* () {
        let stats = undefined;
        try {
            // test file exists
            stats = yield stat(filePath);
        }
        catch (err) {
            if (err.code !== 'ENOENT') {
                // eslint-disable-next-line no-console
                console.log(`Unexpected error attempting to determine if executable file exists '${filePath}': ${err}`);
            }
        }
        if (stats && stats.isFile()) {
            if (IS_WINDOWS) {
                // on Windows, test for valid extension
                const upperExt = external_path_.extname(filePath).toUpperCase();
                if (extensions.some(validExt => validExt.toUpperCase() === upperExt)) {
                    return filePath;
                }
            }
            else {
                if (isUnixExecutable(stats)) {
                    return filePath;
                }
            }
        }
        // try each extension
        const originalFilePath = filePath;
        for (const extension of extensions) {
            filePath = originalFilePath + extension;
            stats = undefined;
            try {
                stats = yield stat(filePath);
            }
            catch (err) {
                if (err.code !== 'ENOENT') {
                    // eslint-disable-next-line no-console
                    console.log(`Unexpected error attempting to determine if executable file exists '${filePath}': ${err}`);
                }
            }
            if (stats && stats.isFile()) {
                if (IS_WINDOWS) {
                    // preserve the case of the actual file (since an extension was appended)
                    try {
                        const directory = external_path_.dirname(filePath);
                        const upperName = external_path_.basename(filePath).toUpperCase();
                        for (const actualName of yield readdir(directory)) {
                            if (upperName === actualName.toUpperCase()) {
                                filePath = external_path_.join(directory, actualName);
                                break;
                            }
                        }
                    }
                    catch (err) {
                        // eslint-disable-next-line no-console
                        console.log(`Unexpected error attempting to determine the actual case of the file '${filePath}': ${err}`);
                    }
                    return filePath;
                }
                else {
                    if (isUnixExecutable(stats)) {
                        return filePath;
                    }
                }
            }
        }
        return '';
    });
}
function normalizeSeparators(p) {
    p = p || '';
    if (IS_WINDOWS) {
        // convert slashes on Windows
        p = p.replace(/\//g, '\\');
        // remove redundant slashes
        return p.replace(/\\\\+/g, '\\');
    }
    // remove redundant slashes
    return p.replace(/\/\/+/g, '/');
}
// on Mac/Linux, test the execute bit
//     R   W  X  R  W X R W X
//   256 128 64 32 16 8 4 2 1
function isUnixExecutable(stats) {
    return ((stats.mode & 1) > 0 ||
        ((stats.mode & 8) > 0 &&
            process.getgid !== undefined &&
            stats.gid === process.getgid()) ||
        ((stats.mode & 64) > 0 &&
            process.getuid !== undefined &&
            stats.uid === process.getuid()));
}
// Get the path of cmd.exe in windows
function getCmdPath() {
    var _a;
    return (_a = process.env['COMSPEC']) !== null && _a !== void 0 ? _a : `cmd.exe`;
}
//# sourceMappingURL=io-util.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/io/lib/io.js
var io_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};



/**
 * Copies a file or folder.
 * Based off of shelljs - https://github.com/shelljs/shelljs/blob/9237f66c52e5daa40458f94f9565e18e8132f5a6/src/cp.js
 *
 * @param     source    source path
 * @param     dest      destination path
 * @param     options   optional. See CopyOptions.
 */
function cp(source_1, dest_1) {
    return io_awaiter(this, arguments, void 0, function* (source, dest, options = {}) {
        const { force, recursive, copySourceDirectory } = readCopyOptions(options);
        const destStat = (yield ioUtil.exists(dest)) ? yield ioUtil.stat(dest) : null;
        // Dest is an existing file, but not forcing
        if (destStat && destStat.isFile() && !force) {
            return;
        }
        // If dest is an existing directory, should copy inside.
        const newDest = destStat && destStat.isDirectory() && copySourceDirectory
            ? path.join(dest, path.basename(source))
            : dest;
        if (!(yield ioUtil.exists(source))) {
            throw new Error(`no such file or directory: ${source}`);
        }
        const sourceStat = yield ioUtil.stat(source);
        if (sourceStat.isDirectory()) {
            if (!recursive) {
                throw new Error(`Failed to copy. ${source} is a directory, but tried to copy without recursive flag.`);
            }
            else {
                yield cpDirRecursive(source, newDest, 0, force);
            }
        }
        else {
            if (path.relative(source, newDest) === '') {
                // a file cannot be copied to itself
                throw new Error(`'${newDest}' and '${source}' are the same file`);
            }
            yield io_copyFile(source, newDest, force);
        }
    });
}
/**
 * Moves a path.
 *
 * @param     source    source path
 * @param     dest      destination path
 * @param     options   optional. See MoveOptions.
 */
function mv(source_1, dest_1) {
    return io_awaiter(this, arguments, void 0, function* (source, dest, options = {}) {
        if (yield ioUtil.exists(dest)) {
            let destExists = true;
            if (yield ioUtil.isDirectory(dest)) {
                // If dest is directory copy src into dest
                dest = path.join(dest, path.basename(source));
                destExists = yield ioUtil.exists(dest);
            }
            if (destExists) {
                if (options.force == null || options.force) {
                    yield rmRF(dest);
                }
                else {
                    throw new Error('Destination already exists');
                }
            }
        }
        yield mkdirP(path.dirname(dest));
        yield ioUtil.rename(source, dest);
    });
}
/**
 * Remove a path recursively with force
 *
 * @param inputPath path to remove
 */
function rmRF(inputPath) {
    return io_awaiter(this, void 0, void 0, function* () {
        if (ioUtil.IS_WINDOWS) {
            // Check for invalid characters
            // https://docs.microsoft.com/en-us/windows/win32/fileio/naming-a-file
            if (/[*"<>|]/.test(inputPath)) {
                throw new Error('File path must not contain `*`, `"`, `<`, `>` or `|` on Windows');
            }
        }
        try {
            // note if path does not exist, error is silent
            yield ioUtil.rm(inputPath, {
                force: true,
                maxRetries: 3,
                recursive: true,
                retryDelay: 300
            });
        }
        catch (err) {
            throw new Error(`File was unable to be removed ${err}`);
        }
    });
}
/**
 * Make a directory.  Creates the full path with folders in between
 * Will throw if it fails
 *
 * @param   fsPath        path to create
 * @returns Promise<void>
 */
function mkdirP(fsPath) {
    return io_awaiter(this, void 0, void 0, function* () {
        ok(fsPath, 'a path argument must be provided');
        yield ioUtil.mkdir(fsPath, { recursive: true });
    });
}
/**
 * Returns path of a tool had the tool actually been invoked.  Resolves via paths.
 * If you check and the tool does not exist, it will throw.
 *
 * @param     tool              name of the tool
 * @param     check             whether to check if tool exists
 * @returns   Promise<string>   path to tool
 */
function which(tool, check) {
    return io_awaiter(this, void 0, void 0, function* () {
        if (!tool) {
            throw new Error("parameter 'tool' is required");
        }
        // recursive when check=true
        if (check) {
            const result = yield which(tool, false);
            if (!result) {
                if (IS_WINDOWS) {
                    throw new Error(`Unable to locate executable file: ${tool}. Please verify either the file path exists or the file can be found within a directory specified by the PATH environment variable. Also verify the file has a valid extension for an executable file.`);
                }
                else {
                    throw new Error(`Unable to locate executable file: ${tool}. Please verify either the file path exists or the file can be found within a directory specified by the PATH environment variable. Also check the file mode to verify the file is executable.`);
                }
            }
            return result;
        }
        const matches = yield findInPath(tool);
        if (matches && matches.length > 0) {
            return matches[0];
        }
        return '';
    });
}
/**
 * Returns a list of all occurrences of the given tool on the system path.
 *
 * @returns   Promise<string[]>  the paths of the tool
 */
function findInPath(tool) {
    return io_awaiter(this, void 0, void 0, function* () {
        if (!tool) {
            throw new Error("parameter 'tool' is required");
        }
        // build the list of extensions to try
        const extensions = [];
        if (IS_WINDOWS && process.env['PATHEXT']) {
            for (const extension of process.env['PATHEXT'].split(external_path_.delimiter)) {
                if (extension) {
                    extensions.push(extension);
                }
            }
        }
        // if it's rooted, return it if exists. otherwise return empty.
        if (isRooted(tool)) {
            const filePath = yield tryGetExecutablePath(tool, extensions);
            if (filePath) {
                return [filePath];
            }
            return [];
        }
        // if any path separators, return empty
        if (tool.includes(external_path_.sep)) {
            return [];
        }
        // build the list of directories
        //
        // Note, technically "where" checks the current directory on Windows. From a toolkit perspective,
        // it feels like we should not do this. Checking the current directory seems like more of a use
        // case of a shell, and the which() function exposed by the toolkit should strive for consistency
        // across platforms.
        const directories = [];
        if (process.env.PATH) {
            for (const p of process.env.PATH.split(external_path_.delimiter)) {
                if (p) {
                    directories.push(p);
                }
            }
        }
        // find all matches
        const matches = [];
        for (const directory of directories) {
            const filePath = yield tryGetExecutablePath(external_path_.join(directory, tool), extensions);
            if (filePath) {
                matches.push(filePath);
            }
        }
        return matches;
    });
}
function readCopyOptions(options) {
    const force = options.force == null ? true : options.force;
    const recursive = Boolean(options.recursive);
    const copySourceDirectory = options.copySourceDirectory == null
        ? true
        : Boolean(options.copySourceDirectory);
    return { force, recursive, copySourceDirectory };
}
function cpDirRecursive(sourceDir, destDir, currentDepth, force) {
    return io_awaiter(this, void 0, void 0, function* () {
        // Ensure there is not a run away recursive copy
        if (currentDepth >= 255)
            return;
        currentDepth++;
        yield mkdirP(destDir);
        const files = yield ioUtil.readdir(sourceDir);
        for (const fileName of files) {
            const srcFile = `${sourceDir}/${fileName}`;
            const destFile = `${destDir}/${fileName}`;
            const srcFileStat = yield ioUtil.lstat(srcFile);
            if (srcFileStat.isDirectory()) {
                // Recurse
                yield cpDirRecursive(srcFile, destFile, currentDepth, force);
            }
            else {
                yield io_copyFile(srcFile, destFile, force);
            }
        }
        // Change the mode for the newly created directory
        yield ioUtil.chmod(destDir, (yield ioUtil.stat(sourceDir)).mode);
    });
}
// Buffered file copy
function io_copyFile(srcFile, destFile, force) {
    return io_awaiter(this, void 0, void 0, function* () {
        if ((yield ioUtil.lstat(srcFile)).isSymbolicLink()) {
            // unlink/re-link it
            try {
                yield ioUtil.lstat(destFile);
                yield ioUtil.unlink(destFile);
            }
            catch (e) {
                // Try to override file permission
                if (e.code === 'EPERM') {
                    yield ioUtil.chmod(destFile, '0666');
                    yield ioUtil.unlink(destFile);
                }
                // other errors = it doesn't exist, no work to do
            }
            // Copy over symlink
            const symlinkFull = yield ioUtil.readlink(srcFile);
            yield ioUtil.symlink(symlinkFull, destFile, ioUtil.IS_WINDOWS ? 'junction' : null);
        }
        else if (!(yield ioUtil.exists(destFile)) || force) {
            yield ioUtil.copyFile(srcFile, destFile);
        }
    });
}
//# sourceMappingURL=io.js.map
;// CONCATENATED MODULE: external "timers"
const external_timers_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("timers");
;// CONCATENATED MODULE: ./node_modules/@actions/exec/lib/toolrunner.js
var toolrunner_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};







/* eslint-disable @typescript-eslint/unbound-method */
const toolrunner_IS_WINDOWS = process.platform === 'win32';
/*
 * Class for running command line tools. Handles quoting and arg parsing in a platform agnostic way.
 */
class ToolRunner extends external_events_.EventEmitter {
    constructor(toolPath, args, options) {
        super();
        if (!toolPath) {
            throw new Error("Parameter 'toolPath' cannot be null or empty.");
        }
        this.toolPath = toolPath;
        this.args = args || [];
        this.options = options || {};
    }
    _debug(message) {
        if (this.options.listeners && this.options.listeners.debug) {
            this.options.listeners.debug(message);
        }
    }
    _getCommandString(options, noPrefix) {
        const toolPath = this._getSpawnFileName();
        const args = this._getSpawnArgs(options);
        let cmd = noPrefix ? '' : '[command]'; // omit prefix when piped to a second tool
        if (toolrunner_IS_WINDOWS) {
            // Windows + cmd file
            if (this._isCmdFile()) {
                cmd += toolPath;
                for (const a of args) {
                    cmd += ` ${a}`;
                }
            }
            // Windows + verbatim
            else if (options.windowsVerbatimArguments) {
                cmd += `"${toolPath}"`;
                for (const a of args) {
                    cmd += ` ${a}`;
                }
            }
            // Windows (regular)
            else {
                cmd += this._windowsQuoteCmdArg(toolPath);
                for (const a of args) {
                    cmd += ` ${this._windowsQuoteCmdArg(a)}`;
                }
            }
        }
        else {
            // OSX/Linux - this can likely be improved with some form of quoting.
            // creating processes on Unix is fundamentally different than Windows.
            // on Unix, execvp() takes an arg array.
            cmd += toolPath;
            for (const a of args) {
                cmd += ` ${a}`;
            }
        }
        return cmd;
    }
    _processLineBuffer(data, strBuffer, onLine) {
        try {
            let s = strBuffer + data.toString();
            let n = s.indexOf(external_os_namespaceObject.EOL);
            while (n > -1) {
                const line = s.substring(0, n);
                onLine(line);
                // the rest of the string ...
                s = s.substring(n + external_os_namespaceObject.EOL.length);
                n = s.indexOf(external_os_namespaceObject.EOL);
            }
            return s;
        }
        catch (err) {
            // streaming lines to console is best effort.  Don't fail a build.
            this._debug(`error processing line. Failed with error ${err}`);
            return '';
        }
    }
    _getSpawnFileName() {
        if (toolrunner_IS_WINDOWS) {
            if (this._isCmdFile()) {
                return process.env['COMSPEC'] || 'cmd.exe';
            }
        }
        return this.toolPath;
    }
    _getSpawnArgs(options) {
        if (toolrunner_IS_WINDOWS) {
            if (this._isCmdFile()) {
                let argline = `/D /S /C "${this._windowsQuoteCmdArg(this.toolPath)}`;
                for (const a of this.args) {
                    argline += ' ';
                    argline += options.windowsVerbatimArguments
                        ? a
                        : this._windowsQuoteCmdArg(a);
                }
                argline += '"';
                return [argline];
            }
        }
        return this.args;
    }
    _endsWith(str, end) {
        return str.endsWith(end);
    }
    _isCmdFile() {
        const upperToolPath = this.toolPath.toUpperCase();
        return (this._endsWith(upperToolPath, '.CMD') ||
            this._endsWith(upperToolPath, '.BAT'));
    }
    _windowsQuoteCmdArg(arg) {
        // for .exe, apply the normal quoting rules that libuv applies
        if (!this._isCmdFile()) {
            return this._uvQuoteCmdArg(arg);
        }
        // otherwise apply quoting rules specific to the cmd.exe command line parser.
        // the libuv rules are generic and are not designed specifically for cmd.exe
        // command line parser.
        //
        // for a detailed description of the cmd.exe command line parser, refer to
        // http://stackoverflow.com/questions/4094699/how-does-the-windows-command-interpreter-cmd-exe-parse-scripts/7970912#7970912
        // need quotes for empty arg
        if (!arg) {
            return '""';
        }
        // determine whether the arg needs to be quoted
        const cmdSpecialChars = [
            ' ',
            '\t',
            '&',
            '(',
            ')',
            '[',
            ']',
            '{',
            '}',
            '^',
            '=',
            ';',
            '!',
            "'",
            '+',
            ',',
            '`',
            '~',
            '|',
            '<',
            '>',
            '"'
        ];
        let needsQuotes = false;
        for (const char of arg) {
            if (cmdSpecialChars.some(x => x === char)) {
                needsQuotes = true;
                break;
            }
        }
        // short-circuit if quotes not needed
        if (!needsQuotes) {
            return arg;
        }
        // the following quoting rules are very similar to the rules that by libuv applies.
        //
        // 1) wrap the string in quotes
        //
        // 2) double-up quotes - i.e. " => ""
        //
        //    this is different from the libuv quoting rules. libuv replaces " with \", which unfortunately
        //    doesn't work well with a cmd.exe command line.
        //
        //    note, replacing " with "" also works well if the arg is passed to a downstream .NET console app.
        //    for example, the command line:
        //          foo.exe "myarg:""my val"""
        //    is parsed by a .NET console app into an arg array:
        //          [ "myarg:\"my val\"" ]
        //    which is the same end result when applying libuv quoting rules. although the actual
        //    command line from libuv quoting rules would look like:
        //          foo.exe "myarg:\"my val\""
        //
        // 3) double-up slashes that precede a quote,
        //    e.g.  hello \world    => "hello \world"
        //          hello\"world    => "hello\\""world"
        //          hello\\"world   => "hello\\\\""world"
        //          hello world\    => "hello world\\"
        //
        //    technically this is not required for a cmd.exe command line, or the batch argument parser.
        //    the reasons for including this as a .cmd quoting rule are:
        //
        //    a) this is optimized for the scenario where the argument is passed from the .cmd file to an
        //       external program. many programs (e.g. .NET console apps) rely on the slash-doubling rule.
        //
        //    b) it's what we've been doing previously (by deferring to node default behavior) and we
        //       haven't heard any complaints about that aspect.
        //
        // note, a weakness of the quoting rules chosen here, is that % is not escaped. in fact, % cannot be
        // escaped when used on the command line directly - even though within a .cmd file % can be escaped
        // by using %%.
        //
        // the saving grace is, on the command line, %var% is left as-is if var is not defined. this contrasts
        // the line parsing rules within a .cmd file, where if var is not defined it is replaced with nothing.
        //
        // one option that was explored was replacing % with ^% - i.e. %var% => ^%var^%. this hack would
        // often work, since it is unlikely that var^ would exist, and the ^ character is removed when the
        // variable is used. the problem, however, is that ^ is not removed when %* is used to pass the args
        // to an external program.
        //
        // an unexplored potential solution for the % escaping problem, is to create a wrapper .cmd file.
        // % can be escaped within a .cmd file.
        let reverse = '"';
        let quoteHit = true;
        for (let i = arg.length; i > 0; i--) {
            // walk the string in reverse
            reverse += arg[i - 1];
            if (quoteHit && arg[i - 1] === '\\') {
                reverse += '\\'; // double the slash
            }
            else if (arg[i - 1] === '"') {
                quoteHit = true;
                reverse += '"'; // double the quote
            }
            else {
                quoteHit = false;
            }
        }
        reverse += '"';
        return reverse.split('').reverse().join('');
    }
    _uvQuoteCmdArg(arg) {
        // Tool runner wraps child_process.spawn() and needs to apply the same quoting as
        // Node in certain cases where the undocumented spawn option windowsVerbatimArguments
        // is used.
        //
        // Since this function is a port of quote_cmd_arg from Node 4.x (technically, lib UV,
        // see https://github.com/nodejs/node/blob/v4.x/deps/uv/src/win/process.c for details),
        // pasting copyright notice from Node within this function:
        //
        //      Copyright Joyent, Inc. and other Node contributors. All rights reserved.
        //
        //      Permission is hereby granted, free of charge, to any person obtaining a copy
        //      of this software and associated documentation files (the "Software"), to
        //      deal in the Software without restriction, including without limitation the
        //      rights to use, copy, modify, merge, publish, distribute, sublicense, and/or
        //      sell copies of the Software, and to permit persons to whom the Software is
        //      furnished to do so, subject to the following conditions:
        //
        //      The above copyright notice and this permission notice shall be included in
        //      all copies or substantial portions of the Software.
        //
        //      THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
        //      IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
        //      FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
        //      AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
        //      LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING
        //      FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS
        //      IN THE SOFTWARE.
        if (!arg) {
            // Need double quotation for empty argument
            return '""';
        }
        if (!arg.includes(' ') && !arg.includes('\t') && !arg.includes('"')) {
            // No quotation needed
            return arg;
        }
        if (!arg.includes('"') && !arg.includes('\\')) {
            // No embedded double quotes or backslashes, so I can just wrap
            // quote marks around the whole thing.
            return `"${arg}"`;
        }
        // Expected input/output:
        //   input : hello"world
        //   output: "hello\"world"
        //   input : hello""world
        //   output: "hello\"\"world"
        //   input : hello\world
        //   output: hello\world
        //   input : hello\\world
        //   output: hello\\world
        //   input : hello\"world
        //   output: "hello\\\"world"
        //   input : hello\\"world
        //   output: "hello\\\\\"world"
        //   input : hello world\
        //   output: "hello world\\" - note the comment in libuv actually reads "hello world\"
        //                             but it appears the comment is wrong, it should be "hello world\\"
        let reverse = '"';
        let quoteHit = true;
        for (let i = arg.length; i > 0; i--) {
            // walk the string in reverse
            reverse += arg[i - 1];
            if (quoteHit && arg[i - 1] === '\\') {
                reverse += '\\';
            }
            else if (arg[i - 1] === '"') {
                quoteHit = true;
                reverse += '\\';
            }
            else {
                quoteHit = false;
            }
        }
        reverse += '"';
        return reverse.split('').reverse().join('');
    }
    _cloneExecOptions(options) {
        options = options || {};
        const result = {
            cwd: options.cwd || process.cwd(),
            env: options.env || process.env,
            silent: options.silent || false,
            windowsVerbatimArguments: options.windowsVerbatimArguments || false,
            failOnStdErr: options.failOnStdErr || false,
            ignoreReturnCode: options.ignoreReturnCode || false,
            delay: options.delay || 10000
        };
        result.outStream = options.outStream || process.stdout;
        result.errStream = options.errStream || process.stderr;
        return result;
    }
    _getSpawnOptions(options, toolPath) {
        options = options || {};
        const result = {};
        result.cwd = options.cwd;
        result.env = options.env;
        result['windowsVerbatimArguments'] =
            options.windowsVerbatimArguments || this._isCmdFile();
        if (options.windowsVerbatimArguments) {
            result.argv0 = `"${toolPath}"`;
        }
        return result;
    }
    /**
     * Exec a tool.
     * Output will be streamed to the live console.
     * Returns promise with return code
     *
     * @param     tool     path to tool to exec
     * @param     options  optional exec options.  See ExecOptions
     * @returns   number
     */
    exec() {
        return toolrunner_awaiter(this, void 0, void 0, function* () {
            // root the tool path if it is unrooted and contains relative pathing
            if (!isRooted(this.toolPath) &&
                (this.toolPath.includes('/') ||
                    (toolrunner_IS_WINDOWS && this.toolPath.includes('\\')))) {
                // prefer options.cwd if it is specified, however options.cwd may also need to be rooted
                this.toolPath = external_path_.resolve(process.cwd(), this.options.cwd || process.cwd(), this.toolPath);
            }
            // if the tool is only a file name, then resolve it from the PATH
            // otherwise verify it exists (add extension on Windows if necessary)
            this.toolPath = yield which(this.toolPath, true);
            return new Promise((resolve, reject) => toolrunner_awaiter(this, void 0, void 0, function* () {
                this._debug(`exec tool: ${this.toolPath}`);
                this._debug('arguments:');
                for (const arg of this.args) {
                    this._debug(`   ${arg}`);
                }
                const optionsNonNull = this._cloneExecOptions(this.options);
                if (!optionsNonNull.silent && optionsNonNull.outStream) {
                    optionsNonNull.outStream.write(this._getCommandString(optionsNonNull) + external_os_namespaceObject.EOL);
                }
                const state = new ExecState(optionsNonNull, this.toolPath);
                state.on('debug', (message) => {
                    this._debug(message);
                });
                if (this.options.cwd && !(yield exists(this.options.cwd))) {
                    return reject(new Error(`The cwd: ${this.options.cwd} does not exist!`));
                }
                const fileName = this._getSpawnFileName();
                const cp = external_child_process_namespaceObject.spawn(fileName, this._getSpawnArgs(optionsNonNull), this._getSpawnOptions(this.options, fileName));
                let stdbuffer = '';
                if (cp.stdout) {
                    cp.stdout.on('data', (data) => {
                        if (this.options.listeners && this.options.listeners.stdout) {
                            this.options.listeners.stdout(data);
                        }
                        if (!optionsNonNull.silent && optionsNonNull.outStream) {
                            optionsNonNull.outStream.write(data);
                        }
                        stdbuffer = this._processLineBuffer(data, stdbuffer, (line) => {
                            if (this.options.listeners && this.options.listeners.stdline) {
                                this.options.listeners.stdline(line);
                            }
                        });
                    });
                }
                let errbuffer = '';
                if (cp.stderr) {
                    cp.stderr.on('data', (data) => {
                        state.processStderr = true;
                        if (this.options.listeners && this.options.listeners.stderr) {
                            this.options.listeners.stderr(data);
                        }
                        if (!optionsNonNull.silent &&
                            optionsNonNull.errStream &&
                            optionsNonNull.outStream) {
                            const s = optionsNonNull.failOnStdErr
                                ? optionsNonNull.errStream
                                : optionsNonNull.outStream;
                            s.write(data);
                        }
                        errbuffer = this._processLineBuffer(data, errbuffer, (line) => {
                            if (this.options.listeners && this.options.listeners.errline) {
                                this.options.listeners.errline(line);
                            }
                        });
                    });
                }
                cp.on('error', (err) => {
                    state.processError = err.message;
                    state.processExited = true;
                    state.processClosed = true;
                    state.CheckComplete();
                });
                cp.on('exit', (code) => {
                    state.processExitCode = code;
                    state.processExited = true;
                    this._debug(`Exit code ${code} received from tool '${this.toolPath}'`);
                    state.CheckComplete();
                });
                cp.on('close', (code) => {
                    state.processExitCode = code;
                    state.processExited = true;
                    state.processClosed = true;
                    this._debug(`STDIO streams have closed for tool '${this.toolPath}'`);
                    state.CheckComplete();
                });
                state.on('done', (error, exitCode) => {
                    if (stdbuffer.length > 0) {
                        this.emit('stdline', stdbuffer);
                    }
                    if (errbuffer.length > 0) {
                        this.emit('errline', errbuffer);
                    }
                    cp.removeAllListeners();
                    if (error) {
                        reject(error);
                    }
                    else {
                        resolve(exitCode);
                    }
                });
                if (this.options.input) {
                    if (!cp.stdin) {
                        throw new Error('child process missing stdin');
                    }
                    cp.stdin.end(this.options.input);
                }
            }));
        });
    }
}
/**
 * Convert an arg string to an array of args. Handles escaping
 *
 * @param    argString   string of arguments
 * @returns  string[]    array of arguments
 */
function argStringToArray(argString) {
    const args = [];
    let inQuotes = false;
    let escaped = false;
    let arg = '';
    function append(c) {
        // we only escape double quotes.
        if (escaped && c !== '"') {
            arg += '\\';
        }
        arg += c;
        escaped = false;
    }
    for (let i = 0; i < argString.length; i++) {
        const c = argString.charAt(i);
        if (c === '"') {
            if (!escaped) {
                inQuotes = !inQuotes;
            }
            else {
                append(c);
            }
            continue;
        }
        if (c === '\\' && escaped) {
            append(c);
            continue;
        }
        if (c === '\\' && inQuotes) {
            escaped = true;
            continue;
        }
        if (c === ' ' && !inQuotes) {
            if (arg.length > 0) {
                args.push(arg);
                arg = '';
            }
            continue;
        }
        append(c);
    }
    if (arg.length > 0) {
        args.push(arg.trim());
    }
    return args;
}
class ExecState extends external_events_.EventEmitter {
    constructor(options, toolPath) {
        super();
        this.processClosed = false; // tracks whether the process has exited and stdio is closed
        this.processError = '';
        this.processExitCode = 0;
        this.processExited = false; // tracks whether the process has exited
        this.processStderr = false; // tracks whether stderr was written to
        this.delay = 10000; // 10 seconds
        this.done = false;
        this.timeout = null;
        if (!toolPath) {
            throw new Error('toolPath must not be empty');
        }
        this.options = options;
        this.toolPath = toolPath;
        if (options.delay) {
            this.delay = options.delay;
        }
    }
    CheckComplete() {
        if (this.done) {
            return;
        }
        if (this.processClosed) {
            this._setResult();
        }
        else if (this.processExited) {
            this.timeout = (0,external_timers_namespaceObject.setTimeout)(ExecState.HandleTimeout, this.delay, this);
        }
    }
    _debug(message) {
        this.emit('debug', message);
    }
    _setResult() {
        // determine whether there is an error
        let error;
        if (this.processExited) {
            if (this.processError) {
                error = new Error(`There was an error when attempting to execute the process '${this.toolPath}'. This may indicate the process failed to start. Error: ${this.processError}`);
            }
            else if (this.processExitCode !== 0 && !this.options.ignoreReturnCode) {
                error = new Error(`The process '${this.toolPath}' failed with exit code ${this.processExitCode}`);
            }
            else if (this.processStderr && this.options.failOnStdErr) {
                error = new Error(`The process '${this.toolPath}' failed because one or more lines were written to the STDERR stream`);
            }
        }
        // clear the timeout
        if (this.timeout) {
            clearTimeout(this.timeout);
            this.timeout = null;
        }
        this.done = true;
        this.emit('done', error, this.processExitCode);
    }
    static HandleTimeout(state) {
        if (state.done) {
            return;
        }
        if (!state.processClosed && state.processExited) {
            const message = `The STDIO streams did not close within ${state.delay / 1000} seconds of the exit event from process '${state.toolPath}'. This may indicate a child process inherited the STDIO streams and has not yet exited.`;
            state._debug(message);
        }
        state._setResult();
    }
}
//# sourceMappingURL=toolrunner.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/exec/lib/exec.js
var exec_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};


/**
 * Exec a command.
 * Output will be streamed to the live console.
 * Returns promise with return code
 *
 * @param     commandLine        command to execute (can include additional args). Must be correctly escaped.
 * @param     args               optional arguments for tool. Escaping is handled by the lib.
 * @param     options            optional exec options.  See ExecOptions
 * @returns   Promise<number>    exit code
 */
function exec(commandLine, args, options) {
    return exec_awaiter(this, void 0, void 0, function* () {
        const commandArgs = argStringToArray(commandLine);
        if (commandArgs.length === 0) {
            throw new Error(`Parameter 'commandLine' cannot be null or empty.`);
        }
        // Path to tool to execute should be first arg
        const toolPath = commandArgs[0];
        args = commandArgs.slice(1).concat(args || []);
        const runner = new ToolRunner(toolPath, args, options);
        return runner.exec();
    });
}
/**
 * Exec a command and get the output.
 * Output will be streamed to the live console.
 * Returns promise with the exit code and collected stdout and stderr
 *
 * @param     commandLine           command to execute (can include additional args). Must be correctly escaped.
 * @param     args                  optional arguments for tool. Escaping is handled by the lib.
 * @param     options               optional exec options.  See ExecOptions
 * @returns   Promise<ExecOutput>   exit code, stdout, and stderr
 */
function getExecOutput(commandLine, args, options) {
    return exec_awaiter(this, void 0, void 0, function* () {
        var _a, _b;
        let stdout = '';
        let stderr = '';
        //Using string decoder covers the case where a mult-byte character is split
        const stdoutDecoder = new external_string_decoder_.StringDecoder('utf8');
        const stderrDecoder = new external_string_decoder_.StringDecoder('utf8');
        const originalStdoutListener = (_a = options === null || options === void 0 ? void 0 : options.listeners) === null || _a === void 0 ? void 0 : _a.stdout;
        const originalStdErrListener = (_b = options === null || options === void 0 ? void 0 : options.listeners) === null || _b === void 0 ? void 0 : _b.stderr;
        const stdErrListener = (data) => {
            stderr += stderrDecoder.write(data);
            if (originalStdErrListener) {
                originalStdErrListener(data);
            }
        };
        const stdOutListener = (data) => {
            stdout += stdoutDecoder.write(data);
            if (originalStdoutListener) {
                originalStdoutListener(data);
            }
        };
        const listeners = Object.assign(Object.assign({}, options === null || options === void 0 ? void 0 : options.listeners), { stdout: stdOutListener, stderr: stdErrListener });
        const exitCode = yield exec(commandLine, args, Object.assign(Object.assign({}, options), { listeners }));
        //flush any remaining characters
        stdout += stdoutDecoder.end();
        stderr += stderrDecoder.end();
        return {
            exitCode,
            stdout,
            stderr
        };
    });
}
//# sourceMappingURL=exec.js.map
;// CONCATENATED MODULE: external "node:child_process"
const external_node_child_process_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:child_process");
// EXTERNAL MODULE: ./build/lib/errors.js
var errors = __nccwpck_require__(1469);
;// CONCATENATED MODULE: ./build/lib/exec.js



async function execCommand(request) {
    refuseNul(request);
    const env = {};
    for (const [key, value] of Object.entries(process.env))
        if (value !== undefined)
            env[key] = value;
    Object.assign(env, request.env);
    // Long-running tools (pg_dump, pg_restore) need to be stoppable and to report how they ended,
    // which @actions/exec does not expose: those go through node's spawn with the same contract.
    if (request.signal !== undefined || request.timeoutMs !== undefined || request.onSpawn !== undefined) {
        return spawnCommand(request, env);
    }
    try {
        const result = await getExecOutput(request.command, [...request.args], {
            env,
            cwd: request.cwd,
            input: request.stdin === undefined ? undefined : Buffer.from(request.stdin),
            silent: true,
            ignoreReturnCode: true,
            listeners: request.onLine && lineListeners(request.onLine),
        });
        // @actions/exec resolves a process killed by a signal with exit code null (typed number) and
        // no signal: never report that as success. Callers that must know the signal pass `signal`.
        return { exitCode: result.exitCode ?? 1, stdout: result.stdout, stderr: result.stderr };
    }
    catch (error) {
        throw (0,errors/* stepError */.hH)(`running ${request.command}`, error.message, error);
    }
}
/**
 * Node refuses a NUL byte in a child's argv or environment with a TypeError whose message quotes
 * the value (a password in PGPASSWORD, say), thrown where @actions/exec can't catch it. Caught
 * here first, naming the argument or variable but never its value.
 */
function refuseNul(request) {
    const where = [
        ...request.args.map((arg, i) => [`argument ${i + 1}`, arg]),
        ...Object.entries(request.env ?? {}).map(([name, value]) => [`environment variable ${name}`, value]),
    ].find(([, value]) => value.includes('\0'));
    if (where !== undefined)
        throw (0,errors/* stepError */.hH)(`running ${request.command}`, `${where[0]} holds a NUL byte, which no process can be given`);
}
function lineListeners(onLine) {
    return {
        stdline: (line) => onLine(line, 'stdout'),
        errline: (line) => onLine(line, 'stderr'),
    };
}
function spawnCommand(request, env) {
    return new Promise((resolve, reject) => {
        if (request.signal?.aborted) {
            resolve({ exitCode: 1, stdout: '', stderr: 'aborted before start', signal: 'SIGTERM', aborted: true });
            return;
        }
        const child = (0,external_node_child_process_namespaceObject.spawn)(request.command, [...request.args], { env, cwd: request.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        let aborted = false;
        let killTimer;
        const stop = () => {
            if (aborted || child.exitCode !== null)
                return;
            aborted = true;
            child.kill('SIGTERM');
            killTimer = setTimeout(() => child.kill('SIGKILL'), 5_000);
            killTimer.unref();
        };
        const timer = request.timeoutMs === undefined ? undefined : setTimeout(stop, request.timeoutMs);
        request.signal?.addEventListener('abort', stop, { once: true });
        const split = (stream) => {
            let pending = '';
            return (chunk) => {
                if (stream === 'stdout')
                    stdout += chunk;
                else
                    stderr += chunk;
                if (!request.onLine)
                    return;
                pending += chunk;
                const lines = pending.split(/\r?\n/);
                pending = lines.pop() ?? '';
                for (const line of lines)
                    request.onLine(line, stream);
            };
        };
        child.stdout.setEncoding('utf8').on('data', split('stdout'));
        child.stderr.setEncoding('utf8').on('data', split('stderr'));
        child.stdin.on('error', () => { }); // a tool that exits without reading stdin
        child.stdin.end(request.stdin ?? '');
        child.on('spawn', () => {
            if (child.pid !== undefined)
                request.onSpawn?.(child.pid);
        });
        const cleanup = () => {
            if (timer)
                clearTimeout(timer);
            if (killTimer)
                clearTimeout(killTimer);
            request.signal?.removeEventListener('abort', stop);
        };
        child.on('error', (error) => {
            cleanup();
            reject((0,errors/* stepError */.hH)(`running ${request.command}`, error.message, error));
        });
        child.on('close', (code, signal) => {
            cleanup();
            resolve({
                exitCode: code ?? 1,
                stdout,
                stderr,
                ...(signal !== null && { signal }),
                ...(aborted && { aborted: true }),
            });
        });
    });
}


/***/ }),

/***/ 2973:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* unused harmony export syncPaths */
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(1455);

/**
 * fsync each path (files, or folders for the names they hold): what makes a backup survive a
 * crash of the machine that wrote it, before its manifest says it is complete.
 */
async function syncPaths(paths) {
    await Promise.all(paths.map(async (p) => {
        const handle = await open(p, 'r').catch((error) => {
            // Windows cannot open a folder to sync it (NTFS journals the names anyway).
            if (process.platform === 'win32' && ['EISDIR', 'EPERM'].includes(error.code ?? ''))
                return undefined;
            throw error;
        });
        if (handle === undefined)
            return;
        try {
            await handle.sync();
        }
        finally {
            await handle.close();
        }
    }));
}


/***/ }),

/***/ 2307:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   $7: () => (/* binding */ readDuration),
/* harmony export */   $l: () => (/* binding */ maskSecret),
/* harmony export */   E3: () => (/* binding */ readString),
/* harmony export */   LD: () => (/* binding */ readList),
/* harmony export */   Vf: () => (/* binding */ readBoolean),
/* harmony export */   ai: () => (/* binding */ readEnum),
/* harmony export */   n5: () => (/* binding */ readSecret),
/* harmony export */   y7: () => (/* binding */ readHttpUrl),
/* harmony export */   yg: () => (/* binding */ readPositiveInteger)
/* harmony export */ });
/* unused harmony exports readRequired, parseList, parseDuration, readPath */
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(1469);
/* harmony import */ var _log_text_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(2180);


function readString(source, name) {
    const value = source.get(name).trim();
    return value === '' ? undefined : value;
}
function readRequired(source, name) {
    const value = readString(source, name);
    if (value === undefined)
        throw inputError(name, 'is required');
    return value;
}
const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);
function readBoolean(source, name, fallback) {
    const value = readString(source, name);
    if (value === undefined)
        return fallback;
    const lower = value.toLowerCase();
    if (TRUE.has(lower))
        return true;
    if (FALSE.has(lower))
        return false;
    throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(name, `"${value}" is not a boolean; use true or false`);
}
function readEnum(source, name, allowed, fallback) {
    const value = readString(source, name);
    if (value === undefined)
        return fallback;
    if (allowed.includes(value))
        return value;
    throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(name, `"${value}" is not one of ${allowed.join(', ')}`);
}
/** Newline- or comma-separated, trimmed, empties dropped. */
function readList(source, name) {
    return parseList(source.get(name));
}
function parseList(text) {
    return text
        .split(/[\n,]/)
        .map((item) => item.trim())
        .filter((item) => item !== '');
}
const DURATION_UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** Durations as `500ms`, `30s`, `5m`, `1h`, or combined `1m30s`; returns milliseconds. */
function parseDuration(text, name) {
    const trimmed = text.trim();
    const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
    if (trimmed === '' || parts.map((p) => p[0]).join('') !== trimmed) {
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(name, `"${text}" is not a duration; use forms like 30s, 5m, 1h or 1m30s`);
    }
    return parts.reduce((total, [, amount, unit]) => total + Number(amount) * DURATION_UNITS[unit], 0);
}
function readDuration(source, name, fallback) {
    return parseDuration(readString(source, name) ?? fallback, name);
}
function readPositiveInteger(source, name, fallback) {
    const value = readString(source, name);
    if (value === undefined)
        return fallback;
    if (!/^\d+$/.test(value) || Number(value) < 1) {
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(name, `"${value}" is not a positive whole number`);
    }
    return Number(value);
}
/** A secret input: masked before it is returned, so nothing later can print it. */
function readSecret(source, name) {
    const value = readString(source, name);
    if (value !== undefined)
        maskSecret(source, value);
    return value;
}
/**
 * Masks a secret, and each line of a multi-line one on its own: the runner masks within one
 * log line, so a value with a line break is only hidden line by line. Lines under 4 characters
 * are left: masking `=` or `--` would blank them in every log line.
 */
function maskSecret(source, secret) {
    source.mask(secret);
    for (const line of secret.split(/\r\n|\r|\n/)) {
        const trimmed = line.trim();
        if (trimmed !== secret && trimmed.length >= 4)
            source.mask(trimmed);
    }
}
/**
 * A path input: one line (a line break would split every log line that shows it), at most
 * PATH_MAX (4096) bytes with names of at most NAME_MAX (255), checked before any file call,
 * which would fail with an ENAMETOOLONG that names no input.
 */
function readPath(source, name) {
    const value = readString(source, name);
    if (value === undefined)
        return undefined;
    if (hasControl(value))
        throw inputError(name, 'holds a line break or another control character; give one line');
    const allowed = 'expected a path of at most 4096 bytes, each name at most 255';
    if (Buffer.byteLength(value) > 4096)
        throw inputError(name, `is ${Buffer.byteLength(value)} bytes long; ${allowed}`);
    const long = value.split('/').find((part) => Buffer.byteLength(part) > 255);
    if (long !== undefined)
        throw inputError(name, `has a name of ${Buffer.byteLength(long)} bytes (${JSON.stringify(`${long.slice(0, 40)}…`)}); ${allowed}`);
    return value;
}
/**
 * An http:// or https:// URL, trailing slashes dropped so paths can be appended. Credentials in
 * it (`user:pass@`) are masked and refused: fetch will not send a URL that holds them, and a URL
 * is shown in logs, summaries and reports. The URL parser drops tabs and line breaks, so those
 * are refused before it sees them.
 */
function readHttpUrl(source, name) {
    const value = readString(source, name);
    if (value === undefined)
        return undefined;
    if ((0,_log_text_js__WEBPACK_IMPORTED_MODULE_1__/* .hasControl */ .aQ)(value))
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(name, 'holds a line break or another control character; a URL is one line');
    let url;
    try {
        url = new URL(value);
    }
    catch {
        // An `@` may end credentials: the value is not repeated then.
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(name, `${value.includes('@') ? 'is' : `"${value}" is`} not a URL; expected e.g. http://127.0.0.1:8001`);
    }
    if (url.username !== '' || url.password !== '') {
        for (const part of [url.username, url.password]) {
            if (part === '')
                continue;
            source.mask(part);
            source.mask(safeDecode(part));
        }
        const shown = new URL(url.href);
        shown.username = '';
        shown.password = '';
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(name, `holds credentials (user:password@); give the URL without them (${shown.href}): an Admin API token goes in its own input, sent as a header`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(name, `"${value}" must be http:// or https://`);
    return value.replace(/\/+$/, '');
}
function safeDecode(text) {
    try {
        return decodeURIComponent(text);
    }
    catch {
        return text;
    }
}


/***/ }),

/***/ 2180:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Pj: () => (/* binding */ quoteRemote),
/* harmony export */   aQ: () => (/* binding */ hasControl)
/* harmony export */ });
/* unused harmony exports logLine, logLines */
/**
 * Text bound for a runner's log, made safe to print. The runner reads every line an action
 * prints for workflow commands: a line that starts with `::` after its leading blanks (the v2
 * form), or that holds `##[` anywhere (the v1 form, still parsed), both in
 * actions/runner src/Runner.Common/ActionCommand.cs (TryParseV2, TryParse) and tried in that
 * order by src/Runner.Worker/ActionCommandManager.cs. So a value with a line break (an input, a
 * Kong error body) could print `::stop-commands::…`, `::add-mask::…` or a fake `::error::` of
 * its own. Every value an action logs goes through here: its line breaks become visible `\n`
 * escapes, so it stays on its line, and what would read as a command is disarmed.
 */
// C0 controls except tab, DEL, and the other characters a reader may take for a line break.
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f\u0085\u2028\u2029]/g;
function escapeControl(char) {
    if (char === '\n')
        return '\\n';
    if (char === '\r')
        return '\\r';
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
/** A line that cannot be read as a workflow command: a backslash before `::` and in `##[`. */
function disarm(line) {
    return line.replace(/^(\s*)::/, '$1\\::').replaceAll('##[', '##\\[');
}
/** One log line: control characters escaped (so it stays one line), commands disarmed. */
function logLine(text) {
    return disarm(text.replace(CONTROL, escapeControl));
}
/** Text whose line breaks are its own (a rendered Job manifest): each line disarmed. */
function logLines(text) {
    return text.split(/\r\n|\r|\n/).map(logLine);
}
/**
 * A body another system sent (an error page, a Kong message, a socket's answer) for an error
 * message: cut to `max` characters and quoted as a JSON string, so its line breaks and control
 * characters show as escapes wherever the message goes (log, annotation, summary).
 */
function quoteRemote(body, max = 200) {
    const cut = body.length > max ? `${body.slice(0, max)}…` : body;
    return JSON.stringify(cut).replace(/[\u0085\u2028\u2029]/g, escapeControl);
}
/** True when the text holds a line break or another control character (tab aside). */
function hasControl(text) {
    return /[\u0000-\u0008\u000a-\u001f\u007f\u0085\u2028\u2029]/.test(text);
}


/***/ }),

/***/ 4469:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   DZ: () => (/* binding */ describeDatabase),
/* harmony export */   SQ: () => (/* binding */ libpqEnvironment),
/* harmony export */   ZU: () => (/* binding */ readDatabaseInputs),
/* harmony export */   xA: () => (/* binding */ readAdminInputs)
/* harmony export */ });
/* unused harmony export SSL_MODES */
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(1469);
/* harmony import */ var _inputs_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(2307);
/* harmony import */ var _log_text_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(2180);



/**
 * The inputs every action shares (DESIGN.md "Inputs shared by every action"), read and
 * validated in one place before any side effect. Passwords are masked as they are read.
 */
const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];
/** From `database-url` (a postgres URI) or the `pg-*` inputs; undefined when neither is given. */
function readDatabaseInputs(source) {
    const url = (0,_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .readSecret */ .n5)(source, 'database-url');
    const separate = ['pg-host', 'pg-port', 'pg-user', 'pg-password', 'pg-database'].filter((name) => (0,_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .readString */ .E3)(source, name) !== undefined);
    if (url !== undefined && separate.length > 0) {
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)('database-url', `give either database-url or the pg-* inputs, not both (also set: ${separate.join(', ')})`);
    }
    if (url !== undefined)
        return parseDatabaseUrl(url, source);
    const host = (0,_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .readString */ .E3)(source, 'pg-host');
    if (host === undefined) {
        if (separate.length > 0)
            throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)('pg-host', `is required when ${separate.join(', ')} is set`);
        return undefined;
    }
    return {
        host,
        port: (0,_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .readPositiveInteger */ .yg)(source, 'pg-port', 5432),
        user: (0,_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .readString */ .E3)(source, 'pg-user') ?? 'kong',
        password: (0,_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .readSecret */ .n5)(source, 'pg-password'),
        database: (0,_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .readString */ .E3)(source, 'pg-database') ?? 'kong',
        sslmode: (0,_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .readEnum */ .ai)(source, 'pg-sslmode', SSL_MODES, 'prefer'),
    };
}
function parseDatabaseUrl(text, source) {
    let url;
    try {
        url = new URL(text);
    }
    catch {
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)('database-url', 'is not a URL; expected postgres://user:password@host:5432/database');
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)('database-url', `scheme "${url.protocol}" is not supported; expected postgres:// or postgresql://`);
    }
    // Masked before it is decoded: a malformed escape must not leave it printable.
    if (url.password !== '')
        source.mask(url.password);
    const password = url.password === '' ? undefined : decodeUrlPart(url.password, 'the password');
    if (password !== undefined)
        (0,_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .maskSecret */ .$l)(source, password);
    const sslmode = url.searchParams.get('sslmode') ?? (0,_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .readString */ .E3)(source, 'pg-sslmode') ?? 'prefer';
    if (!SSL_MODES.includes(sslmode)) {
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)('database-url', `sslmode "${sslmode}" is not one of ${SSL_MODES.join(', ')}`);
    }
    const port = url.port === '' ? 5432 : Number(url.port);
    return {
        host: url.hostname === '' ? 'localhost' : decodeUrlPart(url.hostname, 'the host'),
        port,
        user: url.username === '' ? 'kong' : decodeUrlPart(url.username, 'the user'),
        password,
        database: url.pathname.length > 1 ? decodeUrlPart(url.pathname.slice(1), 'the database name') : 'kong',
        sslmode: sslmode,
    };
}
/**
 * A %-escaped part of database-url, decoded. Refused when an escape is malformed (`%zz`) or
 * decodes to a control character: libpq takes its settings from C strings and the environment,
 * where a NUL cannot be passed (Node refuses it in a child's environment) and a line break
 * would split a log line. The value itself is never quoted: it may be the password.
 */
function decodeUrlPart(text, what) {
    let decoded;
    try {
        decoded = decodeURIComponent(text);
    }
    catch {
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)('database-url', `${what} has a malformed %-escape; encode a literal % as %25`);
    }
    if ((0,_log_text_js__WEBPACK_IMPORTED_MODULE_2__/* .hasControl */ .aQ)(decoded))
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)('database-url', `${what} holds a control character (e.g. %00 or %0A), which a PostgreSQL connection setting cannot hold`);
    return decoded;
}
/** libpq's environment for child processes (pg_dump, kong): the password never goes in argv. */
function libpqEnvironment(db) {
    const env = {
        PGHOST: db.host,
        PGPORT: String(db.port),
        PGUSER: db.user,
        PGDATABASE: db.database,
        PGSSLMODE: db.sslmode,
    };
    if (db.password !== undefined)
        env.PGPASSWORD = db.password;
    return env;
}
/** Host, port and database only: what may appear in logs, outputs and manifests. */
function describeDatabase(db) {
    return `${db.user}@${db.host}:${db.port}/${db.database}`;
}
/** The Admin API inputs; promote reads a second set (blue-admin-url …) under other names. */
function readAdminInputs(source, names = { url: 'admin-url', token: 'admin-token', workspace: 'workspace' }) {
    const token = (0,_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .readSecret */ .n5)(source, names.token);
    // Masked line by line above; refused here, since a header value is one line.
    if (token !== undefined && (0,_log_text_js__WEBPACK_IMPORTED_MODULE_2__/* .hasControl */ .aQ)(token))
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(names.token, 'holds a line break or another control character; a token is one line (it is sent as the Kong-Admin-Token header)');
    const url = (0,_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .readHttpUrl */ .y7)(source, names.url);
    if (url === undefined) {
        if (token !== undefined)
            throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(names.url, `is required when ${names.token} is set`);
        return undefined;
    }
    return { input: names.url, url, token, workspace: (0,_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .readString */ .E3)(source, names.workspace) };
}


/***/ }),

/***/ 7143:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Fv: () => (/* binding */ ACCEPTED_VERSION_FORMS),
/* harmony export */   QR: () => (/* binding */ compareKongVersions),
/* harmony export */   SC: () => (/* binding */ tryParseKongVersion),
/* harmony export */   V1: () => (/* binding */ isPrerelease),
/* harmony export */   Xz: () => (/* binding */ formatKongVersion),
/* harmony export */   aY: () => (/* binding */ releaseLine),
/* harmony export */   bo: () => (/* binding */ parseKongVersion),
/* harmony export */   tW: () => (/* binding */ sameLine),
/* harmony export */   yU: () => (/* binding */ editionOf)
/* harmony export */ });
/* harmony import */ var _lib_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(1469);

const ACCEPTED_VERSION_FORMS = '3.4.2 (OSS), 3.4.3.5 (Enterprise, four numbers), 3.4.0-rc.1 or 2.0.0rc2 (pre-release)';
const VERSION_PATTERN = /^v?(\d+)\.(\d+)\.(\d+)(?:\.(\d+))?(?:-?([0-9A-Za-z]+(?:[.-][0-9A-Za-z]+)*))?$/;
const ENTERPRISE_EDITION_SUFFIX = /-enterprise-edition$/i;
/** Parses a version or returns undefined; use `parseKongVersion` where a bad value is an error. */
function tryParseKongVersion(text) {
    const trimmed = text.trim();
    const enterpriseEdition = ENTERPRISE_EDITION_SUFFIX.test(trimmed);
    const match = VERSION_PATTERN.exec(trimmed.replace(ENTERPRISE_EDITION_SUFFIX, ''));
    if (!match)
        return undefined;
    const [, major, minor, patch, build, pre] = match;
    return {
        major: Number(major),
        minor: Number(minor),
        patch: Number(patch),
        // The suffix says Enterprise even without a fourth number: its build 0 (compareKongVersions).
        build: build === undefined ? (enterpriseEdition ? 0 : undefined) : Number(build),
        prerelease: pre === undefined ? [] : splitPrerelease(pre),
    };
}
/** Parses a version given by the user; `input` names where it came from for the error. */
function parseKongVersion(text, input = 'version') {
    const version = tryParseKongVersion(text);
    if (!version) {
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(input, `"${text}" is not a Kong version; accepted forms: ${ACCEPTED_VERSION_FORMS}`);
    }
    return version;
}
// `rc2` and `rc.2` order the same way: split letters from digits, then on dots and dashes.
function splitPrerelease(text) {
    return text
        .split(/[.-]/)
        .flatMap((part) => part.match(/\d+|[A-Za-z]+/g) ?? [])
        .map((part) => (/^\d+$/.test(part) ? Number(part) : part.toLowerCase()));
}
function editionOf(version) {
    return version.build === undefined ? 'oss' : 'enterprise';
}
function formatKongVersion(version) {
    const numbers = [version.major, version.minor, version.patch];
    if (version.build !== undefined)
        numbers.push(version.build);
    const pre = version.prerelease.length > 0 ? `-${version.prerelease.join('.')}` : '';
    return numbers.join('.') + pre;
}
/** The release line, e.g. "3.4": Kong's unit of support, LTS and upgrade paths. */
function releaseLine(version) {
    return `${version.major}.${version.minor}`;
}
/**
 * Total order over OSS and Enterprise versions. An OSS version sorts with the Enterprise
 * build 0 of the same patch (3.4.2 and 3.4.2.0 are the same code line), and a pre-release
 * sorts before its release.
 */
function compareKongVersions(a, b) {
    const numeric = a.major - b.major || a.minor - b.minor || a.patch - b.patch || (a.build ?? 0) - (b.build ?? 0);
    if (numeric !== 0)
        return Math.sign(numeric);
    return comparePrerelease(a.prerelease, b.prerelease);
}
function comparePrerelease(a, b) {
    if (a.length === 0 || b.length === 0)
        return Math.sign(b.length - a.length);
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
        const x = a[i];
        const y = b[i];
        if (x === y)
            continue;
        if (typeof x === 'number' && typeof y === 'number')
            return Math.sign(x - y);
        if (typeof x === 'number')
            return -1;
        if (typeof y === 'number')
            return 1;
        return x < y ? -1 : 1;
    }
    return Math.sign(a.length - b.length);
}
function isPrerelease(version) {
    return version.prerelease.length > 0;
}
function sameLine(a, b) {
    return a.major === b.major && a.minor === b.minor;
}


/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		id: moduleId,
/******/ 		loaded: false,
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId](module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Flag the module as loaded
/******/ 	module.loaded = true;
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/******/ // expose the modules object (__webpack_modules__)
/******/ __nccwpck_require__.m = __webpack_modules__;
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/asset-relocator-loader */
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = decodeURIComponent(new URL('.', import.meta.url).pathname).slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/******/ /* webpack/runtime/async module */
/******/ (() => {
/******/ 	var webpackQueues = typeof Symbol === "function" ? Symbol("webpack queues") : "__webpack_queues__";
/******/ 	var webpackExports = typeof Symbol === "function" ? Symbol("webpack exports") : "__webpack_exports__";
/******/ 	var webpackError = typeof Symbol === "function" ? Symbol("webpack error") : "__webpack_error__";
/******/ 	var resolveQueue = (queue) => {
/******/ 		if(queue && queue.d < 1) {
/******/ 			queue.d = 1;
/******/ 			queue.forEach((fn) => (fn.r--));
/******/ 			queue.forEach((fn) => (fn.r-- ? fn.r++ : fn()));
/******/ 		}
/******/ 	}
/******/ 	var wrapDeps = (deps) => (deps.map((dep) => {
/******/ 		if(dep !== null && typeof dep === "object") {
/******/ 			if(dep[webpackQueues]) return dep;
/******/ 			if(dep.then) {
/******/ 				var queue = [];
/******/ 				queue.d = 0;
/******/ 				dep.then((r) => {
/******/ 					obj[webpackExports] = r;
/******/ 					resolveQueue(queue);
/******/ 				}, (e) => {
/******/ 					obj[webpackError] = e;
/******/ 					resolveQueue(queue);
/******/ 				});
/******/ 				var obj = {};
/******/ 				obj[webpackQueues] = (fn) => (fn(queue));
/******/ 				return obj;
/******/ 			}
/******/ 		}
/******/ 		var ret = {};
/******/ 		ret[webpackQueues] = x => {};
/******/ 		ret[webpackExports] = dep;
/******/ 		return ret;
/******/ 	}));
/******/ 	__nccwpck_require__.a = (module, body, hasAwait) => {
/******/ 		var queue;
/******/ 		hasAwait && ((queue = []).d = -1);
/******/ 		var depQueues = new Set();
/******/ 		var exports = module.exports;
/******/ 		var currentDeps;
/******/ 		var outerResolve;
/******/ 		var reject;
/******/ 		var promise = new Promise((resolve, rej) => {
/******/ 			reject = rej;
/******/ 			outerResolve = resolve;
/******/ 		});
/******/ 		promise[webpackExports] = exports;
/******/ 		promise[webpackQueues] = (fn) => (queue && fn(queue), depQueues.forEach(fn), promise["catch"](x => {}));
/******/ 		module.exports = promise;
/******/ 		body((deps) => {
/******/ 			currentDeps = wrapDeps(deps);
/******/ 			var fn;
/******/ 			var getResult = () => (currentDeps.map((d) => {
/******/ 				if(d[webpackError]) throw d[webpackError];
/******/ 				return d[webpackExports];
/******/ 			}))
/******/ 			var promise = new Promise((resolve) => {
/******/ 				fn = () => (resolve(getResult));
/******/ 				fn.r = 0;
/******/ 				var fnQueue = (q) => (q !== queue && !depQueues.has(q) && (depQueues.add(q), q && !q.d && (fn.r++, q.push(fn))));
/******/ 				currentDeps.map((dep) => (dep[webpackQueues](fnQueue)));
/******/ 			});
/******/ 			return fn.r ? promise : getResult();
/******/ 		}, (err) => ((err ? reject(promise[webpackError] = err) : outerResolve(exports)), resolveQueue(queue)));
/******/ 		queue && queue.d < 0 && (queue.d = 0);
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/create fake namespace object */
/******/ (() => {
/******/ 	var getProto = Object.getPrototypeOf ? (obj) => (Object.getPrototypeOf(obj)) : (obj) => (obj.__proto__);
/******/ 	var leafPrototypes;
/******/ 	// create a fake namespace object
/******/ 	// mode & 1: value is a module id, require it
/******/ 	// mode & 2: merge all properties of value into the ns
/******/ 	// mode & 4: return value when already ns object
/******/ 	// mode & 16: return value when it's Promise-like
/******/ 	// mode & 8|1: behave like require
/******/ 	__nccwpck_require__.t = function(value, mode) {
/******/ 		if(mode & 1) value = this(value);
/******/ 		if(mode & 8) return value;
/******/ 		if(typeof value === 'object' && value) {
/******/ 			if((mode & 4) && value.__esModule) return value;
/******/ 			if((mode & 16) && typeof value.then === 'function') return value;
/******/ 		}
/******/ 		var ns = Object.create(null);
/******/ 		__nccwpck_require__.r(ns);
/******/ 		var def = {};
/******/ 		leafPrototypes = leafPrototypes || [null, getProto({}), getProto([]), getProto(getProto)];
/******/ 		for(var current = mode & 2 && value; typeof current == 'object' && !~leafPrototypes.indexOf(current); current = getProto(current)) {
/******/ 			Object.getOwnPropertyNames(current).forEach((key) => (def[key] = () => (value[key])));
/******/ 		}
/******/ 		def['default'] = () => (value);
/******/ 		__nccwpck_require__.d(ns, def);
/******/ 		return ns;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/ensure chunk */
/******/ (() => {
/******/ 	__nccwpck_require__.f = {};
/******/ 	// This file contains only the entry chunk.
/******/ 	// The chunk loading function for additional chunks
/******/ 	__nccwpck_require__.e = (chunkId) => {
/******/ 		return Promise.all(Object.keys(__nccwpck_require__.f).reduce((promises, key) => {
/******/ 			__nccwpck_require__.f[key](chunkId, promises);
/******/ 			return promises;
/******/ 		}, []));
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/get javascript chunk filename */
/******/ (() => {
/******/ 	// This function allow to reference async chunks
/******/ 	__nccwpck_require__.u = (chunkId) => {
/******/ 		// return url for filenames based on template
/******/ 		return "" + chunkId + ".index.js";
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/******/ /* webpack/runtime/make namespace object */
/******/ (() => {
/******/ 	// define __esModule on exports
/******/ 	__nccwpck_require__.r = (exports) => {
/******/ 		if(typeof Symbol !== 'undefined' && Symbol.toStringTag) {
/******/ 			Object.defineProperty(exports, Symbol.toStringTag, { value: 'Module' });
/******/ 		}
/******/ 		Object.defineProperty(exports, '__esModule', { value: true });
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/node module decorator */
/******/ (() => {
/******/ 	__nccwpck_require__.nmd = (module) => {
/******/ 		module.paths = [];
/******/ 		if (!module.children) module.children = [];
/******/ 		return module;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/import chunk loading */
/******/ (() => {
/******/ 	// no baseURI
/******/ 	
/******/ 	// object to store loaded and loading chunks
/******/ 	// undefined = chunk not loaded, null = chunk preloaded/prefetched
/******/ 	// [resolve, Promise] = chunk loading, 0 = chunk loaded
/******/ 	var installedChunks = {
/******/ 		792: 0
/******/ 	};
/******/ 	
/******/ 	var installChunk = (data) => {
/******/ 		var {ids, modules, runtime} = data;
/******/ 		// add "modules" to the modules object,
/******/ 		// then flag all "ids" as loaded and fire callback
/******/ 		var moduleId, chunkId, i = 0;
/******/ 		for(moduleId in modules) {
/******/ 			if(__nccwpck_require__.o(modules, moduleId)) {
/******/ 				__nccwpck_require__.m[moduleId] = modules[moduleId];
/******/ 			}
/******/ 		}
/******/ 		if(runtime) runtime(__nccwpck_require__);
/******/ 		for(;i < ids.length; i++) {
/******/ 			chunkId = ids[i];
/******/ 			if(__nccwpck_require__.o(installedChunks, chunkId) && installedChunks[chunkId]) {
/******/ 				installedChunks[chunkId][0]();
/******/ 			}
/******/ 			installedChunks[ids[i]] = 0;
/******/ 		}
/******/ 	
/******/ 	}
/******/ 	
/******/ 	__nccwpck_require__.f.j = (chunkId, promises) => {
/******/ 			// import() chunk loading for javascript
/******/ 			var installedChunkData = __nccwpck_require__.o(installedChunks, chunkId) ? installedChunks[chunkId] : undefined;
/******/ 			if(installedChunkData !== 0) { // 0 means "already installed".
/******/ 	
/******/ 				// a Promise means "currently loading".
/******/ 				if(installedChunkData) {
/******/ 					promises.push(installedChunkData[1]);
/******/ 				} else {
/******/ 					if(true) { // all chunks have JS
/******/ 						// setup Promise in chunk cache
/******/ 						var promise = import("./" + __nccwpck_require__.u(chunkId)).then(installChunk, (e) => {
/******/ 							if(installedChunks[chunkId] !== 0) installedChunks[chunkId] = undefined;
/******/ 							throw e;
/******/ 						});
/******/ 						var promise = Promise.race([promise, new Promise((resolve) => (installedChunkData = installedChunks[chunkId] = [resolve]))])
/******/ 						promises.push(installedChunkData[1] = promise);
/******/ 					}
/******/ 				}
/******/ 			}
/******/ 	};
/******/ 	
/******/ 	// no prefetching
/******/ 	
/******/ 	// no preloaded
/******/ 	
/******/ 	// no external install chunk
/******/ 	
/******/ 	// no on chunks loaded
/******/ })();
/******/ 
/************************************************************************/
/******/ 
/******/ // startup
/******/ // Load entry module and return exports
/******/ // This entry module used 'module' so it can't be inlined
/******/ var __webpack_exports__ = __nccwpck_require__(5472);
/******/ __webpack_exports__ = await __webpack_exports__;
/******/ var __webpack_exports__main = __webpack_exports__.i;
/******/ export { __webpack_exports__main as main };
/******/ 
