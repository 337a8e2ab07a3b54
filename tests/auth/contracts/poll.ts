/**
 * Waits for `check` to return true, asking again every `intervalMs` until `timeoutMs` passes, so
 * tests wait exactly as long as the thing under test needs instead of sleeping a fixed time.
 */
export async function pollUntil(
  check: () => boolean | Promise<boolean>,
  { timeoutMs = 5_000, intervalMs = 25, what = 'condition' } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
