/**
 * A process and its descendants as Linux shows them in /proc: which children a process has
 * (the parse pool's children in tests) and the resident memory of each, read at one moment
 * (bench:email adds the parent and its children up, so no memory hides in a child).
 */
import { readdirSync, readFileSync } from 'node:fs';

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process ended meanwhile
  }
}

/** Parent pid of every process, from /proc/<pid>/stat (the field after the parenthesized name). */
function parents(): Map<number, number[]> {
  const byParent = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const stat = read(`/proc/${pid}/stat`);
    if (!stat) continue;
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = byParent.get(ppid) ?? [];
    list.push(pid);
    byParent.set(ppid, list);
  }
  return byParent;
}

/** Every live descendant of `pid` (children, their children …). */
export function descendants(pid: number): number[] {
  const byParent = parents();
  const out: number[] = [];
  const visit = (p: number): void => {
    for (const c of byParent.get(p) ?? []) {
      out.push(c);
      visit(c);
    }
  };
  visit(pid);
  return out;
}

/** The command line of a live process (arguments joined by spaces), or undefined once it has ended. */
export function commandLine(pid: number): string | undefined {
  return read(`/proc/${pid}/cmdline`)?.split('\0').join(' ');
}

/** Resident set size in bytes (VmRSS), 0 once the process has ended. */
export function rssBytes(pid: number): number {
  const status = read(`/proc/${pid}/status`) ?? '';
  const line = status.split('\n').find((l) => l.startsWith('VmRSS:'));
  return line ? Number(line.replace(/\D+/gu, '')) * 1024 : 0;
}

/** Whether a process exists (and is not a zombie waiting for its parent). */
export function alive(pid: number): boolean {
  const stat = read(`/proc/${pid}/stat`);
  return stat !== undefined && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}
