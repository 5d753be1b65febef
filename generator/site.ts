/**
 * The site being visited: an online shop with a blog and a downloads area. Built once per seed
 * with seeded faker (names, slugs, search terms, referring sites), then only indexed into.
 */
import { Faker, base, en } from '@faker-js/faker';
import { Rng } from './rng.ts';

export type Kind = 'page' | 'asset' | 'api' | 'download' | 'form' | 'redirect' | 'robots' | 'sitemap' | 'probe' | 'monitor' | 'malformed';

export type PageType =
  | 'home'
  | 'category'
  | 'product'
  | 'blog'
  | 'article'
  | 'search'
  | 'cart'
  | 'checkout'
  | 'login'
  | 'account'
  | 'about'
  | 'downloads'
  | 'help';

export interface Resource {
  path: string;
  bytes: number;
  kind: Kind;
}

export interface Page extends Resource {
  type: PageType;
  /** Images and API calls the page loads besides the shared css/js/fonts. */
  own: Resource[];
}

export interface Site {
  host: string;
  origin: string;
  pages: Record<PageType, Page[]>;
  allPages: Page[];
  /** Loaded by the first page view of a session: stylesheets, scripts, logo, favicon. */
  shared: Resource[];
  /** Web fonts: their referrer is the stylesheet, not the page. */
  fonts: Resource[];
  stylesheetUrl: string;
  /** Asked for by iOS browsers; this site has none, so they are 404s. */
  touchIcons: Resource[];
  downloads: Resource[];
  /** Old URLs still linked from elsewhere: 404. */
  deadLinks: string[];
  searchTerms: string[];
  robots: Resource;
  sitemap: Resource;
  notFoundBytes: number;
  /** Referrer URLs by source. */
  searchEngines: Record<string, string[]>;
  social: string[];
  otherSites: string[];
}

const COUNTRY_SEARCH: Record<string, string[]> = {
  GB: ['https://www.google.co.uk/'],
  DE: ['https://www.google.de/'],
  FR: ['https://www.google.fr/', 'https://www.qwant.com/'],
  JP: ['https://www.google.co.jp/', 'https://search.yahoo.co.jp/'],
  RU: ['https://yandex.ru/', 'https://www.google.ru/'],
  CN: ['https://www.baidu.com/', 'https://cn.bing.com/'],
  KR: ['https://search.naver.com/', 'https://www.google.co.kr/'],
  BR: ['https://www.google.com.br/'],
  IN: ['https://www.google.co.in/'],
  default: ['https://www.google.com/'],
};

/** Builds the site for a seed. */
export function buildSite(seed: number, host: string): Site {
  const faker = new Faker({ locale: [en, base] });
  faker.seed(seed);
  faker.setDefaultRefDate(new Date('2026-11-01T00:00:00Z'));
  const rng = new Rng(seed, 101);
  const origin = `https://${host}`;
  const slug = (text: string) =>
    faker.helpers
      .slugify(text.toLowerCase())
      .replace(/[^a-z0-9-]/g, '')
      .replace(/-+/g, '-');
  const hex = () => faker.string.hexadecimal({ length: 8, casing: 'lower', prefix: '' });
  const unique = (make: () => string, n: number) => {
    const seen = new Set<string>();
    for (let tries = 0; seen.size < n && tries < n * 20; tries++) seen.add(make());
    return [...seen];
  };
  const img = (path: string, lo: number, hi: number): Resource => ({ path, bytes: rng.range(lo, hi), kind: 'asset' });
  const page = (type: PageType, path: string, lo: number, hi: number, own: Resource[] = []): Page => ({
    type,
    path,
    bytes: rng.range(lo, hi),
    kind: 'page',
    own,
  });

  const departments = unique(() => slug(faker.commerce.department()), 14);
  const productNames = unique(() => slug(faker.commerce.productName()), 320);
  const products = productNames.map((name, i) => {
    const id = 1000 + i * 7;
    const images = [1, 2, 3].map((n) => img(`/images/products/${name}-${n}.webp`, 30_000, 180_000));
    const reviews: Resource = { path: `/api/v1/products/${id}/reviews?page=1`, bytes: rng.range(1_500, 9_000), kind: 'api' };
    return page('product', `/products/${name}-${id}`, 18_000, 42_000, [...images, reviews]);
  });
  const thumbs = productNames.map((name) => img(`/images/products/${name}-thumb.webp`, 4_000, 14_000));
  const categories = departments.map((d, i) =>
    page(
      'category',
      `/category/${d}`,
      25_000,
      60_000,
      Array.from({ length: 12 }, (_, k) => thumbs[(i * 23 + k * 5) % thumbs.length]!),
    ),
  );
  const articleSlugs = unique(() => slug(faker.lorem.words({ min: 3, max: 7 })), 140);
  const articles = articleSlugs.map((s) =>
    page('article', `/blog/${s}`, 22_000, 70_000, [
      img(`/images/blog/${s}-cover.jpg`, 60_000, 240_000),
      img(`/images/blog/${s}-1.jpg`, 30_000, 160_000),
    ]),
  );
  const hero = img(`/images/hero/${slug(faker.commerce.productAdjective())}-${hex()}.webp`, 120_000, 260_000);
  const searchTerms = unique(() => faker.word.words({ count: { min: 1, max: 3 } }).toLowerCase(), 400);
  const pages: Record<PageType, Page[]> = {
    home: [page('home', '/', 30_000, 45_000, [hero, ...thumbs.slice(0, 8)])],
    category: categories,
    product: products,
    blog: [
      page(
        'blog',
        '/blog/',
        20_000,
        35_000,
        articles.slice(0, 6).map((a) => a.own[0]!),
      ),
    ],
    article: articles,
    search: searchTerms.map((term) =>
      page('search', `/search?q=${encodeURIComponent(term).replace(/%20/g, '+')}`, 12_000, 40_000, [
        { path: `/api/v1/search/suggest?q=${encodeURIComponent(term.split(' ')[0]!)}`, bytes: rng.range(400, 2_000), kind: 'api' },
      ]),
    ),
    cart: [page('cart', '/cart', 9_000, 16_000, [{ path: '/api/v1/cart', bytes: 1_400, kind: 'api' }])],
    checkout: [
      page('checkout', '/checkout', 11_000, 18_000, [{ path: '/api/v1/shipping/rates', bytes: 900, kind: 'api' }]),
      page('checkout', '/checkout/complete', 8_000, 12_000),
    ],
    login: [page('login', '/login', 6_000, 9_000)],
    account: [
      page('account', '/account', 10_000, 16_000, [{ path: '/api/v1/orders?limit=10', bytes: 3_100, kind: 'api' }]),
      page('account', '/account/orders', 12_000, 22_000),
    ],
    about: [page('about', '/about', 12_000, 18_000), page('about', '/contact', 8_000, 11_000)],
    downloads: [page('downloads', '/downloads/', 14_000, 20_000)],
    help: [
      page('help', '/help/faq', 30_000, 50_000),
      page('help', '/help/shipping', 12_000, 20_000),
      page('help', '/help/returns', 12_000, 20_000),
    ],
  };
  const build = hex().slice(0, 6);
  const stylesheetUrl = `${origin}/static/css/main.${build}.css`;
  const shared: Resource[] = [
    { path: `/static/css/main.${build}.css`, bytes: 48_213, kind: 'asset' },
    { path: `/static/js/vendor.${hex().slice(0, 6)}.js`, bytes: 212_774, kind: 'asset' },
    { path: `/static/js/app.${build}.js`, bytes: 96_018, kind: 'asset' },
    { path: '/static/img/logo.svg', bytes: 4_127, kind: 'asset' },
    { path: '/favicon.ico', bytes: 15_086, kind: 'asset' },
  ];
  const fonts: Resource[] = [
    { path: '/static/fonts/inter-var.woff2', bytes: 98_412, kind: 'asset' },
    { path: '/static/fonts/inter-var-italic.woff2', bytes: 101_560, kind: 'asset' },
  ];
  const downloads = unique(() => slug(faker.commerce.productName()).split('-').slice(-1)[0]!, 10).flatMap((name) => [
    {
      path: `/downloads/${name}-setup-2.${rng.range(0, 9)}.${rng.range(0, 20)}.exe`,
      bytes: rng.range(40_000_000, 180_000_000),
      kind: 'download' as const,
    },
    {
      path: `/downloads/${name}-2.${rng.range(0, 9)}.${rng.range(0, 20)}.dmg`,
      bytes: rng.range(60_000_000, 220_000_000),
      kind: 'download' as const,
    },
    { path: `/downloads/${name}-manual.pdf`, bytes: rng.range(2_000_000, 15_000_000), kind: 'download' as const },
  ]);
  downloads.push({ path: '/downloads/recovery-image-2026.10.iso', bytes: 734_003_200, kind: 'download' });
  const domains = unique(() => faker.internet.domainName(), 120);
  const otherSites = domains.map((d) =>
    rng.chance(0.6) ? `https://${d}/${slug(faker.lorem.words({ min: 1, max: 4 }))}` : `https://${d}/`,
  );
  const social = [
    'https://www.facebook.com/',
    'https://l.facebook.com/',
    'https://m.facebook.com/',
    'https://www.instagram.com/',
    'https://www.linkedin.com/',
    'https://www.pinterest.com/',
    'https://out.reddit.com/',
    'android-app://com.google.android.gm/',
    'https://news.ycombinator.com/',
    ...Array.from({ length: 20 }, () => `https://t.co/${faker.string.alphanumeric(10)}`),
    ...Array.from(
      { length: 10 },
      () =>
        `https://www.reddit.com/r/${faker.word.noun()}/comments/${faker.string.alphanumeric({ length: 6, casing: 'lower' })}/${slug(faker.lorem.words(4))}/`,
    ),
  ];
  const searchEngines: Record<string, string[]> = {};
  for (const [country, engines] of Object.entries(COUNTRY_SEARCH))
    searchEngines[country] = [...engines, 'https://www.bing.com/', 'https://duckduckgo.com/'];
  const site: Site = {
    host,
    origin,
    pages,
    allPages: Object.values(pages).flat(),
    shared,
    fonts,
    stylesheetUrl,
    touchIcons: [
      { path: '/apple-touch-icon-precomposed.png', bytes: 0, kind: 'asset' },
      { path: '/apple-touch-icon.png', bytes: 0, kind: 'asset' },
    ],
    downloads,
    deadLinks: [...articleSlugs.slice(0, 12).map((s) => `/blog/2019/${s}`), ...productNames.slice(0, 8).map((p) => `/shop/item/${p}`)],
    searchTerms,
    robots: { path: '/robots.txt', bytes: 312, kind: 'robots' },
    sitemap: { path: '/sitemap.xml', bytes: 48_211, kind: 'sitemap' },
    notFoundBytes: 4_213,
    searchEngines,
    social,
    otherSites,
  };
  assertSafePaths(site);
  return site;
}

/** Printable ASCII without quotes or backslashes: written to logs without escaping. */
const SAFE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** Site paths skip the escaping scan when formatted, so check once that none needs escaping. */
function assertSafePaths(site: Site): void {
  const all = [
    ...site.allPages,
    ...site.allPages.flatMap((p) => p.own),
    ...site.shared,
    ...site.fonts,
    ...site.touchIcons,
    ...site.downloads,
    site.robots,
    site.sitemap,
  ];
  for (const path of [...all.map((r) => r.path), ...site.deadLinks, '/login', '/cart/add', '/checkout']) {
    if (!SAFE.test(path)) throw new Error(`generator site path needs escaping: ${JSON.stringify(path)}`);
  }
}
