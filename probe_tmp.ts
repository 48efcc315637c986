import { inertMarkdown } from "./lib/upstream/inert.ts";
const t = Deno.readTextFileSync("/dev/stdin");
const a = inertMarkdown(t, { headingFloor: 6 });
const b = inertMarkdown(a, { headingFloor: 1 });
const al = a.split("\n"), bl = b.split("\n");
for (let i = 0; i < Math.max(al.length, bl.length); i++) {
  if (al[i] !== bl[i]) console.log(i, JSON.stringify(al[i]), JSON.stringify(bl[i]));
}
