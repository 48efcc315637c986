// Commit pins on strings: ntfy's Dockerfile as the real repository writes it, moved with the version.
import assert from "node:assert/strict";
import { commitPins, movePins, pinLeftLine, pinTiedLine } from "../../lib/docker/commit_pins.ts";
import { pullBody } from "../../lib/mikado/pull_text.ts";
import type { PullFacts } from "../../lib/mikado/pull_text.ts";

const OLD = "a03a37feb1869e84e3af0dd6190bdc7183f211ec";
const NEW = "0123456789abcdef0123456789abcdef01234567";
const FILE = "containers/ntfy/Dockerfile";
const WHY = "not the commit of 2.17.0's or 2.18.0's tag on any of the package's mirrors";

/** The head of the real containers/ntfy/Dockerfile (eblume/blumeops), one stage of it. */
const NTFY = `# ntfy push notification server
ARG CONTAINER_APP_VERSION=v2.18.0
ARG NTFY_VERSION=\${CONTAINER_APP_VERSION}
ARG NTFY_COMMIT=${OLD}

FROM golang:alpine3.22 AS build

ARG NTFY_VERSION
ARG NTFY_COMMIT
RUN mkdir /app && cd /app \\
    && git remote add origin https://forge.ops.eblu.me/mirrors/ntfy.git \\
    && git fetch --depth 1 origin \${NTFY_COMMIT} \\
    && git checkout FETCH_HEAD
`;

const old = [{ repo: "mirrors/ntfy", tag: "v2.17.0", commit: OLD }];
const next = [{ repo: "mirrors/ntfy", tag: "v2.18.0", commit: NEW }];

Deno.test("commitPins: ARG lines whose default is a full commit, and only those", () => {
  assert.deepEqual(commitPins(NTFY), [{ arg: "NTFY_COMMIT", value: OLD, line: 4 }]);
  const others = [
    "ARG SHORT=a03a37f",
    `ARG LONGER=${OLD}00`,
    `ARG TWO=${OLD} THREE=${NEW}`,
    `# ARG COMMENTED=${OLD}`,
    `ENV NOT_AN_ARG=${OLD}`,
    `ARG QUOTED="${NEW}"`,
    `  arg lower=${NEW}`,
  ].join("\n");
  assert.deepEqual(commitPins(others), [
    { arg: "QUOTED", value: NEW, line: 6 },
    { arg: "lower", value: NEW, line: 7 },
  ]);
});

Deno.test("movePins: the old release's commit moved to the new one's, nothing else changed", () => {
  const { text, pins } = movePins(NTFY, FILE, old, next, WHY);
  assert.equal(text, NTFY.replace(`NTFY_COMMIT=${OLD}`, `NTFY_COMMIT=${NEW}`));
  assert.deepEqual(pins, [{
    file: FILE,
    arg: "NTFY_COMMIT",
    line: 4,
    old: OLD,
    new: NEW,
    repo: "mirrors/ntfy",
    tag: "v2.18.0",
    left: null,
  }]);
  assert.equal(
    pinTiedLine(pins[0]),
    `${FILE}:4: ARG NTFY_COMMIT moved from ${OLD} to ${NEW}, the commit of v2.18.0 on mirrors/ntfy`,
  );
});

Deno.test("movePins: the file keeps its style (quotes, CRLF, upper-case hex)", () => {
  const crlf = `ARG A="${OLD}"\r\nARG B=${OLD.toUpperCase()}\r\n`;
  assert.equal(
    movePins(crlf, FILE, old, next, WHY).text,
    `ARG A="${NEW}"\r\nARG B=${NEW.toUpperCase()}\r\n`,
  );
});

Deno.test("movePins: a pin tied to no old tag's commit is left and said", () => {
  const other = "ffffffffffffffffffffffffffffffffffffffff";
  const text = `${NTFY}ARG HELPER_COMMIT=${other}\n`;
  const moved = movePins(text, FILE, old, next, WHY);
  assert.equal(moved.text, text.replace(`NTFY_COMMIT=${OLD}`, `NTFY_COMMIT=${NEW}`));
  const left = moved.pins.find((p) => p.arg === "HELPER_COMMIT")!;
  assert.deepEqual(left, {
    file: FILE,
    arg: "HELPER_COMMIT",
    line: 14,
    old: other,
    new: null,
    repo: null,
    tag: null,
    left: WHY,
  });
  assert.equal(
    pinLeftLine(left),
    `${FILE}:14: ARG HELPER_COMMIT=${other} left as it was (${WHY}): the bot could not tie it ` +
      "to the old release; a person should check it",
  );
});

Deno.test("movePins: no commits known (upgrade, no forge): every pin left", () => {
  const moved = movePins(NTFY, FILE, [], [], "`upgrade` asks no forge");
  assert.equal(moved.text, NTFY);
  assert.deepEqual(moved.pins.map((p) => [p.arg, p.new, p.left]), [
    ["NTFY_COMMIT", null, "`upgrade` asks no forge"],
  ]);
});

Deno.test("movePins: a pin at the new release's commit already is tied, not moved", () => {
  const at = NTFY.replace(OLD, NEW);
  const moved = movePins(at, FILE, [], next, WHY);
  assert.equal(moved.text, at);
  assert.deepEqual(moved.pins.map((p) => [p.new, p.tag, p.left]), [[NEW, "v2.18.0", null]]);
  assert.match(pinTiedLine(moved.pins[0]), /ARG NTFY_COMMIT pins 0123456789abcdef/);
});

Deno.test("movePins: only a well-formed commit the forge reported is written; never a guess", () => {
  // The new tag's commit is not 40 lower-case hex: the pin stays.
  const bad = [{ repo: "mirrors/ntfy", tag: "v2.18.0", commit: "$(rm -rf /)" }];
  assert.equal(movePins(NTFY, FILE, old, bad, WHY).text, NTFY);
  // The old commit is the old tag on another mirror than the new tag's: no move.
  const elsewhere = [{ repo: "mirrors/other", tag: "v2.18.0", commit: NEW }];
  assert.equal(movePins(NTFY, FILE, old, elsewhere, WHY).pins[0].left, WHY);
  // Two mirrors' old tags name the commit and their new tags differ: ambiguous, left.
  const both = [...old, { repo: "mirrors/fork", tag: "v2.17.0", commit: OLD }];
  const two = [...next, { repo: "mirrors/fork", tag: "v2.18.0", commit: "f".repeat(40) }];
  const ambiguous = movePins(NTFY, FILE, both, two, WHY);
  assert.equal(ambiguous.text, NTFY);
  assert.equal(ambiguous.pins[0].left, WHY);
  // The same commit on both: one answer, moved.
  const same = [...next, { repo: "mirrors/fork", tag: "v2.18.0", commit: NEW }];
  assert.equal(movePins(NTFY, FILE, both, same, WHY).pins[0].new, NEW);
});

Deno.test("pullBody: the commit pins, moved and left, each named with its file", () => {
  const moved = movePins(`${NTFY}ARG HELPER_COMMIT=${"e".repeat(40)}\n`, FILE, old, next, WHY);
  const facts: PullFacts = {
    package: "ntfy",
    chain: "upgrade-ntfy",
    from: "2.17.0",
    to: "2.18.0",
    date: "2026-12-03",
    pkgDir: "containers/ntfy",
    hashes: [],
    mirrors: [],
    builds: 1,
    seconds: 1,
    builder: "local",
    verified: true,
    failure: null,
    graph: "upgrade-ntfy",
    mentions: [],
    prerequisite: null,
    pins: moved.pins,
  };
  const body = pullBody(facts);
  assert.ok(
    body.includes(
      `- \`${FILE}\`: \`ARG NTFY_COMMIT\` moved to \`${NEW}\`, the commit of \`v2.18.0\` on ` +
        `\`mirrors/ntfy\` (was \`${OLD}\`).`,
    ),
    body,
  );
  assert.ok(
    body.includes(
      `- **Check by hand:** \`${FILE}:14\`: \`ARG HELPER_COMMIT=${"e".repeat(40)}\` was left as ` +
        `it was (${WHY}): the bot could not tie it to the old release; a person should check it.`,
    ),
    body,
  );
  assert.ok(!pullBody({ ...facts, pins: [] }).includes("### Commit pins"));
});
