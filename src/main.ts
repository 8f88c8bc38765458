#!/usr/bin/env node
/** Process entry for the `ponte` command. `serve` keeps running until SIGINT/SIGTERM. */
import { loadDotEnv } from './config/dotenv.js';

// Everything Ponte creates (data folder, database, WAL, blobs, secret, backups) is private to
// its user: 0600 files, 0700 folders.
process.umask(0o077);
// Before anything reads the environment (PONTE_CONFIG, ${VAR} in the configuration).
const envProblem = loadDotEnv(process.env, process.cwd());
if (envProblem) {
  console.error(`error: ${envProblem}`);
  process.exit(2);
}
const { runCli } = await import('./cli.js');
const code = await runCli(process.argv);
const serving = process.argv.slice(2).includes('serve');
if (!serving || code !== 0) process.exit(code);
