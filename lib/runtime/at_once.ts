// Running tasks side by side, at most so many at a time, none left running behind the caller.

/** Runs the tasks in their order, at most `limit` at a time. A task that throws stops the start of
 * any further task (a task handles what it can go on from; what it throws stops the run), while the
 * ones running go on to their end; then the first error thrown, by task order, is thrown. */
export async function atOnce(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const errors: { index: number; error: unknown }[] = [];
  const worker = async () => {
    while (next < tasks.length && errors.length === 0) {
      const index = next++;
      try {
        await tasks[index]();
      } catch (error) {
        errors.push({ index, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (errors.length) throw errors.sort((a, b) => a.index - b.index)[0].error;
}
