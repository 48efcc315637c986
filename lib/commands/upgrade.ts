// `upgrade`: the upgrade on a local git checkout, no forge involved.
import { upgrade } from "../flow/local_upgrade.ts";
import { printReport } from "./print.ts";
import type { Invocation } from "./invocation.ts";

export async function upgradeCommand(
  { values, settings, packages }: Invocation,
): Promise<number> {
  return printReport(
    await upgrade(settings, packages[0], values.repo ?? ".", values.version!),
    values.json,
  );
}
