import { readdir, readFile } from 'node:fs/promises';

/** Resident set size in bytes of a process and all its descendants (Linux /proc), 0 when it is gone. */
export async function processTreeRss(rootPid: number): Promise<number> {
  const children = new Map<number, number[]>();
  let total = 0;
  let rssOf = new Map<number, number>();
  try {
    const entries = await readdir('/proc');
    rssOf = new Map();
    for (const e of entries) {
      if (!/^\d+$/.test(e)) continue;
      try {
        const status = await readFile(`/proc/${e}/status`, 'utf8');
        const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
        const rss = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
        const pid = Number(e);
        rssOf.set(pid, rss);
        const list = children.get(ppid);
        if (list) list.push(pid);
        else children.set(ppid, [pid]);
      } catch {
        // The process ended while we looked.
      }
    }
  } catch {
    return 0;
  }
  const stack = [rootPid];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    total += rssOf.get(pid) ?? 0;
    for (const c of children.get(pid) ?? []) stack.push(c);
  }
  return total;
}
