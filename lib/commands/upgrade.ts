// `upgrade`: the upgrade on a local git checkout, no forge involved.
import { upgrade } from "../flow/upgrade.ts";
import { printReport } from "./print.ts";
import type { Invocation } from "./usage.ts";

export async function upgradeCommand({ values, common }: Invocation): Promise<number> {
  return printReport(
    await upgrade({ ...common, repo: values.repo ?? ".", version: values.version! }),
    values.json,
  );
}
