// `run` (cron): the forge's pull request brought up to the newest ready release, under the lock.
import { run } from "../flow/run.ts";
import { connect } from "../platform/connect.ts";
import { withLock } from "../runtime/workspace.ts";
import { printReport } from "./print.ts";
import type { Invocation } from "./usage.ts";

export async function runCommand({ values, config, common }: Invocation): Promise<number> {
  const forge = await connect(config);
  const result = await withLock(
    config,
    "run",
    () => run({ ...common, version: values.version }, forge),
  );
  if (result === null) {
    console.log("skipped: another run holds the lock");
    return 0;
  }
  return printReport(result, values.json);
}
