/**
 * Waits for an observable state instead of a guessed delay: resolves once `condition` holds,
 * checking it every 20 ms. `watched` is the work whose progress it observes (a child process, a
 * restore…): if that settles first, the state can no longer come, so this rejects at once with
 * what it settled with rather than waiting out the test's timeout. There is no deadline of its
 * own: a machine under load is slow, not wrong, and the test's timeout bounds the wait.
 */
export async function until(condition: () => boolean | Promise<boolean>, watched?: Promise<unknown>): Promise<void> {
  let settled: { value: unknown } | undefined;
  watched?.then((value) => { settled = { value }; }, (error: unknown) => { settled = { value: error }; });
  while (!(await condition())) {
    if (settled !== undefined) {
      const value = settled.value instanceof Error ? settled.value.message : JSON.stringify(settled.value);
      throw new Error(`the awaited state never came: the watched work ended first with ${value}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
