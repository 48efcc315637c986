// Printing a report: the text on stdout, the --json line after it, and the exit code it means.
import { redact } from "../runtime/log.ts";
import { type Report, reportJson, reportText } from "../flow/report.ts";

export function printReport(r: Report, json: boolean | undefined): number {
  console.log(redact(reportText(r)));
  if (json) console.log(redact(reportJson(r)));
  return r.failure ? 1 : 0;
}
