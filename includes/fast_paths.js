/**
 * Fast paths of int_lines_parsed: the fields of a well-formed line read by position (split at
 * its quotes and spaces) instead of by a regex with capturing groups, which costs most of the
 * model's time (RE2 must track every group; a capture-free match of the same line runs on its
 * DFA, about 6x faster). Each fast path is
 *   - a guard: a capture-free RE2 pattern. A line it accepts is one the full pattern matches,
 *     and for such a line the full pattern's capturing groups can only be where the positions
 *     put them (every field is delimited by a character it cannot contain: no `"` inside
 *     tokens, the [time] or quoted fields, no backslash in quoted fields, single spaces);
 *   - positional SQL giving exactly the full pattern's values (regexExtractFields), field by
 *     field, '' or NULL for a group that took no part as each warehouse gives it (absentGroup).
 * Any other line (an escaped quote, a run of spaces, a missing protocol, a tab, a newline,
 * trailing text after a CR...) takes the full pattern, so the result never depends on which
 * path a line took (tests/formats/fast-path-differential.test.ts compiles the model with and
 * without the fast paths, var parseFastPath=false, and compares every column on both engines).
 *
 * A fast path is pinned to the exact full pattern it was proven against (PINNED): if
 * includes/log_formats.js changes a pattern, that format silently falls back to the full regex
 * and tests/formats/fast-paths.test.ts fails until the fast path is revisited.
 */

const lf = require('./log_formats');

/** A token as the Apache patterns read it (\S+), without `"` (the quotes delimit the fields) and `[` (it starts the time). */
const TOKEN = '[^\\s"\\[]+';
/** Text after the last field: nothing, or a space then anything but a newline or backslash (see trailer()). */
const TAIL = '(?: [^\\n\\\\]*)?$';
/** The `vhost[:port] ` prefix of the v* formats. */
const VHOST = '[^\\s:"\\[]+(?::(?:\\d+|-))? ';

/** The Apache-family formats with a fast path: whether they start with `vhost[:port] ` and end with the quoted referrer and user agent. */
const APACHE_SHAPES = {
  combined: { vhost: false, quotedTail: true },
  vcombined: { vhost: true, quotedTail: true },
  common: { vhost: false, quotedTail: false },
  vcommon: { vhost: true, quotedTail: false },
};

/** The full patterns (log_formats.js) each fast path was proven against. */
const PINNED = {
  combined:
    '^(\\S+) (\\S+) (\\S+) \\[([^\\]]+)\\] "((?:[^"\\\\]|\\\\.)*)" (\\d{3}) (\\d+|-) "((?:[^"\\\\]|\\\\.)*)" "((?:[^"\\\\]|\\\\.)*)("?)(?:[ \\t]+(.*?))?[ \\t\\r]*$',
  vcombined:
    '^([^\\s:]+)(?::(\\d+|-))? (\\S+) (\\S+) (\\S+) \\[([^\\]]+)\\] "((?:[^"\\\\]|\\\\.)*)" (\\d{3}) (\\d+|-) "((?:[^"\\\\]|\\\\.)*)" "((?:[^"\\\\]|\\\\.)*)("?)(?:[ \\t]+(.*?))?[ \\t\\r]*$',
  common: '^(\\S+) (\\S+) (\\S+) \\[([^\\]]+)\\] "((?:[^"\\\\]|\\\\.)*)" (\\d{3}) (\\d+|-)(?:[ \\t]+(.*?))?[ \\t\\r]*$',
  vcommon:
    '^([^\\s:]+)(?::(\\d+|-))? (\\S+) (\\S+) (\\S+) \\[([^\\]]+)\\] "((?:[^"\\\\]|\\\\.)*)" (\\d{3}) (\\d+|-)(?:[ \\t]+(.*?))?[ \\t\\r]*$',
  request: '^([A-Za-z0-9!#$%&*+.^_|~-]+) +([^?\\s]*)(?:\\?(.*?))?(?:\\s+([A-Za-z][A-Za-z0-9+.-]*/[^\\s\\\\]*)(?:\\\\[nrt])*)?\\s*$',
};

/**
 * The guard of an Apache-family format. Why the full pattern's groups are where the positions say
 * (leftmost-first, RE2 in both warehouses): each token ends at the next space; the time at the
 * first `]`; each quoted field at the next `"` (no backslash, so no escape); status and byte count
 * are digits followed by a space or the end; and after the last field the full pattern's
 * preferred path (take the closing quote, then `[ \t]+` greedily, then the shortest text before
 * trailing `[ \t\r]*`) succeeds, because the rest is empty or a space and then no newline.
 */
function apacheGuard(shape) {
  let pattern = '^';
  if (shape.vhost) pattern += VHOST;
  pattern += `${TOKEN} ${TOKEN} ${TOKEN} \\[[^\\]"]+\\] "[^"\\\\]*" \\d{3} (?:\\d+|-)`;
  if (shape.quotedTail) pattern += ' "[^"\\\\]*" "[^"\\\\]*"';
  return pattern + TAIL;
}

/** The guard's text before the first quote: `[vhost[:port] ]ip ident user [time] `. */
function headGuard(shape) {
  return `^${shape.vhost ? VHOST : ''}${TOKEN} ${TOKEN} ${TOKEN} \\[[^\\]"]+\\] $`;
}

/**
 * SQL: apacheGuard(shape) tested on the line's pieces between its quotes (`pieces`: the line split
 * at `"`), with regexes on the short pieces only instead of one over the whole line (the RE2 DFA
 * reads every byte: the user agent and referrer are most of them). The same lines pass: no guard
 * token, time or quoted field can hold a `"`, so the guard's quotes are the line's first quotes and
 * the pieces between them are its fields, each tested for what the guard allows there (a quoted
 * field: no backslash); the text after the guard's last quote (the rest of the line, which may hold
 * quotes) is tested with the guard's own tail. tests/formats/fast-paths.test.ts compares both guards.
 * @param {string} line SQL of the line text
 * @param {string} pieces SQL of the line split at its quotes (splitText)
 */
function pieceGuard(d, shape, line, pieces) {
  const p = (i) => d.arrayAt(pieces, i);
  const noBackslash = (i) => `strpos(${p(i)}, ${d.str('\\')}) = 0`;
  const count = d.arrayLength(pieces);
  if (shape.quotedTail) {
    // `head"request" 200 1234 "referrer" "agent"rest`: seven pieces, more when the rest holds quotes.
    const before = [0, 1, 2, 3, 4, 5].map((i) => `length(${p(i)})`).join(' + ');
    const rest = `(case when ${count} = 7 then ${p(6)} else substr(${line}, ${before} + 7) end)`;
    return `(${count} >= 7 and ${d.regexContains(p(0), headGuard(shape))} and ${noBackslash(1)} and ${d.regexContains(p(2), '^ \\d{3} (?:\\d+|-) $')} and ${noBackslash(3)} and ${p(4)} = ' ' and ${noBackslash(5)} and ${d.regexContains(rest, `^${TAIL}`)})`;
  }
  // `head"request" 200 1234rest`: the rest after the second quote may hold quotes.
  const rest = `substr(${line}, length(${p(0)}) + length(${p(1)}) + 3)`;
  return `(${count} >= 3 and ${d.regexContains(p(0), headGuard(shape))} and ${noBackslash(1)} and ${d.regexContains(rest, `^ \\d{3} (?:\\d+|-)${TAIL}`)})`;
}

/** A NULL array of strings (splitText's type). */
function nullWords(d) {
  return d.splitText(`cast(null as ${d.type('string')})`, ' ');
}

/** The formats (by name) of `list` (parsing.lineFormats()) that have a fast path for their compiled pattern. */
function apacheNames(list) {
  return list
    .filter((f) => APACHE_SHAPES[f.name] && f.compiled.kind === 'regex' && f.compiled.pattern === PINNED[f.name])
    .map((f) => f.name);
}

/**
 * Select item: the line split at its `"` when it has its format's common shape (the guard), else
 * NULL (the line takes the full pattern).
 * @param {object} d dialect helpers
 * @param {string} line SQL of the line text
 * @param {string} format SQL of the line's format name
 * @param {Array} list parsing.lineFormats()
 * @param {string} name the column name
 * @param {string} [pieces] SQL of piecesItem's column: the guard is tested on it (pieceGuard)
 */
function quotedItem(d, line, format, list, name, pieces) {
  const names = apacheNames(list);
  if (names.length === 0) return `${nullWords(d)} as ${name}`;
  const branches = names.map((n) =>
    pieces === undefined
      ? `when ${d.str(n)} then (case when ${d.regexContains(line, apacheGuard(APACHE_SHAPES[n]))} then ${d.splitText(line, '"')} end)`
      : `when ${d.str(n)} then (case when ${pieceGuard(d, APACHE_SHAPES[n], line, pieces)} then ${pieces} end)`,
  );
  return `(case ${format} ${branches.join(' ')} end) as ${name}`;
}

/**
 * Select item: the line split at its `"` for the formats with a fast path, NULL for the others;
 * quotedItem's `pieces` in the next step (its guard reads the pieces, not the whole line).
 */
function piecesItem(d, line, format, list, name) {
  const names = apacheNames(list);
  if (names.length === 0) return `${nullWords(d)} as ${name}`;
  return `(case when ${d.inList(format, names)} then ${d.splitText(line, '"')} end) as ${name}`;
}

/** Select item: the first quote piece (`[vhost] ip ident user [time] `) split at its spaces; NULL when `quoted` is. */
function wordsItem(d, quoted, name) {
  return `${d.splitText(d.arrayAt(quoted, 0), ' ')} as ${name}`;
}

/** The trailing text (`extra`) as the full pattern captures it, from the text after the last field (guarded: '' or a space first). */
function trailer(d, rest) {
  return `(case when ${rest} = '' then ${d.absentGroup()} else ${d.trimTrailer(rest)} end)`;
}

/**
 * The STRUCT the full pattern of Apache-family format `name` gives (field for field, in
 * compiled.fields order), for a line its guard accepted.
 * @param {string} line SQL of the line text
 * @param {string} quoted SQL of quotedItem's column
 * @param {string} words SQL of wordsItem's column
 */
function apacheStruct(d, name, compiled, line, quoted, words) {
  const shape = APACHE_SHAPES[name];
  const q = (i) => d.arrayAt(quoted, i);
  const w = (i) => d.arrayAt(words, i);
  const first = shape.vhost ? 1 : 0;
  const values = {
    client_ip: w(first),
    ident: w(first + 1),
    auth_user: w(first + 2),
    // `tokens [time] `: the time starts after the first `[` (none in the tokens) and ends before `] `.
    time_local: `substr(${q(0)}, strpos(${q(0)}, '[') + 1, length(${q(0)}) - strpos(${q(0)}, '[') - 2)`,
    request: q(1),
  };
  if (shape.vhost) {
    const colon = `strpos(${w(0)}, ':')`;
    values.vhost = `(case when ${colon} = 0 then ${w(0)} else substr(${w(0)}, 1, ${colon} - 1) end)`;
    values.port = `(case when ${colon} = 0 then ${d.absentGroup()} else substr(${w(0)}, ${colon} + 1) end)`;
  }
  if (shape.quotedTail) {
    // ` 200 1234 ` between the request and the referrer; the rest after the sixth quote.
    values.status = `substr(${q(2)}, 2, 3)`;
    values.bytes = `substr(${q(2)}, 6, length(${q(2)}) - 6)`;
    values.referrer = q(3);
    values.user_agent = q(5);
    values.last_quote = `'"'`;
    // The rest is the seventh piece, unless it holds quotes itself (then it starts after the six pieces and their quotes).
    const before = [0, 1, 2, 3, 4, 5].map((i) => `length(${q(i)})`).join(' + ');
    values.extra = trailer(d, `(case when ${d.arrayLength(quoted)} = 7 then ${q(6)} else substr(${line}, ${before} + 7) end)`);
  } else {
    // ` 200 1234[ rest]` after the second quote (the rest may hold quotes).
    const after = `substr(${line}, length(${q(0)}) + length(${q(1)}) + 8)`;
    const space = `strpos(${after}, ' ')`;
    values.status = `substr(${line}, length(${q(0)}) + length(${q(1)}) + 4, 3)`;
    values.bytes = `(case when ${space} = 0 then ${after} else substr(${after}, 1, ${space} - 1) end)`;
    values.extra = trailer(d, `(case when ${space} = 0 then '' else substr(${after}, ${space}) end)`);
  }
  const missing = compiled.fields.filter((f) => !(f in values));
  if (missing.length > 0 || Object.keys(values).length !== compiled.fields.length)
    throw new Error(`fast_paths.apacheStruct: ${name} fields ${compiled.fields.join(',')} do not match the fast path`);
  return d.structOf(compiled.fields.map((f) => [f, values[f]]));
}

/**
 * The regex format's STRUCT of fields: by position when the line passed its guard (`quoted` not
 * NULL), else the full pattern.
 */
function extractFields(d, f, line, quoted, words) {
  const full = lf.extractFields(d, line, f.compiled);
  if (!apacheNames([f]).includes(f.name)) return full;
  return `(case when ${quoted} is not null then ${apacheStruct(d, f.name, f.compiled, line, quoted, words)} else ${full} end)`;
}

// ---- Request lines ---------------------------------------------------------------------------

/**
 * The guard of a request line: `METHOD PATH[?QUERY] NAME/VERSION` with single spaces, no other
 * whitespace, a non-empty path and no backslash in the protocol. Why the full pattern's groups
 * are where the positions say: the method ends at the first space, the path at `?` or the next
 * space; the shortest query after which the rest matches is all of it up to the last space (a
 * shorter one leaves non-space text before the protocol), and the protocol is the last word.
 */
const REQUEST_GUARD = '^[A-Za-z0-9!#$%&*+.^_|~-]+ [^?\\s]+(?:\\?\\S*)? [A-Za-z][A-Za-z0-9+.-]*/[^\\s\\\\]*$';

/** Whether the request-line fast path applies (the pattern it was proven against is the current one). */
function requestFastPath() {
  return lf.REQUEST_LINE_PATTERN === PINNED.request;
}

/** SQL: the request line split at its spaces when it has the common shape (REQUEST_GUARD), else NULL. */
function requestWords(d, request) {
  if (!requestFastPath()) return nullWords(d);
  return `(case when ${d.regexContains(request, REQUEST_GUARD)} then ${d.splitText(request, ' ')} end)`;
}

/** SQL: the request line's parts (REQUEST_LINE_FIELDS), by position when `words` is not NULL, else by the full pattern. */
function requestParts(d, request, words) {
  const full = d.regexExtractFields(request, lf.REQUEST_LINE_PATTERN, lf.REQUEST_LINE_FIELDS);
  if (!requestFastPath()) return full;
  const target = d.arrayAt(words, 1);
  const mark = `strpos(${target}, '?')`;
  const values = {
    method: d.arrayAt(words, 0),
    path: `(case when ${mark} = 0 then ${target} else substr(${target}, 1, ${mark} - 1) end)`,
    query: `(case when ${mark} = 0 then ${d.absentGroup()} else substr(${target}, ${mark} + 1) end)`,
    protocol: d.arrayAt(words, 2),
  };
  const fast = d.structOf(lf.REQUEST_LINE_FIELDS.map((f) => [f, values[f]]));
  return `(case when ${words} is not null then ${fast} else ${full} end)`;
}

module.exports = {
  APACHE_SHAPES,
  PINNED,
  REQUEST_GUARD,
  apacheGuard,
  headGuard,
  pieceGuard,
  apacheNames,
  piecesItem,
  quotedItem,
  wordsItem,
  apacheStruct,
  extractFields,
  requestFastPath,
  requestWords,
  requestParts,
};
