import { readdirSync, readFileSync } from 'node:fs';

/** Per thread of a Linux process: ns spent running on a CPU and ns spent runnable but waiting for one. */
export type ThreadTimes = Map<number, { runNs: number; waitNs: number }>;

/** A snapshot of /proc/<pid>/task/<tid>/schedstat for every thread; empty where /proc has none. */
export function threadTimes(pid: number): ThreadTimes {
  const out: ThreadTimes = new Map();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(' ');
      out.set(Number(tid), { runNs: Number(run), waitNs: Number(wait) });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

export interface ThreadSplit {
  /** The main thread (the event loop: tid = pid), in cores: running, and runnable but not scheduled. */
  mainCores: number;
  mainWaitCores: number;
  /** All other threads (libuv pool, where argon2 runs, plus V8's GC helpers), likewise. */
  otherCores: number;
  otherWaitCores: number;
}

/**
 * Where a process's time went between two snapshots. "Wait" separates a thread the machine starved
 * (runnable, no free core) from one that had nothing to do: a hashing thread that runs 0.5 cores
 * and waits 0.4 was crowded out by other processes, not left idle by the queue.
 */
export function threadSplit(pid: number, before: ThreadTimes, after: ThreadTimes, wallS: number): ThreadSplit {
  const split = { mainCores: 0, mainWaitCores: 0, otherCores: 0, otherWaitCores: 0 };
  for (const [tid, now] of after) {
    const then = before.get(tid) ?? { runNs: 0, waitNs: 0 };
    const run = (now.runNs - then.runNs) / 1e9 / wallS;
    const wait = (now.waitNs - then.waitNs) / 1e9 / wallS;
    if (tid === pid) {
      split.mainCores += run;
      split.mainWaitCores += wait;
    } else {
      split.otherCores += run;
      split.otherWaitCores += wait;
    }
  }
  return split;
}
