import assert from "node:assert/strict";
import { defaultConfig, upgradePath } from "../../lib/site/defaults.ts";
import { loadConfig, packageSpecs, parseConfig, runSettings } from "../../lib/runtime/config.ts";
import { parseBuilder } from "../../lib/runtime/config_schema.ts";

Deno.test("an empty file means the blumeops defaults", () => {
  const config = parseConfig("", "upgrade-bot.yaml");
  assert.equal(config.package.dir, "containers/authentik");
  // Version literals, hash literals and the build file are discovered, not configured.
  assert.deepEqual(config.version, []);
  assert.deepEqual(config.hashes, []);
  assert.equal(config.build.file, "");
  assert.deepEqual(config.build.verify, []);
  assert.equal(config.build.max_rounds, 6);
  assert.equal(config.chain, "upgrade-authentik");
});

Deno.test("values override the defaults and keep the rest", () => {
  const config = parseConfig(
    `
builder: ssh://nix@build.example:2222
package: { dir: pkgs/foo, name: foo }
version: [default.nix, { file: meta.nix, key: ver, within: "pname = \\"foo\\"" }]
hashes:
  - { name: src, attr: src, file: default.nix, key: hash }
  - { name: deps, expr: "(import ./deps.nix {}).fod", file: deps.nix, key: outputHash }
build: { max_rounds: 3, max_jobs: auto, args: ["--option", "substituters", ""] }
`,
    "my.yaml",
  );
  assert.equal(config.source, "my.yaml");
  assert.equal(config.package.name, "foo");
  assert.deepEqual(config.version[1], { file: "meta.nix", key: "ver", within: 'pname = "foo"' });
  assert.equal(config.hashes[1].expr, "(import ./deps.nix {}).fod");
  assert.equal(config.build.max_rounds, 3);
  assert.equal(config.build.max_jobs, "auto");
  assert.equal(config.build.timeout_seconds, defaultConfig().build.timeout_seconds);
  assert.deepEqual(parseBuilder(config.builder), {
    kind: "ssh",
    user: "nix",
    host: "build.example",
    port: 2222,
  });
});

Deno.test("errors name the file, the key and what is wrong", () => {
  const cases: [string, RegExp][] = [
    [
      "build: { max_rounds: 0 }",
      /c\.yaml: build\.max_rounds: expected a positive whole number, got number 0$/,
    ],
    ["build: { max_round: 3 }", /c\.yaml: build\.max_round: unknown key/],
    ["colour: red", /c\.yaml: colour: unknown key/],
    [
      "hashes: [{ name: a, file: x.nix, key: hash, attr: a, expr: b }]",
      /c\.yaml: hashes\[0\]: takes "attr" \(an attribute of build\.file\) or "expr", not both/,
    ],
    [
      "hashes: []",
      /c\.yaml: hashes: needs at least one hash \(leave it out to discover them\)/,
    ],
    [
      "hashes: [{ name: a, attr: 'a b', file: x.nix, key: hash }]",
      /hashes\[0\]\.attr: "a b" is not a Nix attribute path/,
    ],
    [
      "hashes: [{ name: a, attr: a, file: ../x.nix, key: h }]",
      /hashes\[0\]\.file: "\.\.\/x\.nix" must be a relative path/,
    ],
    ["package: { dir: /etc }", /package\.dir: "\/etc" must be a relative path/],
    [
      "builder: ssh://-oProxyCommand=evil",
      /c\.yaml: builder: builder "ssh:\/\/-oProxyCommand=evil": expected/,
    ],
    ["builder: ftp://x", /builder: builder "ftp:\/\/x": expected "local" or "ssh:\/\//],
    ["chain: ../../etc", /chain: "\.\.\/\.\.\/etc" is not a simple name/],
    ["version: []", /c\.yaml: version: needs at least one file/],
    ["build: [1, 2]", /c\.yaml: build: expected a mapping, got a list/],
    [
      "build: { builders: { 'Aarch 64': ssh-ng://a } }",
      /c\.yaml: build\.builders\.Aarch 64: "Aarch 64" is not a Nix system such as aarch64-linux/,
    ],
    [
      "build: { builders: { aarch64-linux: 'ssh-ng://a ; rm -rf /' } }",
      /build\.builders\.aarch64-linux: "ssh-ng:\/\/a ; rm -rf \/" is not a store URI/,
    ],
    [
      "build: { builders: ssh-ng://a }",
      /c\.yaml: build\.builders: expected a mapping of system: store URI, got string/,
    ],
    ["key: [unclosed", /c\.yaml: not valid YAML/],
    [
      "hashes: [{ name: a, attr: a, file: a.nix, key: h }, { name: a, attr: b, file: b.nix, key: h }]",
      /hashes: name "a" is used twice/,
    ],
  ];
  for (const [yaml, expected] of cases) {
    assert.throws(() => parseConfig(yaml, "c.yaml"), expected, yaml);
  }
});

Deno.test("a missing default file means defaults; a missing named file is an error", async () => {
  // Not Deno.chdir: the test files run side by side in one process, which has one directory.
  const dir = await Deno.makeTempDir();
  try {
    assert.equal((await loadConfig(undefined, dir)).source, "built-in defaults");
    await assert.rejects(
      loadConfig(`${dir}/nope.yaml`, dir),
      /nope\.yaml: cannot read config file/,
    );
    await Deno.writeTextFile(`${dir}/upgrade-bot.yaml`, "chain: other\n");
    assert.equal((await loadConfig(undefined, dir)).chain, "other");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("build.env names what builds may see, never the bot's secrets", () => {
  assert.deepEqual(parseConfig("build: { env: [MY_VAR] }", "c.yaml").build.env, ["MY_VAR"]);
  assert.deepEqual(parseConfig("", "c.yaml").build.env, []);
  assert.throws(
    () => parseConfig("build: { env: [FORGE_TOKEN] }", "c.yaml"),
    /c\.yaml: build\.env: FORGE_TOKEN holds a secret of the bot/,
  );
  assert.throws(
    () => parseConfig("webhook: { secret_env: HOOK }\nbuild: { env: [HOOK] }", "c.yaml"),
    /build\.env: HOOK holds a secret/,
  );
  assert.throws(() => parseConfig("build: { env: ['a b'] }", "c.yaml"), /build\.env/);
});

Deno.test("packages: each package over the shared keys, with its own defaults", () => {
  const config = parseConfig(
    `
builder: local
service_versions: { file: versions.yaml }
packages:
  - name: authentik
    dir: containers/authentik/
    mirrors:
      - { repo: mirrors/authentik, tag: "version/{version}" }
      - { repo: mirrors/authentik-client-go, tag: "v3.{version}" }
  - name: ntfy
    dir: containers/ntfy
    mirrors: [{ repo: mirrors/ntfy, tag: "v{version}" }]
    chain: bump-ntfy
    service_versions: null
  - name: foo
    dir: containers/foo
    mirrors: [{ repo: mirrors/foo, tag: "v{version}" }]
`,
    "p.yaml",
  );
  const [a, n, f] = packageSpecs(config);
  assert.equal(packageSpecs(config).length, 3);
  // Its own entry of the shared file, whatever the single-package default names.
  assert.deepEqual(f.service_versions, { file: "versions.yaml", name: "foo" });
  assert.deepEqual([a.name, a.dir], ["authentik", "containers/authentik"]);
  assert.equal(a.chain, "upgrade-authentik");
  assert.equal(a.cards_dir, "docs/how-to/authentik");
  assert.deepEqual(a.service_versions, { file: "versions.yaml", name: "authentik" });
  assert.equal(a.mirrors.length, 2);
  assert.equal(runSettings(config).builder, "local");
  assert.deepEqual([n.name, n.dir], ["ntfy", "containers/ntfy"]);
  assert.equal(n.chain, "bump-ntfy");
  assert.equal(n.cards_dir, "docs/how-to/ntfy");
  assert.equal(n.service_versions, null);
  assert.deepEqual(n.mirrors, [{ repo: "mirrors/ntfy", tag: "v{version}" }]);
  assert.deepEqual([n.version, n.hashes], [[], []]);
  // Without packages: the single package, as before.
  assert.deepEqual(packageSpecs(parseConfig("", "e.yaml")).map((p) => p.name), [
    "authentik",
  ]);
});

Deno.test("deploy: the defaults, overrides, null, and errors naming the key", () => {
  const d = parseConfig("", "e.yaml").deploy!;
  assert.deepEqual(d, {
    registry_url: "https://registry.ops.eblu.me",
    image: "registry.ops.eblu.me/blumeops/{name}",
    tag: "v{version}-{sha7}-nix",
    manifest: "argocd/manifests/{name}/kustomization.yaml",
    credentials_env: null,
    automerge: false,
  });
  assert.equal(parseConfig("deploy: { automerge: true }", "d.yaml").deploy!.automerge, true);
  assert.throws(
    () => parseConfig("deploy: { automerge: yes please }", "d.yaml"),
    /d\.yaml: deploy\.automerge/,
  );
  const o = parseConfig(
    "deploy: { registry_url: http://127.0.0.1:5000/, credentials_env: REG }",
    "d.yaml",
  ).deploy!;
  assert.equal(o.registry_url, "http://127.0.0.1:5000");
  assert.equal(o.credentials_env, "REG");
  assert.equal(o.tag, "v{version}-{sha7}-nix");
  assert.equal(parseConfig("deploy: null", "d.yaml").deploy, null);
  const cases: [string, RegExp][] = [
    ["deploy: { tag: 'v{version}' }", /d\.yaml: deploy\.tag: "v\{version\}" must contain \{sha7\}/],
    [
      "deploy: { image: 'x/{nme}' }",
      /deploy\.image: "x\/\{nme\}" may only hold the placeholders \{name\}/,
    ],
    [
      "deploy: { registry_url: ftp://x }",
      /deploy\.registry_url: "ftp:\/\/x" is not an http\(s\) URL/,
    ],
    [
      "deploy: { credentials_env: 'a b' }",
      /deploy\.credentials_env: "a b" is not an environment variable name/,
    ],
    ["packages: []", /packages: needs at least one package/],
    ["packages: [{ name: a, dir: a }]", /packages\[0\]\.mirrors: /],
    [
      "packages: [{ name: a, dir: a, mirrors: [{repo: m/a, tag: 'v{version}'}] }, { name: a, dir: b, mirrors: [{repo: m/b, tag: 'v{version}'}] }]",
      /packages: name "a" is used twice/,
    ],
    [
      "chain: x\npackages: [{ name: a, dir: a, mirrors: [{repo: m/a, tag: 'v{version}'}] }]",
      /d\.yaml: chain: not with "packages"/,
    ],
    [
      "packages: [{ name: a, dir: ../a, mirrors: [{repo: m/a, tag: 'v{version}'}] }]",
      /packages\[0\]\.dir: "\.\.\/a" must be a relative path/,
    ],
  ];
  for (const [yaml, expected] of cases) {
    assert.throws(() => parseConfig(yaml, "d.yaml"), expected, yaml);
  }
});

Deno.test("upgrade_path: stepwise for authentik, latest for others, per package or shared", () => {
  assert.equal(upgradePath(packageSpecs(parseConfig("", "e.yaml"))[0]), "stepwise");
  assert.equal(
    upgradePath(packageSpecs(parseConfig("package: { name: ntfy }", "e.yaml"))[0]),
    "latest",
  );
  assert.equal(
    upgradePath(packageSpecs(parseConfig("upgrade_path: latest", "e.yaml"))[0]),
    "latest",
  );
  const mirrors = "mirrors: [{ repo: mirrors/x, tag: 'v{version}' }]";
  const several = (shared: string) =>
    packageSpecs(parseConfig(
      `${shared}
packages:
` +
        `  - { name: authentik, dir: a, ${mirrors} }
` +
        `  - { name: ntfy, dir: n, ${mirrors} }
` +
        `  - { name: forgejo, dir: f, ${mirrors}, upgrade_path: stepwise, min_release_age: null }
`,
      "p.yaml",
    ));
  assert.deepEqual(several("").map(upgradePath), ["stepwise", "latest", "stepwise"]);
  assert.deepEqual(several("upgrade_path: latest").map(upgradePath), [
    "latest",
    "latest",
    "stepwise",
  ]);
  assert.deepEqual(several("min_release_age: 3d").map((c) => c.min_release_age), [
    "3d",
    "3d",
    null,
  ]);
  assert.equal(parseConfig("", "e.yaml").min_release_age, null);
  assert.throws(
    () => parseConfig("upgrade_path: newest", "c.yaml"),
    /c\.yaml: upgrade_path: expected "stepwise" or "latest", got string "newest"/,
  );
  assert.throws(
    () => parseConfig("min_release_age: 3 days", "c.yaml"),
    /c\.yaml: min_release_age: "3 days" is not a duration such as 3d, 12h or 1d12h/,
  );
});

Deno.test("release_notes: authentik's file by default, a pattern, null, and errors naming it", () => {
  assert.equal(
    parseConfig("", "c.yaml").release_notes,
    "website/docs/releases/{year}/v{major}.{minor}.md",
  );
  assert.equal(
    parseConfig("release_notes: CHANGES/{version}.md", "c.yaml").release_notes,
    "CHANGES/{version}.md",
  );
  assert.equal(parseConfig("release_notes: null", "c.yaml").release_notes, null);
  assert.throws(
    () => parseConfig("release_notes: notes/{series}.md", "c.yaml"),
    /c\.yaml: release_notes: "notes\/\{series\}\.md" may only hold the placeholders \{version\} \{major\} \{minor\} \{patch\} \{year\}/,
  );
  assert.throws(
    () => parseConfig("release_notes: ../outside.md", "c.yaml"),
    /release_notes: "\.\.\/outside\.md" is not a path inside the mirror's tree/,
  );
  // Per package: authentik keeps its default, another package has none unless it says.
  const several = packageSpecs(parseConfig(
    `packages:
  - { name: authentik, dir: containers/authentik, mirrors: [{ repo: m/a, tag: "v{version}" }] }
  - { name: ntfy, dir: containers/ntfy, mirrors: [{ repo: m/n, tag: "v{version}" }] }
  - name: other
    dir: containers/other
    mirrors: [{ repo: m/o, tag: "v{version}" }]
    release_notes: docs/{version}.md
`,
    "p.yaml",
  ));
  assert.deepEqual(several.map((c) => c.release_notes), [
    "website/docs/releases/{year}/v{major}.{minor}.md",
    null,
    "docs/{version}.md",
  ]);
  assert.throws(
    () =>
      parseConfig(
        `release_notes: x.md\npackages: [{ name: a, dir: a, mirrors: [{ repo: m/a, tag: "v{version}" }] }]`,
        "p.yaml",
      ),
    /p\.yaml: release_notes: not with "packages"/,
  );
});

Deno.test("packages: an Application package carries its files; kind application without them is an error", () => {
  const yaml = `packages:
  - name: external-secrets
    dir: argocd/apps
    kind: application
    mirrors: [{ repo: mirrors/external-secrets, tag: "helm-chart-{version}" }]
    applications: [argocd/apps/external-secrets.yaml, argocd/apps/external-secrets-crds.yaml]
`;
  const [spec] = packageSpecs(parseConfig(yaml, "c.yaml"));
  assert.equal(spec.kind, "application");
  assert.deepEqual(spec.applications, [
    "argocd/apps/external-secrets.yaml",
    "argocd/apps/external-secrets-crds.yaml",
  ]);
  assert.throws(
    () => parseConfig(yaml.replace(/ {4}applications:.*\n/, ""), "c.yaml"),
    /c\.yaml: packages: external-secrets: kind application needs "applications"/,
  );
  assert.throws(
    () => parseConfig(yaml.replace("kind: application", "kind: helm"), "c.yaml"),
    /expected "nix", "dockerfile", "flake", "application" or "image"/,
  );
});

Deno.test("packages: an image package carries its image and no mirrors; registries map hosts to URLs", () => {
  const yaml =
    `registries: { docker.io: "https://cache.example/", ghcr.io: "http://127.0.0.1:5000" }
packages:
  - name: tailscale-operator
    dir: argocd/manifests/tailscale-operator-base
    kind: image
    image:
      name: docker.io/tailscale/k8s-operator
      also: [docker.io/tailscale/tailscale]
      manifests: [argocd/manifests/tailscale-operator-base]
`;
  const config = parseConfig(yaml, "c.yaml");
  const [spec] = packageSpecs(config);
  assert.equal(spec.kind, "image");
  assert.deepEqual(spec.mirrors, []);
  assert.deepEqual(spec.image, {
    name: "docker.io/tailscale/k8s-operator",
    also: ["docker.io/tailscale/tailscale"],
    manifests: ["argocd/manifests/tailscale-operator-base"],
  });
  assert.deepEqual(runSettings(config).registries, {
    "docker.io": "https://cache.example",
    "ghcr.io": "http://127.0.0.1:5000",
  });
  assert.deepEqual(runSettings(parseConfig("forge: { url: http://f }", "c.yaml")).registries, {});
  assert.equal(runSettings(parseConfig("registries: null", "c.yaml")).registries, null);
  assert.throws(
    () => parseConfig(yaml.replace(/ {4}image:\n(?: {6}.*\n)+/, ""), "c.yaml"),
    /c\.yaml: packages\[0\]\.image: kind image needs its image/,
  );
  assert.throws(
    () => parseConfig(yaml.replace("name: docker.io/", "name: Docker.io/"), "c.yaml"),
    /packages\[0\]\.image\.name: "Docker\.io\/tailscale\/k8s-operator" is not an image name/,
  );
  assert.throws(
    () => parseConfig('registries: { "docker.io": "ftp://x" }', "c.yaml"),
    /c\.yaml: registries\.docker\.io: "ftp:\/\/x" is not an http\(s\) URL/,
  );
  assert.throws(
    () => parseConfig('registries: { "Docker Hub": "https://x" }', "c.yaml"),
    /registries.*"Docker Hub" is not a registry host/,
  );
});

Deno.test("a GitHub source: its tag may be left out (settled by the releases); a bad repo or a tag with no {version} is named", () => {
  const packages = (source: string) =>
    `packages:\n  - { name: grafana, dir: containers/grafana, kind: dockerfile, source: ${source} }\n`;
  const config = parseConfig(packages("{ kind: github, repo: grafana/grafana }"), "c.yaml");
  assert.deepEqual(config.packages![0].source, { kind: "github", repo: "grafana/grafana" });
  assert.throws(
    () => parseConfig(packages("{ kind: github, repo: grafana }"), "c.yaml"),
    /c\.yaml: packages\[0\]\.source\.repo: "grafana" is not a GitHub repository/,
  );
  assert.throws(
    () => parseConfig(packages("{ kind: github, repo: a/b, tag: v1 }"), "c.yaml"),
    /source\.tag: "v1" holds no \{version\}/,
  );
});
