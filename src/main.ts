#!/usr/bin/env -S node --max-semi-space-size=8
/**
 * Process entry for the `ponte` command, and the one module whose import acts (it is the
 * program): sets the umask, loads `.env`, runs the command line. `serve` keeps running until
 * SIGINT/SIGTERM. Nothing else acts at import time (the environment is read when a command
 * runs); cli.js is still imported after the umask and `.env`, so a module that broke that rule
 * could not create a world-readable file or miss a variable from `.env`.
 */
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
