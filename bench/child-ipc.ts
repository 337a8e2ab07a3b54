import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector';
import type { ChildMessage, ParentMessage } from './ipc.js';

/**
 * Child side of the bench protocol: announces `url`, answers CPU queries, profiles on request,
 * and exits when the parent goes away (IPC closed: Ctrl-C, crash, SIGKILL), so no child
 * outlives a run.
 */
export function serveParent(url: string): void {
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error('bench children must be started by bench/run.ts (no IPC channel)');
  const reply = (message: ChildMessage) => send(message);
  let session: Session | undefined;
  const post = (method: string) =>
    new Promise<unknown>((resolve, reject) => {
      session?.post(method, (err, result) => (err ? reject(err) : resolve(result)));
    });

  process.on('message', (message: ParentMessage) => {
    switch (message.type) {
      case 'cpu': {
        const usage = process.cpuUsage();
        return reply({ type: 'cpu', id: message.id, userUs: usage.user, systemUs: usage.system });
      }
      case 'profile-start': {
        session = new Session();
        session.connect();
        return void post('Profiler.enable')
          .then(() => post('Profiler.start'))
          .then(
            () => reply({ type: 'done', id: message.id }),
            (err: unknown) => reply({ type: 'done', id: message.id, error: String(err) }),
          );
      }
      case 'profile-stop': {
        return void post('Profiler.stop')
          .then((result) => writeFile(message.file, JSON.stringify((result as { profile: unknown }).profile)))
          .then(
            () => reply({ type: 'done', id: message.id }),
            (err: unknown) => reply({ type: 'done', id: message.id, error: String(err) }),
          )
          .finally(() => session?.disconnect());
      }
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  reply({ type: 'ready', url });
}

/** The JSON argument a child was started with. */
export function childArgs<T>(): T {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error('missing child arguments');
  return JSON.parse(raw) as T;
}
