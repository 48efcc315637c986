// What the dashboard says of each service beside its upgrade: its built image's pin and its drift (pure).
import type { PinOutcome } from "../flow/pins.ts";

/** Service -> the notes its row shows: an image's pin (its tag when pinned, else where the pin
 * stands), then each drift found. Raw text: the renderer escapes it. */
export function serviceNotes(
  pins: Pick<PinOutcome, "image" | "state" | "tag" | "services" | "pull">[],
  drift: Record<string, string[]>,
): Map<string, string[]> {
  const notes = new Map<string, string[]>();
  const add = (service: string, note: string) =>
    notes.set(service, [...notes.get(service) ?? [], note]);
  for (const p of pins) {
    const text = p.state === "pinned"
      ? `${p.image} pinned at ${p.tag}`
      : p.state === "open" || p.state === "opened" || p.state === "declined"
      ? `${p.image} pin to ${p.tag}: pull request ${p.pull ? `#${p.pull.number}` : "(dry run)"}` +
        (p.state === "declined" ? " closed unmerged" : "")
      : p.state === "skipped"
      ? null
      : `${p.image} pin${p.tag === null ? "" : ` to ${p.tag}`}: ${p.state}`;
    if (text) { for (const s of p.services) add(s, text); }
  }
  for (const [service, list] of Object.entries(drift)) {
    for (const d of list) add(service, `drift: ${d}`);
  }
  return notes;
}
