import { Faker, en } from '@faker-js/faker';

/**
 * Seeded generators of adversarial field values for the differential fuzz tests: the kinds of
 * text a hostile or broken log line can put where the parse model expects a number, a
 * timestamp, an offset, an address, an escaped string, JSON or UTF-8. Each generator mixes
 * hand-picked edge cases with random recombinations of their parts, so a run with a bigger
 * count explores further. Same seed, same values.
 */

export type Gen = (f: Faker) => string;

/** A faker of its own, seeded (tests never share faker's global state). */
export function seededFaker(seed: number): Faker {
  const f = new Faker({ locale: [en] });
  f.seed(seed);
  return f;
}

const pick = <T>(f: Faker, items: readonly T[]): T => f.helpers.arrayElement(items as T[]);
const digits = (f: Faker, min: number, max: number) => f.string.numeric({ length: { min, max }, allowLeadingZeros: true });
const maybe = (f: Faker, text: string, p = 0.5) => (f.datatype.boolean(p) ? text : '');

/** Texts that may or may not be integers. */
export const INTEGER_EDGES = [
  '0',
  '200',
  '404',
  '-1',
  '+12',
  '007',
  '00000000000000000000000000012',
  '200.5',
  '200.0',
  '1e3',
  '1E3',
  '2e2',
  '0x10',
  '0X1f',
  '1_000',
  ' 12',
  '12 ',
  '\t12',
  '12\n',
  '',
  '-',
  '--1',
  '+-1',
  '1-',
  '.',
  '.5',
  '5.',
  'NaN',
  'inf',
  '-inf',
  'Infinity',
  '١٢٣',
  '１２',
  '12 34',
  '9223372036854775807',
  '9223372036854775808',
  '-9223372036854775808',
  '-9223372036854775809',
  '99999999999999999999999',
  '18446744073709551615',
  '1099511627776',
  '1099511627777',
  '0.0',
  '-0',
  '+0',
  '1e-3',
  '12a',
  'a12',
];

export const integer: Gen = (f) => {
  if (f.datatype.boolean(0.3)) return pick(f, INTEGER_EDGES);
  const sign = pick(f, ['', '', '', '-', '+', ' ']);
  const body = digits(f, 0, f.datatype.boolean(0.8) ? 6 : 25);
  const fraction = f.datatype.boolean(0.15) ? '.' + digits(f, 0, 3) : '';
  const exponent = f.datatype.boolean(0.1) ? pick(f, ['e', 'E']) + pick(f, ['', '+', '-']) + digits(f, 0, 3) : '';
  const tail = f.datatype.boolean(0.05) ? pick(f, [' ', 'x', '\u00a0', '_1']) : '';
  return sign + body + fraction + exponent + tail;
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const BAD_MONTHS = ['jan', 'JAN', 'Sept', 'Foo', 'January', '13', 'Ma', ''];

/** Time zone offsets as logged, valid and not. */
export const OFFSET_EDGES = [
  '+0000',
  '-0000',
  '+0100',
  '-1200',
  '+1200',
  '+1400',
  '-1400',
  '+1359',
  '+1459',
  '+1500',
  '-1500',
  '+2359',
  '+2400',
  '+9999',
  '-9999',
  '+0060',
  '+0099',
  '+05:30',
  '-07:00',
  '+05',
  '+5',
  'Z',
  'z',
  'UTC',
  '+00000',
  '0000',
  '',
  '+-100',
  '++0100',
  ' +0000',
  '+0530',
];

export const offset: Gen = (f) => {
  if (f.datatype.boolean(0.5)) return pick(f, OFFSET_EDGES);
  return (
    pick(f, ['+', '-']) +
    String(f.number.int({ min: 0, max: 29 })).padStart(2, '0') +
    String(f.number.int({ min: 0, max: 99 })).padStart(2, '0')
  );
};

const YEARS = ['0000', '0001', '0002', '1969', '1970', '2026', '9998', '9999', '10000', '1', '26', '00001'];
const two = (f: Faker, max: number) => String(f.number.int({ min: 0, max })).padStart(2, '0');

/** Apache %t texts ('10/Oct/2026:13:55:36 -0700') with every part bent. */
export const clfTime: Gen = (f) => {
  const edge = pick(f, [
    '31/Dec/9999:23:59:59 -1200',
    '31/Dec/9999:23:59:59 +0000',
    '31/Dec/9999:23:59:59 +1400',
    '01/Jan/0001:00:00:00 +0100',
    '01/Jan/0001:00:00:00 +0000',
    '01/Jan/0001:00:59:59 -0100',
    '01/Jan/0001:00:00:00 -0000',
    '29/Feb/2024:12:00:00 +0000',
    '29/Feb/2026:12:00:00 +0000',
    '31/Apr/2026:00:00:00 +0000',
    '10/Oct/2026:24:00:00 +0000',
    '10/Oct/2026:23:60:00 +0000',
    '10/Oct/2026:23:59:60 +0000',
    '10/Oct/2026:13:55:36 +9999',
    '10/Oct/2026:13:55:36',
    '1/Oct/2026:1:2:3 +0000',
    '10/Oct/2026:13:55:36 +0000 ',
    ' 10/Oct/2026:13:55:36 +0000',
    '10/oct/2026:13:55:36 +0000',
    '00/Oct/2026:00:00:00 +0000',
  ]);
  if (f.datatype.boolean(0.2)) return edge;
  const day = f.datatype.boolean(0.8) ? two(f, 31) : pick(f, ['0', '1', '32', '99', '001', '']);
  const month = f.datatype.boolean(0.85) ? pick(f, MONTHS) : pick(f, BAD_MONTHS);
  const year = f.datatype.boolean(0.6) ? String(f.number.int({ min: 1960, max: 2040 })) : pick(f, YEARS);
  const time = f.datatype.boolean(0.9) ? `${two(f, 25)}:${two(f, 61)}:${two(f, 61)}` : pick(f, ['1:2:3', '12:00', '12:00:00.5', '']);
  const sep = f.datatype.boolean(0.95) ? ' ' : pick(f, ['', '  ', '\t']);
  return `${day}/${month}/${year}:${time}${sep}${offset(f)}`;
};

/** nginx $time_iso8601 and friends ('2026-11-04T10:00:00+05:30'). */
export const isoTime: Gen = (f) => {
  const edge = pick(f, [
    '9999-12-31T23:59:59-12:00',
    '9999-12-31T23:59:59Z',
    '0001-01-01T00:00:00+01:00',
    '0001-01-01T00:00:00Z',
    '2026-11-04T10:00:00.250+05:30',
    '2026-11-04T10:00:00.1234567Z',
    '2026-11-04 10:00:00Z',
    '2026-11-04T10:00:00',
    '2026-11-04T10:00Z',
    '2026-02-30T00:00:00Z',
    '2026-11-04T10:00:00+99:99',
    '2026-11-04T10:00:00z',
    '2026-11-04T10:00:00+0530',
    '2026-11-04T10:00:00.Z',
    '20261104T100000Z',
    '2026-11-04t10:00:00Z',
  ]);
  if (f.datatype.boolean(0.25)) return edge;
  const year = f.datatype.boolean(0.6) ? String(f.number.int({ min: 1960, max: 2040 })) : pick(f, YEARS);
  const date = `${year}-${two(f, 13)}-${two(f, 32)}`;
  const time = `${two(f, 25)}:${two(f, 61)}:${two(f, 61)}`;
  const fraction = f.datatype.boolean(0.3) ? '.' + digits(f, 0, 10) : '';
  const zone = f.datatype.boolean(0.7)
    ? pick(f, ['Z', '+00:00', '-07:00', '+05:30', '+14:00', '-12:00', '+15:00', '+99:99', '+0530', ''])
    : offset(f);
  return `${date}${pick(f, ['T', 'T', 'T', ' ', 't'])}${time}${fraction}${zone}`;
};

/** Client addresses: IPv4, IPv6 and the things logs hold instead. */
export const IP_EDGES = [
  'not-an-ip',
  '999.999.999.999',
  '256.0.0.1',
  '1.2.3',
  '1.2.3.4.5',
  '01.2.3.4',
  '1.2.3.04',
  '0.0.0.0',
  '255.255.255.255',
  '1.2.3.4 ',
  ' 1.2.3.4',
  '::',
  '::1',
  '::ffff:1.2.3.4',
  '::ffff:01.2.3.4',
  '::1.2.3.4',
  '1::2::3',
  '2001:db8::1%eth0',
  '[2001:db8::1]',
  '2001:DB8::A',
  '2001:db8:0:0:0:0:0:1',
  '2001:db8:0:0:0:0:0:0:1',
  '1:2:3:4:5:6:1.2.3.4',
  '1:2:3:4:5:6:7:1.2.3.4',
  '::ffff:255.255.255.256',
  'fe80::1:2:3:4:5:6:7',
  '12345::',
  'g::1',
  'localhost',
  'crawl-66-249-66-1.googlebot.com',
  'unknown',
  '1.2.3.4, 5.6.7.8',
  '-',
  '',
  '１.２.３.４',
  '1.2.3.4:8080',
  '0x7f.0.0.1',
  '127.1',
];

export const ip: Gen = (f) => {
  if (f.datatype.boolean(0.3)) return pick(f, IP_EDGES);
  if (f.datatype.boolean(0.5)) {
    const parts = Array.from({ length: f.datatype.boolean(0.9) ? 4 : f.number.int({ min: 1, max: 6 }) }, () =>
      f.datatype.boolean(0.85) ? String(f.number.int({ min: 0, max: 255 })) : pick(f, ['256', '999', '00', '010', '', '1a', '-1']),
    );
    return parts.join('.');
  }
  const groups = Array.from({ length: f.number.int({ min: 1, max: 9 }) }, () =>
    f.datatype.boolean(0.8)
      ? f.string.hexadecimal({ length: { min: 1, max: 4 }, prefix: '', casing: 'mixed' })
      : pick(f, ['', '0', '00000', 'g', '1.2.3.4']),
  );
  let text = groups.join(':');
  if (f.datatype.boolean(0.4)) {
    const at = f.number.int({ min: 0, max: text.length });
    text = text.slice(0, at) + '::' + text.slice(at);
  }
  return text + maybe(f, '%eth0', 0.03);
};

/** Text with Apache escapes, quotes, backslashes and non-ASCII characters. */
export const escaped: Gen = (f) => {
  const parts = [
    '\\"',
    '\\\\',
    '\\',
    '"',
    '\\x16',
    '\\x03',
    '\\n',
    'a',
    ' ',
    '/',
    '?',
    'é',
    '日本',
    '😀',
    '\u0000',
    '\t',
    '%20',
    'HTTP/1.1',
    'GET',
  ];
  return Array.from({ length: f.number.int({ min: 0, max: 12 }) }, () => pick(f, parts)).join('');
};

/** Request lines: valid, odd and hostile. */
export const requestLine: Gen = (f) => {
  if (f.datatype.boolean(0.3)) return escaped(f);
  const method = pick(f, ['GET', 'POST', 'HEAD', 'M-SEARCH', 'get', 'G E T', 'GET\\"', '']);
  const path = pick(f, ['/', '/a/b', '/s?q=a b', '/q\\"x', '/café', '*', '/x?', '/?a?b', '/%00', '']) + maybe(f, escaped(f), 0.3);
  const protocol = pick(f, [' HTTP/1.1', ' HTTP/2.0', ' HTTP/', ' HTTP/1.1 x', '', ' http/1.1']);
  return `${method} ${path}${protocol}`;
};

/** Raw bytes, mostly UTF-8 with invalid sequences mixed in (overlongs, surrogates, truncations). */
export function utf8Bytes(f: Faker): Buffer {
  const pieces: Buffer[] = [];
  const n = f.number.int({ min: 0, max: 8 });
  for (let i = 0; i < n; i++) {
    pieces.push(
      pick(f, [
        Buffer.from('ok'),
        Buffer.from('é'),
        Buffer.from('日本'),
        Buffer.from('😀'),
        Buffer.from([0xff]),
        Buffer.from([0xfe, 0xff]),
        Buffer.from([0xc3]),
        Buffer.from([0xc3, 0x28]),
        Buffer.from([0xc0, 0xaf]),
        Buffer.from([0xe0, 0x80, 0xaf]),
        Buffer.from([0xed, 0xa0, 0x80]),
        Buffer.from([0xf4, 0x90, 0x80, 0x80]),
        Buffer.from([0xf0, 0x9f, 0x98]),
        Buffer.from([0xe2, 0x82]),
        Buffer.from([0x80]),
        Buffer.from([0x00]),
        Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
        Buffer.from([f.number.int({ min: 0, max: 255 })]),
      ]),
    );
  }
  return Buffer.concat(pieces);
}

const JSON_NUMBERS = [
  '200',
  '200.0',
  '200.5',
  '2e2',
  '1e3',
  '-0',
  '0.1',
  '1e400',
  '-1e400',
  '12345678901234567890',
  '9223372036854775807',
  '9223372036854775808',
  '18446744073709551616',
  '123456789012345678901234567890',
  '0.30000000000000004',
  '1.7976931348623157e308',
  '5e-324',
  '1E+2',
  '00',
  '01',
  '.5',
  '+1',
];
const JSON_STRINGS = [
  '"200"',
  '"200.5"',
  '"1e3"',
  '"-"',
  '""',
  '"\\u00e9"',
  '"\\ud800"',
  '"\\ud83d\\ude00"',
  '"a\\"b"',
  '"tab\\there"',
  '"\\u0000"',
  '"日本"',
];

/** JSON texts shaped like nginx escape=json lines, with hostile numbers, escapes and syntax. */
export const jsonText: Gen = (f) => {
  const value = () => pick(f, [...JSON_NUMBERS, ...JSON_STRINGS, 'true', 'null', '[1]', '{"x":1}']);
  const members = Array.from(
    { length: f.number.int({ min: 0, max: 4 }) },
    () => `"${pick(f, ['status', 'body_bytes_sent', 'remote_addr', 'x', 'st\\u0061tus'])}":${value()}`,
  );
  let text = `{${members.join(',')}}`;
  if (f.datatype.boolean(0.1))
    text = pick(f, [text + ' ', ' ' + text, text.replace('{', '{,'), text + 'x', '\ufeff' + text, text.slice(0, -1), '[' + text + ']']);
  return text;
};

/** Several values from one generator. */
export function many(f: Faker, gen: Gen, count: number): string[] {
  return Array.from({ length: count }, () => gen(f));
}

/** How many generated cases: the environment variable `name` (LOGFLOW_FUZZ_CASES by default), else the CI default. */
export function fuzzCount(fallback: number, name = 'LOGFLOW_FUZZ_CASES'): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number, got '${raw}'`);
  return n;
}

/** The seed: LOGFLOW_FUZZ_SEED, else a fixed one (reproducible CI). */
export function fuzzSeed(fallback: number): number {
  const raw = process.env.LOGFLOW_FUZZ_SEED;
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new Error(`LOGFLOW_FUZZ_SEED must be a whole number, got '${raw}'`);
  return n;
}
