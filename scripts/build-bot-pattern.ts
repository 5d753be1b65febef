/**
 * Generates includes/bots.js: isbot's pattern rewritten for RE2 (BigQuery REGEXP_CONTAINS and
 * DuckDB regexp_matches), so both warehouses flag the same user agents as isbot() does.
 *
 *   npx tsx scripts/build-bot-pattern.ts          # rewrites includes/bots.js
 *   npx tsx scripts/build-bot-pattern.ts --check  # exits 1 when includes/bots.js is stale
 *
 * isbot's pattern is a case-insensitive JavaScript RegExp. RE2 differs in ways this rewrite
 * removes, one at a time:
 * 1. Lookarounds (RE2 has none): `X(?!w1|w2)` becomes X followed by "end of text, or a
 *    character that leaves every wi, or a proper prefix of some wi then such a character"
 *    (built from a trie of the words); `(?<!w1|w2)X` is the mirror image. Matching is a
 *    search for any match, so consuming those context characters changes nothing.
 * 2. Case-insensitivity: JS /i (non-unicode) folds ASCII letters only, RE2 (?i) folds Unicode
 *    too ('s' matches U+017F, 'k' matches U+212A). So no (?i): every letter becomes [xX].
 * 3. `\s` in JS includes Unicode spaces and \v; RE2's is [\t\n\f\r ]: spelled out.
 * 4. `^`/`$` become `\A`/`\z` (whole-text anchors whatever the engine's multi-line default).
 * 5. A class range starting or ending with a class escape (`[\w\d-.]`) is a literal '-' in JS
 *    and an error in RE2: the '-' is escaped.
 * The output is checked against isbot() in tests/scripts/build-bot-pattern.test.ts (DuckDB's RE2 on real and
 * fuzzed user agents).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { list } from 'isbot';
import { PROJECT_DIR } from '../warehouse/project.ts';

const OUT = join(PROJECT_DIR, 'includes', 'bots.js');
const ISBOT_VERSION = (createRequire(import.meta.url)('isbot/package.json') as { version: string }).version;

// ---- 1. lookarounds -> alternations (still JavaScript syntax, case-insensitive semantics) ----

interface Trie {
  children: Map<string, Trie>;
  terminal: boolean;
}

function trie(words: readonly string[]): Trie {
  const root: Trie = { children: new Map(), terminal: false };
  for (const word of words) {
    let node = root;
    for (const ch of word.toLowerCase()) {
      let next = node.children.get(ch);
      if (!next) node.children.set(ch, (next = { children: new Map(), terminal: false }));
      node = next;
    }
    node.terminal = true;
  }
  return root;
}

const escapeLiteral = (ch: string) => (/[\\^$.*+?()[\]{}|]/.test(ch) ? `\\${ch}` : ch);
const escapeInClass = (ch: string) => (/[\\\]^-]/.test(ch) ? `\\${ch}` : ch);

/** Matches (consuming) a continuation that does not start with any of `words`. */
function notFollowedBy(words: readonly string[]): string {
  const walk = (node: Trie): string => {
    const parts = ['$', `[^${[...node.children.keys()].map(escapeInClass).join('')}]`];
    for (const [ch, child] of node.children) if (!child.terminal) parts.push(escapeLiteral(ch) + walk(child));
    return `(?:${parts.join('|')})`;
  };
  return walk(trie(words));
}

/** Matches (consuming) a prefix that does not end with any of `words`. */
function notPrecededBy(words: readonly string[]): string {
  const walk = (node: Trie): string => {
    const parts = ['^', `[^${[...node.children.keys()].map(escapeInClass).join('')}]`];
    for (const [ch, child] of node.children) if (!child.terminal) parts.push(walk(child) + escapeLiteral(ch));
    return `(?:${parts.join('|')})`;
  };
  return walk(trie(words.map((w) => [...w].reverse().join(''))));
}

/** The literal words of a lookaround body such as `a|b` or `(?:a|b)`; throws on anything else. */
function lookaroundWords(body: string, entry: string): string[] {
  const inner = body.startsWith('(?:') && body.endsWith(')') ? body.slice(3, -1) : body;
  const words = inner.split('|').map((w) => w.replace(/\\(.)/g, '$1'));
  for (const word of words) {
    if (word === '' || /[\\^$.*+?()[\]{}|]/.test(word)) throw new Error(`isbot entry ${entry}: lookaround is not a list of literals`);
  }
  return words;
}

/** Rewrites one isbot list entry without lookarounds. */
export function withoutLookarounds(entry: string): string {
  const match = /^(?:\(\?<!((?:[^()\\]|\\.)*)\))?(.*?)(?:\(\?!((?:\(\?:[^()]*\))|(?:[^()\\]|\\.)*)\))?$/.exec(entry);
  if (!match) throw new Error(`isbot entry ${entry}: unexpected shape`);
  const [, behind, body = '', ahead] = match;
  if (/\(\?<?[=!]/.test(body)) throw new Error(`isbot entry ${entry}: lookaround inside the entry is not supported`);
  return `${behind === undefined ? '' : notPrecededBy(lookaroundWords(behind, entry))}${body}${ahead === undefined ? '' : notFollowedBy(lookaroundWords(ahead, entry))}`;
}

// ---- 2-5. JavaScript /i syntax -> RE2 syntax with the same meaning, case spelled out ----

const JS_SPACE_CLASS_ITEMS =
  '\\t\\n\\x{0b}\\f\\r \\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}';
const JS_DOT = '[^\\n\\r\\x{2028}\\x{2029}]';

const isLetter = (ch: string) => /^[a-z]$/i.test(ch);
const swapCase = (ch: string) => (ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase());

/** Converts a class body (between [ and ], without a leading ^) to RE2 items with both cases. */
function convertClass(body: string): string {
  type Item = { kind: 'char'; ch: string; text: string; escaped: boolean } | { kind: 'escape'; text: string };
  const items: Item[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\') {
      const e = body[i + 1]!;
      i++;
      if ('wWdDsS'.includes(e)) items.push({ kind: 'escape', text: e === 's' ? JS_SPACE_CLASS_ITEMS : `\\${e}` });
      else if (e === 'S') throw new Error('\\S inside a class is not supported');
      else items.push({ kind: 'char', ch: e, text: escapeInClass(e), escaped: true });
    } else {
      items.push({ kind: 'char', ch: c, text: escapeInClass(c), escaped: false });
    }
  }
  let out = '';
  for (let k = 0; k < items.length; k++) {
    const item = items[k]!;
    const dash = items[k + 1];
    const hi = items[k + 2];
    if (item.kind === 'char' && dash?.kind === 'char' && dash.ch === '-' && !dash.escaped && hi?.kind === 'char') {
      out += `${item.text}-${hi.text}`;
      for (let code = item.ch.charCodeAt(0); code <= hi.ch.charCodeAt(0); code++) {
        const ch = String.fromCharCode(code);
        if (isLetter(ch)) out += swapCase(ch);
      }
      k += 2;
      continue;
    }
    out += item.text; // a '-' next to a class escape is a literal (escaped by escapeInClass)
    if (item.kind === 'char' && isLetter(item.ch)) out += swapCase(item.ch);
  }
  return out;
}

/** Converts a case-insensitive JavaScript pattern (no lookarounds) to an RE2 pattern. */
export function toRe2(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const e = pattern[i + 1]!;
      i++;
      if (e === 's') out += `[${JS_SPACE_CLASS_ITEMS}]`;
      else if (e === 'S') out += `[^${JS_SPACE_CLASS_ITEMS}]`;
      else if ('wWdDbB'.includes(e)) out += `\\${e}`;
      else if (/[a-z0-9]/i.test(e)) throw new Error(`unsupported escape \\${e}`);
      else out += escapeLiteral(e);
    } else if (c === '[') {
      let j = i + 1;
      const negated = pattern[j] === '^';
      if (negated) j++;
      let body = '';
      for (; j < pattern.length && pattern[j] !== ']'; j++) {
        body += pattern[j];
        if (pattern[j] === '\\') body += pattern[++j];
      }
      if (j >= pattern.length) throw new Error('unterminated class');
      out += `[${negated ? '^' : ''}${convertClass(body)}]`;
      i = j;
    } else if (c === '^') out += '\\A';
    else if (c === '$') out += '\\z';
    else if (c === '.') out += JS_DOT;
    else if (isLetter(c)) out += `[${c.toLowerCase()}${c.toUpperCase()}]`;
    else if (c === '(' && pattern.startsWith('(?', i) && !pattern.startsWith('(?:', i))
      throw new Error(`unsupported group at ${pattern.slice(i, i + 10)}`);
    else out += c;
  }
  return out;
}

/** The JavaScript pattern (case-insensitive, no lookarounds) equivalent to isbot's. */
export function jsPatternWithoutLookarounds(entries: readonly string[] = list): string {
  return entries.map(withoutLookarounds).join('|');
}

/** The RE2 pattern: matches a user agent exactly when isbot() says it is a bot. */
export function buildBotPattern(entries: readonly string[] = list): string {
  return toRe2(jsPatternWithoutLookarounds(entries));
}

/**
 * A product-name extractor for `bot_name` (first capturing group): the first token that
 * names itself a bot, crawler, spider, ... ("Googlebot", "bingbot", "AhrefsBot",
 * "facebookexternalhit"); the caller falls back to BOT_PRODUCT_PATTERN.
 */
const BOT_NAME_PATTERN = toRe2(
  '([\\w.-]*(?:bot|crawler|crawl|spider|slurp|fetcher|scanner|archiver|checker|monitor|externalhit|preview|validator|scraper)[\\w.-]*)',
);
/** The first product token of a user agent ("curl" in "curl/8.5.0"), for bots without such a token. */
const BOT_PRODUCT_PATTERN = toRe2('^([\\w.-]+)');

export function renderModule(): string {
  const pattern = buildBotPattern();
  for (const p of [pattern, BOT_NAME_PATTERN, BOT_PRODUCT_PATTERN]) {
    if (/['\n\r]/.test(p) || p.endsWith('\\')) throw new Error('pattern would need SQL escaping');
  }
  return `// GENERATED by scripts/build-bot-pattern.ts from isbot ${ISBOT_VERSION} (Unlicense). Do not edit:
// run \`npx tsx scripts/build-bot-pattern.ts\` after upgrading isbot.
/**
 * Bot detection in SQL, identical in BigQuery and DuckDB (both RE2) and to isbot() in JS.
 *
 * - BOT_PATTERN: RE2, already case-insensitive by construction (no (?i) flag needed), no
 *   lookarounds or backreferences, no quote characters: pass it to dialect.regexContains.
 *   A user agent is a bot when it matches; NULL and '' are not bots (isbot(''): false), so
 *   wrap the test in coalesce(..., false).
 * - BOT_NAME_PATTERN / BOT_PRODUCT_PATTERN: one capturing group each, for a readable
 *   bot_name: coalesce(extract(BOT_NAME_PATTERN), extract(BOT_PRODUCT_PATTERN)) for bots.
 */

/** isbot version the pattern was generated from. */
const ISBOT_VERSION = ${JSON.stringify(ISBOT_VERSION)};

/** RE2 pattern equivalent to isbot's getPattern() (${list.length} entries). */
const BOT_PATTERN = ${JSON.stringify(pattern)};

/** First token naming itself a bot/crawler/spider/... (group 1). */
const BOT_NAME_PATTERN = ${JSON.stringify(BOT_NAME_PATTERN)};

/** First product token of the user agent (group 1). */
const BOT_PRODUCT_PATTERN = ${JSON.stringify(BOT_PRODUCT_PATTERN)};

module.exports = { ISBOT_VERSION, BOT_PATTERN, BOT_NAME_PATTERN, BOT_PRODUCT_PATTERN };
`;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  const text = renderModule();
  if (process.argv.includes('--check')) {
    const current = readFileSync(OUT, 'utf8');
    if (current !== text) {
      process.stderr.write('includes/bots.js is stale: run npx tsx scripts/build-bot-pattern.ts\n');
      process.exit(1);
    }
    process.stdout.write('includes/bots.js is up to date\n');
  } else {
    writeFileSync(OUT, text);
    process.stdout.write(`wrote includes/bots.js (${buildBotPattern().length} chars, from isbot ${ISBOT_VERSION})\n`);
  }
}
