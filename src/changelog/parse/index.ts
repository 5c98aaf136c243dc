// One entry for the three parsers, loaded as one chunk when a changelog is there to parse.
export { parseEnterpriseChangelogJson } from './enterprise-json.js';
export { parseEnterpriseChangelogMarkdown } from './enterprise-markdown.js';
export { parseOssChangelog } from './oss-markdown.js';
