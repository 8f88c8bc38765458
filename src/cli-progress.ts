/** Terminal rendering of `ponte email sync`: one bar per folder on one line. The sync itself lives in channels/email. */

/** A one-line terminal progress bar. Pure. */
export function renderProgress(done: number, total: number, label: string, width = 30): string {
  const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  const filled = Math.round(ratio * width);
  return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}%  ${done}/${total}`;
}

/** Draws the bars of every folder in place; `done` ends the line. */
export function createSyncProgressView(out: { write(chunk: string): unknown }): {
  progress(p: { folder: string; done: number; total: number }): void;
  done(line: string): void;
} {
  const bars = new Map<string, string>();
  return {
    progress(p) {
      bars.set(p.folder, renderProgress(p.done, p.total, p.folder));
      out.write(`\r${[...bars.values()].join('   ')}`);
    },
    done(line) {
      out.write(`\n${line}\n`);
    },
  };
}
