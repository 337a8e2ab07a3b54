import { prettyFactory } from 'pino-pretty';

/**
 * How `npm start` shows its children's log lines in a terminal. The services write JSON lines (the
 * default, and what log collectors want); for a person watching one terminal this turns each into
 * one short readable line, and keeps the start-up chatter from burying the welcome banner:
 *  - until the stack is ready, only warnings and errors are shown (unless LOG_LEVEL was set);
 *  - request lines of /healthz and /readyz (the launcher's and the services' own polling) never are;
 *  - a request line reads `GET /api/notes 401 1.28 ms`, other lines their message and fields.
 * A line that is not JSON (a stack trace, a crash) passes through unchanged.
 */
export interface TerminalLog {
  /** The line to print, or undefined to drop it. */
  format(line: string): string | undefined;
  /** The banner is out: from now on info lines are shown too. */
  ready(): void;
}

interface LogLine {
  level?: number;
  msg?: string;
  method?: string;
  path?: string;
  route?: string;
  status?: number;
  ms?: number;
}

const WARN = 40;
const PROBES = new Set(['/healthz', '/readyz']);

export function createTerminalLog({ colorize, quietStart }: { colorize: boolean; quietStart: boolean }): TerminalLog {
  const pretty = prettyFactory({
    colorize,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss',
    // The launcher prefixes each line with the process name; ids and pids are noise here.
    ignore: 'pid,hostname,service,name,reqId,method,route,path,status,ms',
    messageFormat: (log, messageKey) => {
      const entry = log as LogLine;
      return entry.msg === 'request' ? `${entry.method} ${entry.path} ${entry.status} ${entry.ms} ms` : String(log[messageKey] ?? '');
    },
  });
  let started = !quietStart;

  return {
    format(line) {
      let entry: LogLine;
      try {
        entry = JSON.parse(line) as LogLine;
      } catch {
        return line;
      }
      if (typeof entry !== 'object' || entry === null || typeof entry.level !== 'number') return line;
      const level = entry.level;
      if (!started && level < WARN) return undefined;
      if (entry.msg === 'request' && PROBES.has(entry.route ?? '') && (entry.status ?? 0) < 400) return undefined;
      return pretty(entry).trimEnd();
    },
    ready() {
      started = true;
    },
  };
}
