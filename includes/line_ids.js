const parsing = require('./parsing');

/**
 * The line id of a landed message, as stg_landing__lines computes it, for the checks that compare
 * landing with the staged lines: the ingester's idempotency key; else, for a Cloud Logging
 * LogEntry from a Log Router sink (it has no ingester attributes), the MD5 of its logName and
 * insertId (parsing.sinkLineId); else the MD5 of the message id. Built-in functions only
 * (`logflow status` runs the checks without logflow's JavaScript functions): the entry is read as
 * strict UTF-8, which a sink's JSON always is.
 * @param {object} d the dialect
 * @param {string} from the landing table's alias with its dot, or ''
 */
function landedLineId(d, from = '') {
  const attr = (key) => d.jsonValue(`${from}attributes`, key);
  const sinkId = parsing.sinkLineId(d, d.bytesToStringOrNull(`${from}data`), attr('format'), attr('idempotency_key'));
  return `coalesce(${attr('idempotency_key')}, ${sinkId}, ${d.md5Hex(`${from}message_id`)})`;
}

module.exports = { landedLineId };
