// Durations as people write them in the config (`3d`, `12h`, `1d12h`, `90m`) and read them in output.

const UNITS: Record<string, number> = { w: 7 * 86400, d: 86400, h: 3600, m: 60, s: 1 };

/** Seconds of a duration like `3d`, `12h` or `1d12h` (units w d h m s, each once, largest
 * first); null when `text` is not one. */
export function parseDuration(text: string): number | null {
  const m = /^(?:(\d{1,4})w)?(?:(\d{1,5})d)?(?:(\d{1,6})h)?(?:(\d{1,7})m)?(?:(\d{1,9})s)?$/.exec(
    text.trim(),
  );
  if (!m || text.trim() === "") return null;
  const seconds = ["w", "d", "h", "m", "s"].reduce(
    (sum, unit, i) => sum + Number(m[i + 1] ?? 0) * UNITS[unit],
    0,
  );
  return seconds;
}

/** A duration as its two largest units: `2d 4h`, `5h 12m`, `40s`. */
export function formatDuration(seconds: number): string {
  let left = Math.max(0, Math.floor(seconds));
  const parts: string[] = [];
  for (const unit of ["d", "h", "m", "s"]) {
    const n = Math.floor(left / UNITS[unit]);
    left -= n * UNITS[unit];
    if (n > 0 || (unit === "s" && parts.length === 0)) parts.push(`${n}${unit}`);
  }
  return parts.slice(0, 2).join(" ");
}
