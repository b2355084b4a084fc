// Process trees from /proc (Linux): who descends from a pid, how much memory they hold, whether they are gone.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  /** Clock ticks since boot; with the pid it identifies a process even if the pid is reused. */
  startTime: string;
  state: string;
  comm: string;
}

/** Parses /proc/<pid>/stat; the command name is in parentheses and may itself hold spaces or parentheses. */
export function parseStat(text: string): ProcInfo | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const fields = text
    .slice(close + 2)
    .trim()
    .split(' ');
  // fields[0] is field 3 of proc(5): state, ppid, pgrp, session, …, starttime (field 22).
  const pid = Number(text.slice(0, open).trim());
  const [state, ppid, pgid] = [fields[0], Number(fields[1]), Number(fields[2])];
  const startTime = fields[19];
  if (!state || !startTime || !Number.isInteger(pid)) return undefined;
  return { pid, ppid, pgid, startTime, state, comm: text.slice(open + 1, close) };
}

export function readProc(pid: number): ProcInfo | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

export function listProcesses(): ProcInfo[] {
  const all: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = readProc(Number(entry));
    if (info) all.push(info);
  }
  return all;
}

/** The process and all its live descendants (zombies, which hold no memory and have exited, excluded). */
export function processTree(rootPid: number): ProcInfo[] {
  const all = listProcesses().filter((p) => p.state !== 'Z');
  const children = new Map<number, ProcInfo[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const root = all.find((p) => p.pid === rootPid);
  if (!root) return [];
  const tree: ProcInfo[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const p = queue.shift()!;
    tree.push(p);
    queue.push(...(children.get(p.pid) ?? []));
  }
  return tree;
}

/** Live processes of a process group (the tree may have lost its links to the root when parents exited). */
export function processGroup(pgid: number): ProcInfo[] {
  return listProcesses().filter((p) => p.pgid === pgid && p.state !== 'Z');
}

/** Whether this very process (same pid and start time) still runs (a zombie counts as exited). */
export function isAlive(p: ProcInfo): boolean {
  const now = readProc(p.pid);
  return now !== undefined && now.startTime === p.startTime && now.state !== 'Z';
}

/** Resident set size in kB from /proc/<pid>/status (VmRSS); 0 when the process is gone. */
export function rssKb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** A short label for a process: its command line, absolute paths cut to their last two parts. */
export function describe(pid: number, maxLength = 100): string {
  try {
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .join(' ')
      .replace(/\/(?:[^/\s]+\/)+([^/\s]+\/[^/\s]+)/g, '…/$1');
    return commandLine.length > maxLength ? `${commandLine.slice(0, maxLength - 1)}…` : commandLine;
  } catch {
    return `pid ${pid}`;
  }
}
