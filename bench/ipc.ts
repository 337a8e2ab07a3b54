/** Messages between bench/run.ts and the processes it forks (upstream, proxies). */

/** Parent → child. */
export type ParentMessage =
  /** Report your CPU time now. */
  | { type: 'cpu'; id: number }
  /** Start the V8 CPU profiler (measured phase only), or stop it and write the profile to `file`. */
  | { type: 'profile-start'; id: number }
  | { type: 'profile-stop'; id: number; file: string };

/** Child → parent. */
export type ChildMessage =
  | { type: 'ready'; url: string }
  /** `process.cpuUsage()` of the whole child (all threads: JS, GC, libuv pool), in µs. */
  | { type: 'cpu'; id: number; userUs: number; systemUs: number }
  | { type: 'done'; id: number; error?: string };
