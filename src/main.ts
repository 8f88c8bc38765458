#!/usr/bin/env node
/** Process entry for the `ponte` command. `serve` keeps running until SIGINT/SIGTERM. */
import { runCli } from './cli.js';

const code = await runCli(process.argv);
const serving = process.argv.slice(2).includes('serve');
if (!serving || code !== 0) process.exit(code);
