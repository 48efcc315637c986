// The repository-wide scan on a small repository written in the shapes blumeops uses: Nix packages
// with one or two mirrors, Dockerfile packages, service entries found by name or upstream-source.
import assert from "node:assert/strict";
import { isScanned, scanLines, scanRepository } from "../../lib/repository/scan.ts";

const FORGE = ["https://forge.example.org"];

const SERVICES = `# services
services:
  - name: idp
    current-version: "2030.1.0"
    upstream-source: https://github.com/idp/idp/releases
  - name: pusher
    current-version: "v1.2.0"
  - name: store
    current-version: "1.4.2"
  - name: side
    current-version: "2.0.0"
    upstream-source: https://github.com/acme/side-car/releases
  - name: stale
    current-version: "0.1.0"
`;

const FILES: Record<string, string> = {
  "containers/idp/sources.nix": `{ pkgs }:
let version = "2030.1.0"; in {
  inherit version;
  src = pkgs.fetchgit {
    url = "https://forge.example.org/mirrors/idp.git";
    rev = "version/\${version}";
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };
  client-src = pkgs.fetchgit {
    url = "https://forge.example.org/mirrors/idp-client.git";
    rev = "v3.\${version}";
    hash = "sha256-BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };
}
`,
  "containers/idp/default.nix": `{ pkgs }: pkgs.hello // { version = "2030.1.0"; }\n`,
  "containers/pusher/default.nix": `{ pkgs }:
let
  version = "1.2.0";
  src = pkgs.fetchgit {
    url = "https://forge.example.org/mirrors/pusher.git";
    rev = "v\${version}";
    hash = "sha256-CAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };
in src
`,
  "containers/pusher/Dockerfile": "ARG CONTAINER_APP_VERSION=v1.2.0\nFROM alpine\n",
  "containers/store/Dockerfile": `ARG CONTAINER_APP_VERSION=1.4.2
ARG STORE_VERSION=v\${CONTAINER_APP_VERSION}
FROM golang
ARG STORE_VERSION
RUN git clone --depth 1 --branch \${STORE_VERSION} https://forge.example.org/mirrors/store.git /s
`,
  "containers/sidecar/Dockerfile": `ARG CONTAINER_APP_VERSION=2.0.0
FROM python
ARG CONTAINER_APP_VERSION
RUN git clone --branch \${CONTAINER_APP_VERSION} https://forge.example.org/mirrors/side-car.git /k
`,
  "containers/stale/Dockerfile": `ARG CONTAINER_APP_VERSION=0.2.0
RUN git clone --branch \${CONTAINER_APP_VERSION} https://forge.example.org/mirrors/stale.git /x
`,
  "containers/pinned/Dockerfile": `ARG CONTAINER_APP_VERSION=1.0.0
RUN git clone https://forge.example.org/mirrors/pinned.git /x
`,
  "containers/plain/Dockerfile": "ARG CONTAINER_APP_VERSION=3.0.0\nFROM nginx\n",
  "containers/plain/start.sh": "#!/bin/sh\n",
};

function scan(files = FILES, services = SERVICES) {
  const kept = new Map(Object.entries(files).filter(([p]) => isScanned(p)));
  return scanRepository(kept, FORGE, { file: "service-versions.yaml", text: services });
}

Deno.test("every directory building from a mirror at its version, with its kind, tags and entry", () => {
  const s = scan();
  assert.deepEqual(
    s.packages.map((p) => [p.name, p.kind, p.version, p.mirrors, p.service]),
    [
      ["idp", "nix", "2030.1.0", [
        { repo: "mirrors/idp", tag: "version/{version}" },
        { repo: "mirrors/idp-client", tag: "v3.{version}" },
      ], { name: "idp", by: "name" }],
      // Its Dockerfile does not clone: the Nix fetch makes it a Nix package.
      ["pusher", "nix", "1.2.0", [{ repo: "mirrors/pusher", tag: "v{version}" }], {
        name: "pusher",
        by: "name",
      }],
      ["sidecar", "dockerfile", "2.0.0", [{ repo: "mirrors/side-car", tag: "{version}" }], {
        name: "side",
        by: "upstream-source",
      }],
      ["store", "dockerfile", "1.4.2", [{ repo: "mirrors/store", tag: "v{version}" }], {
        name: "store",
        by: "name",
      }],
    ],
  );
  assert.deepEqual(s.packages[0].hashes, ["src", "client-src"]);
  assert.deepEqual(s.packages[3].hashes, []);
});

Deno.test("what cannot be resolved is listed with its reason; a directory naming no mirror is not", () => {
  const s = scan();
  assert.deepEqual(s.unresolved.map((u) => u.dir), ["containers/pinned", "containers/stale"]);
  assert.match(s.unresolved[0].reason, /mirrors\/pinned is cloned without --branch/);
  assert.match(
    s.unresolved[1].reason,
    /its files say 0\.2\.0 but service-versions\.yaml records 0\.1\.0/,
  );
  const lines = scanLines(s);
  assert.equal(lines.length, 7);
  assert.match(
    lines[2],
    /^sidecar +dockerfile +2\.0\.0 +mirrors\/side-car \{version\}.*service: side$/,
  );
  assert.match(lines[5], /^containers\/stale: left out: /);
  // A directory whose version nothing follows is no failure: said apart, as not watched.
  assert.equal(
    lines[6],
    "containers/plain: not watched: its Dockerfile's CONTAINER_APP_VERSION comes from no forge " +
      "mirror (version sources are off)",
  );
});

Deno.test("what is left out or not watched names its service entry when the scan can tell", () => {
  const s = scan(
    { ...FILES, "containers/store-server/Dockerfile": FILES["containers/plain/Dockerfile"] },
    SERVICES + '  - name: plain\n    current-version: "3.0.0"\n',
  );
  // By the directory's name, or the one entry its name extends (store-server is store's).
  assert.deepEqual(s.unwatched.map((u) => [u.dir, u.service]), [
    ["containers/plain", "plain"],
    ["containers/store-server", "store"],
  ]);
  assert.deepEqual(s.unresolved.map((u) => [u.dir, u.service]), [
    ["containers/pinned", undefined],
    ["containers/stale", "stale"],
  ]);
  // With sources on, the reason says nothing in the file uses the version either.
  const on = scanRepository(
    new Map([["containers/plain/Dockerfile", FILES["containers/plain/Dockerfile"]]]),
    FORGE,
    { file: "service-versions.yaml", text: SERVICES },
    true,
  );
  assert.equal(
    on.unwatched[0].reason,
    "its Dockerfile's CONTAINER_APP_VERSION comes from no forge mirror and no command in the " +
      "file uses it",
  );
});

Deno.test("no service entry, or two that name the mirror: left out, never guessed", () => {
  const none = scan(FILES, SERVICES.replace('  - name: store\n    current-version: "1.4.2"\n', ""));
  assert.ok(!none.packages.some((p) => p.name === "store"));
  assert.match(
    none.unresolved.find((u) => u.dir === "containers/store")!.reason,
    /no entry named store, and none whose upstream-source names mirrors\/store/,
  );
  const twice = scan(
    FILES,
    SERVICES + "  - name: other\n    current-version: 2.0.0\n" +
      "    upstream-source: https://github.com/acme/side-car\n",
  );
  assert.match(
    twice.unresolved.find((u) => u.dir === "containers/sidecar")!.reason,
    /several entries name mirror mirrors\/side-car .*side, other/,
  );
});

Deno.test("a Nix mirror fetched at a literal rev, or versions that disagree: left out with why", () => {
  const s = scan({
    "containers/pusher/default.nix": FILES["containers/pusher/default.nix"].replace(
      'rev = "v${version}";',
      'rev = "0123456789abcdef0123456789abcdef01234567";',
    ),
    "containers/idp/sources.nix": FILES["containers/idp/sources.nix"],
    "containers/idp/default.nix": FILES["containers/idp/default.nix"].replace(
      "2030.1.0",
      "2030.2.0",
    ),
  });
  assert.deepEqual(s.packages, []);
  assert.match(s.unresolved[0].reason, /the version literals disagree/);
  assert.match(
    s.unresolved[1].reason,
    /default\.nix:\d+: mirrors\/pusher is fetched at a rev not made from the version/,
  );
});

Deno.test("an indented lower-case ARG is found at its version; one that cannot be ordered is left out with why", () => {
  const files = {
    "containers/store/Dockerfile": `  arg CONTAINER_APP_VERSION="1.4.2"
FROM golang
RUN git clone --branch v\${CONTAINER_APP_VERSION} https://forge.example.org/mirrors/store.git /s
`,
    "containers/side/Dockerfile": `ARG CONTAINER_APP_VERSION=2.0
RUN git clone --branch \${CONTAINER_APP_VERSION} https://forge.example.org/mirrors/side-car.git /k
`,
  };
  const s = scan(files);
  assert.deepEqual(
    s.packages.map((p) => [p.name, p.kind, p.version, p.mirrors[0].tag]),
    [["store", "dockerfile", "1.4.2", "v{version}"]],
  );
  assert.equal(s.unresolved.length, 1, JSON.stringify(s.unresolved));
  assert.equal(s.unresolved[0].dir, "containers/side");
  assert.match(
    s.unresolved[0].reason,
    /line 1: ARG CONTAINER_APP_VERSION "2.0" is not a release version/,
  );
});

Deno.test("a Dockerfile with no mirror whose version ARG reaches pip install is a package only with sources on", () => {
  const files = new Map([
    [
      "containers/devpi/Dockerfile",
      "ARG CONTAINER_APP_VERSION=6.19.1\nFROM python:3.12-slim\nARG CONTAINER_APP_VERSION\n" +
      "ARG V=${CONTAINER_APP_VERSION}\nRUN pip install devpi-server==${V}\n",
    ],
    ["containers/nettest/Dockerfile", "ARG CONTAINER_APP_VERSION=1.0.0\nRUN apk add curl\n"],
  ]);
  const services = {
    file: "service-versions.yaml",
    text: 'services:\n  - name: devpi\n    current-version: "6.19.1"\n',
  };
  assert.deepEqual(scanRepository(files, FORGE, services).packages, []);
  const on = scanRepository(files, FORGE, services, true);
  assert.deepEqual(on.unresolved, []);
  assert.equal(on.packages.length, 1);
  assert.deepEqual(on.packages[0].source, { kind: "pypi", name: "devpi-server" });
  assert.deepEqual(on.packages[0].mirrors, []);
  assert.equal(on.packages[0].version, "6.19.1");
  assert.match(scanLines(on)[0], /^devpi\s+dockerfile\s+6\.19\.1\s+PyPI project devpi-server/);
  // No service entry named like it: left out with why.
  const none = scanRepository(
    files,
    FORGE,
    { ...services, text: "services:\n  - name: other\n" },
    true,
  );
  assert.deepEqual(none.packages, []);
  assert.match(none.unresolved[0].reason, /no entry named devpi/);
});

Deno.test("a source label on github.com: GitHub releases when no forge mirror is cloned, the mirror when one is; a download no source shows says config can name one", () => {
  const label = 'LABEL org.opencontainers.image.source="https://github.com/acme/store"\n';
  const download = "ARG CONTAINER_APP_VERSION=1.4.2\nFROM alpine\nARG CONTAINER_APP_VERSION\n" +
    "RUN ARCH=x && curl -fsSLO https://dl.acme.example/store-${CONTAINER_APP_VERSION}-${ARCH}.tgz\n";
  const files = (dockerfile: string) => new Map([["containers/store/Dockerfile", dockerfile]]);
  const services = { file: "service-versions.yaml", text: SERVICES };
  const labelled = scanRepository(files(download + label), FORGE, services, true);
  assert.deepEqual(labelled.packages.map((p) => [p.name, p.source, p.mirrors]), [
    ["store", { kind: "github", repo: "acme/store" }, []],
  ]);
  assert.match(
    scanLines(labelled)[0],
    /^store\s+dockerfile\s+1\.4\.2\s+GitHub releases of acme\/store/,
  );
  // Cloned from a forge mirror, the label changes nothing: the mirror's tags.
  const mirrored = scanRepository(
    files(FILES["containers/store/Dockerfile"] + label),
    FORGE,
    services,
    true,
  );
  assert.deepEqual(mirrored.packages.map((p) => [p.source, p.mirrors]), [
    [undefined, [{ repo: "mirrors/store", tag: "v{version}" }]],
  ]);
  // No label, or one on another host: not watched, the reason saying where the file fetches it.
  for (const dockerfile of [download, download + label.replace("github.com", "gitlab.com")]) {
    const unwatched = scanRepository(files(dockerfile), FORGE, services, true);
    assert.deepEqual(unwatched.packages, []);
    assert.deepEqual(unwatched.unwatched, [{
      dir: "containers/store",
      reason: "its Dockerfile fetches CONTAINER_APP_VERSION from dl.acme.example (the RUN at " +
        "line 4), no source the bot can tell: packages[].source can name one",
      service: "store",
    }]);
  }
  // A command using the version with no URL, a FROM tag the bot cannot read: said as such.
  const reason = (dockerfile: string) =>
    scanRepository(files(dockerfile), FORGE, services, true).unwatched[0].reason;
  assert.equal(
    reason(
      "ARG CONTAINER_APP_VERSION=1.4.2\nFROM golang\n" +
        "RUN go install example.org/store@v${CONTAINER_APP_VERSION}\n",
    ),
    "its Dockerfile uses CONTAINER_APP_VERSION in the RUN at line 3, no source the bot can " +
      "tell: packages[].source can name one",
  );
  assert.equal(
    reason("ARG CONTAINER_APP_VERSION=1.4.2\nFROM ${REGISTRY}/store:${CONTAINER_APP_VERSION}\n"),
    "its Dockerfile's FROM image is tagged with CONTAINER_APP_VERSION in no way the bot reads: " +
      "packages[].source can name its source",
  );
  // The label alone, nothing fetching the version (the owner's own code, say): not watched.
  const own = scanRepository(
    files("ARG CONTAINER_APP_VERSION=1.4.2\nFROM nginx\nCOPY site /usr/share/nginx\n" + label),
    FORGE,
    services,
    true,
  );
  assert.deepEqual(own.packages, []);
  assert.match(own.unwatched[0].reason, /no forge mirror and no command in the file uses it$/);
});
