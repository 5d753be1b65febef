const w = () => dataform.projectConfig.vars.warehouse;
function now() { return w() === 'duckdb' ? 'now()' : 'current_timestamp()'; }
module.exports = { now, w };
