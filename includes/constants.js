/**
 * Project-wide constants and vars, read once. Vars come from dataform.json and can be
 * overridden per run (`dataform run --vars=...`, `logflow transform --vars ...`).
 */
const vars = (typeof dataform !== 'undefined' && dataform.projectConfig && dataform.projectConfig.vars) || {};

function intVar(name, fallback) {
  const raw = vars[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`var ${name} must be a whole number of minutes, got '${raw}'`);
  return n;
}

/** Landed lines published up to this many minutes before the newest processed one are read again (late arrivals). */
const LOOKBACK_MINUTES = intVar('lookbackMinutes', 60);

/** Log format assumed for lines whose message carries no `format` attribute. */
const DEFAULT_FORMAT = vars.defaultFormat || 'combined';

module.exports = { LOOKBACK_MINUTES, DEFAULT_FORMAT, intVar };
