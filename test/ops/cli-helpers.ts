/** Runs the real `ponte` entry (src/main.ts through tsx) as an admin would, from any folder. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPO = process.cwd();
const TSX = join(REPO, 'node_modules', '.bin', 'tsx');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function ponte(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  try {
    const r = await run(TSX, [join(REPO, 'src/main.ts'), ...args], {
      cwd: options.cwd ?? REPO,
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', ...options.env },
      timeout: 60_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err: any) {
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}
