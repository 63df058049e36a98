import { readFileSync } from 'node:fs';
import { round } from './stats.js';

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks (100 on every mainstream kernel). */
const TICKS_PER_SECOND = 100;

/** VmRSS of a process in MiB. */
export function rssMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (!kb) throw new Error(`no VmRSS for pid ${pid}`);
  return round(Number(kb) / 1024, 1);
}

/** User and system CPU time a process has used so far, ms (10 ms resolution). */
export function cpuSplitMs(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name (which may contain spaces): utime is field 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: (Number(fields[11]) * 1000) / TICKS_PER_SECOND, system: (Number(fields[12]) * 1000) / TICKS_PER_SECOND };
}

/** User + system CPU time a process has used so far, ms (10 ms resolution). */
export function cpuMs(pid: number): number {
  const { user, system } = cpuSplitMs(pid);
  return user + system;
}

/** read and write system calls a process has made so far (/proc/<pid>/io). */
export function syscalls(pid: number): { read: number; write: number } {
  const text = readFileSync(`/proc/${pid}/io`, 'utf8');
  return { read: Number(/syscr:\s+(\d+)/.exec(text)?.[1] ?? 0), write: Number(/syscw:\s+(\d+)/.exec(text)?.[1] ?? 0) };
}

/**
 * Voluntary context switches of a process's main thread so far (/proc/<pid>/status): each is the
 * thread going to sleep with nothing to do (an event loop's epoll_wait, Redis's) and being woken
 * again, so the count over a load is the process's wake-ups.
 */
export function voluntarySwitches(pid: number): number {
  const count = /^voluntary_ctxt_switches:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (count === undefined) throw new Error(`no voluntary_ctxt_switches for pid ${pid}`);
  return Number(count);
}
