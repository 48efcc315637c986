// Printing a report: the text on stdout, the --json line after it, and the exit code it means.
import { redact } from "../runtime/log.ts";
import { formatReport, type Report } from "../flow/report.ts";

export function printReport(r: Report, json: boolean | undefined): number {
  console.log(redact(formatReport(r)));
  // The diff was printed above; the JSON line carries everything else.
  if (json) console.log(redact(JSON.stringify({ ...r, diff: undefined })));
  return r.failure ? 1 : 0;
}
