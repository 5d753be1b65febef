#!/usr/bin/env node
// Entry point of the `logflow` command: loads the TypeScript CLI from a bundle of it kept current
// with its sources, or through tsx (bin/fast-start.js).
import { loadMain } from './fast-start.js';

const main = await loadMain();
process.exitCode = await main(process.argv.slice(2));
