import { stat } from 'node:fs/promises';
import { expect } from 'vitest';

const modeOf = async (file: string) => (await stat(file)).mode & 0o777;

/**
 * An embedded store's file stays 0600 through every step that rewrites it: opening, a write,
 * closing (compaction: temp file + rename) and reopening (loading compacts too).
 */
export async function expectPrivateThroughCompaction<S extends { close(): Promise<void> }>(
  file: string,
  open: () => Promise<S>,
  write: (store: S) => Promise<unknown>,
): Promise<void> {
  const store = await open();
  expect(await modeOf(file)).toBe(0o600);
  await write(store);
  await store.close();
  expect(await modeOf(file)).toBe(0o600);
  const reopened = await open();
  expect(await modeOf(file)).toBe(0o600);
  await reopened.close();
  expect(await modeOf(file)).toBe(0o600);
}
