/**
 * The ceiling for publishing: the plain @google-cloud/pubsub client publishing every line of a
 * file as one message, with the same attributes (lineAttributes), batching and publisher flow
 * control as `logflow ingest --sink pubsub`'s defaults, and nothing else (no checkpoints, no
 * retries of its own, no truncation). Run as its own process by bench/support/pubsub.ts:
 *   node --import tsx bench/support/pubsub-client.ts FILE HOST:PORT
 * Prints one JSON line: {"messages": N, "seconds": publish time from the first message to the last acknowledgement}.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { PubSub } from '@google-cloud/pubsub';
import { lineAttributes } from '../../ingest/index.ts';
import { PUBSUB_DEFAULTS } from './pubsub.ts';

const [file, endpoint] = process.argv.slice(2);
if (!file || !endpoint) {
  process.stderr.write('usage: pubsub-client.ts FILE HOST:PORT\n');
  process.exit(2);
}
const pubsub = new PubSub({ projectId: 'bench-project', apiEndpoint: endpoint, emulatorMode: true, universeDomain: 'googleapis.com' });
const topic = pubsub.topic(PUBSUB_DEFAULTS.topic, { batching: PUBSUB_DEFAULTS.batching, flowControlOptions: PUBSUB_DEFAULTS.flowControl });
const flow = topic.flowControlled();
const source = { name: file, sourceId: 'file:0123456789abcdef0123456789abcdef', resumable: true };
const context = { format: 'combined', ingestHost: hostname() };
const started = performance.now();
const text = readFileSync(file);
let from = 0;
let line = 0;
for (;;) {
  const nl = text.indexOf(0x0a, from);
  if (nl === -1) break;
  line += 1;
  const wait = flow.publish({ data: text.subarray(from, nl), attributes: lineAttributes(source, line, from, context) });
  if (wait) await wait;
  from = nl + 1;
}
await flow.all();
const seconds = (performance.now() - started) / 1000;
await pubsub.close();
process.stdout.write(`${JSON.stringify({ messages: line, seconds })}\n`);
