import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const iso = require('i18n-iso-countries') as {
  registerLocale(locale: unknown): void;
  getName(code: string, lang: string): string | undefined;
  alpha2ToNumeric(code: string): string | undefined;
};
iso.registerLocale(require('i18n-iso-countries/langs/en.json'));

/**
 * English name and ISO 3166-1 numeric code (the ids of Natural Earth's countries in world-atlas)
 * of an alpha-2 country code; logflow's own codes (ZZ unknown, private ranges) keep the code as name.
 */
export function countryInfo(code: string): { name: string; numeric: string | null } {
  const upper = code.toUpperCase();
  const name = /^[A-Z]{2}$/.test(upper) ? iso.getName(upper, 'en') : undefined;
  const numeric = name ? (iso.alpha2ToNumeric(upper) ?? null) : null;
  return { name: name ?? (upper === 'ZZ' ? 'unknown' : code), numeric };
}
