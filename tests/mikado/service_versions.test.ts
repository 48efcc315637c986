// service-versions.yaml: the recorded version and review date change, every other byte stays.
import assert from "node:assert/strict";
import { parse } from "yaml";
import { updateServiceVersions } from "../../lib/mikado/service_versions.ts";
import { serviceVersionsYaml } from "../support/fixture.ts";

// The fixture's service-versions.yaml, at 2026.2.0.
const SERVICE_VERSIONS = serviceVersionsYaml("2026.2.0");

/** Lines of `after` that differ from `before` at the same index (both must have as many). */
function changedLines(before: string, after: string): string[] {
  const a = before.split("\n");
  const b = after.split("\n");
  assert.equal(b.length, a.length);
  return b.filter((l, i) => l !== a[i]);
}

// The repository's shape: a commented mapping whose `services:` key holds the list, dates quoted
// in one entry and plain in another, a `v` prefix, nulls.
const SV_MAPPING = `# Service Version Tracking
#
# Fields:
#   last-reviewed   - date (YYYY-MM-DD) or null
#   current-version - deployed version string or null

services:
  - name: ntfy
    type: argocd
    last-reviewed: 2026-02-17
    current-version: "v2.17.0"
    upstream-source: https://example.invalid/ntfy/releases

  - name: authentik
    type: argocd
    last-reviewed: "2026-03-01"
    current-version: "2026.2.0"
    upstream-source: https://example.invalid/authentik/releases

  - name: newcomer
    type: argocd
    last-reviewed: null
    current-version: null # not deployed yet
    upstream-source: null
`;

const TODAY = "2026-11-22";

Deno.test("updateServiceVersions: a services: mapping; version and review date change, nothing else", () => {
  const out = updateServiceVersions(
    SV_MAPPING,
    "service-versions.yaml",
    "authentik",
    "2026.5.0",
    TODAY,
  );
  assert.deepEqual(changedLines(SV_MAPPING, out), [
    '    last-reviewed: "2026-11-22"',
    '    current-version: "2026.5.0"',
  ]);
  assert.equal(
    out,
    SV_MAPPING.replace('"2026-03-01"', '"2026-11-22"').replace('"2026.2.0"', '"2026.5.0"'),
  );
  const services = parse(out).services;
  assert.equal(services[1]["current-version"], "2026.5.0");
  assert.equal(services[1]["last-reviewed"], "2026-11-22");
});

Deno.test("updateServiceVersions: a plain date stays plain; a v prefix is kept", () => {
  const out = updateServiceVersions(SV_MAPPING, "sv.yaml", "ntfy", "2.18.0", TODAY);
  assert.deepEqual(changedLines(SV_MAPPING, out), [
    "    last-reviewed: 2026-11-22",
    '    current-version: "v2.18.0"',
  ]);
  // A version that has its own prefix gets no second one.
  const own = updateServiceVersions(SV_MAPPING, "sv.yaml", "ntfy", "v2.18.0", TODAY);
  assert.equal(own, out);
  // No prefix where the old value had none.
  assert.match(
    updateServiceVersions(SV_MAPPING, "sv.yaml", "authentik", "2026.5.0", TODAY),
    /current-version: "2026\.5\.0"/,
  );
});

Deno.test("updateServiceVersions: null and empty values are replaced, comments kept", () => {
  const out = updateServiceVersions(SV_MAPPING, "sv.yaml", "newcomer", "1.2.3", TODAY);
  assert.deepEqual(changedLines(SV_MAPPING, out), [
    "    last-reviewed: 2026-11-22",
    "    current-version: 1.2.3 # not deployed yet",
  ]);
  const empty = "services:\n  - name: x\n    last-reviewed:\n    current-version: ~\n";
  assert.equal(
    updateServiceVersions(empty, "sv.yaml", "x", "1.2.3", TODAY),
    "services:\n  - name: x\n    last-reviewed: 2026-11-22\n    current-version: 1.2.3\n",
  );
});

Deno.test("updateServiceVersions: a top-level list works too", () => {
  const out = updateServiceVersions(SERVICE_VERSIONS, "sv.yaml", "authentik", "2026.5.0", TODAY);
  assert.deepEqual(changedLines(SERVICE_VERSIONS, out), [
    '  current-version: "2026.5.0"',
    "  last-reviewed: 2026-11-22",
  ]);
  const entry = parse(out).find((s: { name: string }) => s.name === "authentik");
  assert.equal(entry["current-version"], "2026.5.0");
  assert.equal(entry["last-reviewed"], "2026-11-22");
});

Deno.test("updateServiceVersions: the scalar style and a trailing comment are kept", () => {
  const yaml = (v: string, d = "2026-03-01") =>
    `- name: authentik\n  current-version: ${v}   # pinned\n  last-reviewed: ${d}\n  other: 1\n`;
  const set = (text: string, version: string) =>
    updateServiceVersions(text, "sv.yaml", "authentik", version, TODAY);
  assert.equal(set(yaml("2026.2.0"), "2026.5.0"), yaml("2026.5.0", TODAY));
  assert.equal(set(yaml("'2026.2.0'", "'x'"), "2026.5.0"), yaml("'2026.5.0'", `'${TODAY}'`));
  assert.equal(set(yaml('"2026.2.0"'), "2026.5.0-rc1"), yaml('"2026.5.0-rc1"', TODAY));
  // A plain value that would read back as a number is quoted instead.
  const numeric = set(yaml("1.4.0"), "1.5");
  assert.equal(parse(numeric)[0]["current-version"], "1.5");
  const flow = "[{name: authentik, current-version: 2026.2.0, last-reviewed: null}]\n";
  assert.equal(
    set(flow, "2026.5.0"),
    "[{name: authentik, current-version: 2026.5.0, last-reviewed: 2026-11-22}]\n",
  );
});

Deno.test("updateServiceVersions: errors name the file and what is missing", () => {
  const cases: [string, string, RegExp][] = [
    ["name: authentik\n", "2026.5.0", /^sv\.yaml: no list of services \(expected a top-level/],
    ["services:\n  name: authentik\n", "2026.5.0", /^sv\.yaml: no list of services/],
    ["# only a comment\n", "2026.5.0", /^sv\.yaml: no list of services/],
    [
      "services:\n  - name: argocd\n    current-version: x\n",
      "2026.5.0",
      /^sv\.yaml: no service named "authentik"$/,
    ],
    [
      "- name: authentik\n  last-reviewed: null\n",
      "2026.5.0",
      /^sv\.yaml: service "authentik" has no current-version value$/,
    ],
    [
      "services:\n  - name: authentik\n    current-version: 2026.2.0\n",
      "2026.5.0",
      /^sv\.yaml: service "authentik" has no last-reviewed value$/,
    ],
    [
      "- name: authentik\n  current-version: [1]\n  last-reviewed: null\n",
      "2026.5.0",
      /^sv\.yaml: service "authentik" has no current-version value$/,
    ],
    [
      "- name: authentik\n  current-version: |\n    2026.2.0\n  last-reviewed: null\n",
      "2026.5.0",
      /^sv\.yaml: current-version of "authentik" is a block scalar/,
    ],
    ["- name: [unclosed\n", "2026.5.0", /^sv\.yaml: not valid YAML/],
    [SV_MAPPING, "2026.5.0\n- name: evil", /^sv\.yaml: version .* spans lines$/],
  ];
  for (const [text, version, expected] of cases) {
    assert.throws(() => updateServiceVersions(text, "sv.yaml", "authentik", version, TODAY), {
      name: "InputError",
      message: expected,
    });
  }
  assert.throws(
    () => updateServiceVersions(SV_MAPPING, "sv.yaml", "authentik", "2026.5.0", "22.11.2026"),
    { name: "InputError", message: /^sv\.yaml: review date "22\.11\.2026" is not YYYY-MM-DD$/ },
  );
});
