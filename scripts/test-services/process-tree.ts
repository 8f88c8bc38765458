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

/** Direct children of `pid`: from /proc/<pid>/task/<tid>/children, or else every /proc/<n>/stat. */
function childrenOf(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const listed = tasks.map((tid) => read(`/proc/${pid}/task/${tid}/children`));
  if (listed.some((l) => l === undefined) && tasks.length > 0 && read(`/proc/${pid}/stat`) !== undefined) return scanChildren(pid);
  return listed.flatMap((l) => (l ?? '').split(' ').filter(Boolean).map(Number));
}

/** Without CONFIG_PROC_CHILDREN: the processes whose stat names `pid` as parent (field after the name). */
function scanChildren(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    const stat = /^\d+$/u.test(name) ? read(`/proc/${name}/stat`) : undefined;
    if (stat && Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(name));
  }
  return out;
}

/** Every live descendant of `pid` (children, their children …). */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  for (const c of childrenOf(pid)) out.push(c, ...descendants(c));
  return out;
}

/** The command line of a live process (arguments joined by spaces), or undefined once it has ended. */
export function commandLine(pid: number): string | undefined {
  return read(`/proc/${pid}/cmdline`)?.split('\0').join(' ');
}

/** A "Name:  123 kB" field of a /proc file, in bytes; 0 when the file or the field is gone. */
function kbField(path: string, name: string): number {
  const line = (read(path) ?? '').split('\n').find((l) => l.startsWith(`${name}:`));
  return line ? Number(line.replace(/\D+/gu, '')) * 1024 : 0;
}

/** Resident set size in bytes (VmRSS), 0 once the process has ended. */
export function rssBytes(pid: number): number {
  return kbField(`/proc/${pid}/status`, 'VmRSS');
}

/**
 * Proportional set size in bytes (smaps_rollup's Pss), 0 once the process has ended: resident
 * memory with each shared page divided among the processes that map it (node's own code, about
 * 40 MB, is shared by a gateway and its parse children; their RSS counts it once each). Every
 * process mapping a page shares it, unrelated ones too: other node processes on the machine lower it.
 */
export function pssBytes(pid: number): number {
  return kbField(`/proc/${pid}/smaps_rollup`, 'Pss');
}

/** Whether a process exists (and is not a zombie waiting for its parent). */
export function alive(pid: number): boolean {
  const stat = read(`/proc/${pid}/stat`);
  return stat !== undefined && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

/** CPU time used so far in ms (user + system, from /proc/<pid>/stat; clock ticks of 10 ms), 0 once ended. */
export function cpuMs(pid: number): number {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return 0;
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}
