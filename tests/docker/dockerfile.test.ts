// Dockerfile discovery and the version ARG's edit, on Dockerfiles written in the shapes blumeops uses.
import assert from "node:assert/strict";
import {
  discoverDockerfile,
  setDockerfileVersion,
  versionUses,
} from "../../lib/docker/dockerfile.ts";

const FORGE = ["https://forge.example.org"];

/** A two-stage build whose clone tag is `v` + the version, through a second ARG. */
const CHAINED = `# A log store
ARG CONTAINER_APP_VERSION=1.4.2
ARG STORE_VERSION=v\${CONTAINER_APP_VERSION}

FROM golang:alpine AS build
ARG STORE_VERSION
RUN apk add --no-cache git
RUN git clone --depth 1 --branch \${STORE_VERSION} \\
    https://forge.example.org/mirrors/store.git /src
RUN go build -ldflags="-X main.Version=\${STORE_VERSION}" ./cmd/store
FROM alpine
`;

Deno.test("a clone tag made through an ARG chain: v + the version", () => {
  const d = discoverDockerfile(CHAINED, FORGE)!;
  assert.equal(d.literal, "1.4.2");
  assert.equal(d.version, "1.4.2");
  assert.equal(d.line, 2);
  assert.deepEqual(d.mirrors, [{ repo: "mirrors/store", tag: "v{version}", line: 8 }]);
  assert.deepEqual(d.problems, []);
});

Deno.test("a v-prefixed ARG cloned twice (two stages) at its own value: one mirror, tag v{version}", () => {
  const text = `ARG CONTAINER_APP_VERSION=v0.9.1
ARG APP_VERSION=\${CONTAINER_APP_VERSION}
FROM node AS ui
ARG APP_VERSION
RUN git clone --depth 1 --branch \${APP_VERSION} \\
    https://forge.example.org/mirrors/player.git /app
FROM golang AS build
ARG APP_VERSION
RUN apk add git && git clone --depth 1 --branch \${APP_VERSION} \\
    https://forge.example.org/mirrors/player.git /app
`;
  const d = discoverDockerfile(text, FORGE)!;
  assert.equal(d.literal, "v0.9.1");
  assert.equal(d.version, "0.9.1");
  assert.deepEqual(d.mirrors.map((m) => [m.repo, m.tag]), [["mirrors/player", "v{version}"]]);
});

Deno.test("the version ARG itself as --branch, re-declared bare in a stage, mirror with a dash", () => {
  const text = `ARG CONTAINER_APP_VERSION=2.0.0
FROM python AS builder
ARG CONTAINER_APP_VERSION
RUN git clone --depth 1 --branch \${CONTAINER_APP_VERSION} \\
    https://forge.example.org/mirrors/acme-side-car.git /tmp/x
`;
  const d = discoverDockerfile(text, FORGE)!;
  assert.deepEqual(d.mirrors.map((m) => [m.repo, m.tag]), [["mirrors/acme-side-car", "{version}"]]);
});

Deno.test("what cannot be followed is a problem with its line, never a guess", () => {
  const text = `ARG CONTAINER_APP_VERSION=v2.1.0
ARG PIN=0123456789abcdef0123456789abcdef01234567
FROM alpine
RUN git init && git remote add origin https://forge.example.org/mirrors/push.git \\
    && git fetch --depth 1 origin \${PIN}
RUN git clone https://forge.example.org/mirrors/other.git /o
RUN git clone --branch \${NOPE} https://forge.example.org/mirrors/third.git /t
RUN git clone --branch release https://forge.example.org/mirrors/fourth.git /f
`;
  const d = discoverDockerfile(text, FORGE)!;
  assert.deepEqual(d.mirrors, []);
  assert.equal(d.problems.length, 4, d.problems.join("\n"));
  assert.match(d.problems[0], /line 4: mirrors\/push is fetched by "git remote"/);
  assert.match(d.problems[1], /line 6: mirrors\/other is cloned without --branch/);
  assert.match(
    d.problems[2],
    /line 7: mirrors\/third: --branch \$\{NOPE\}: \$\{NOPE\} has no default/,
  );
  assert.match(d.problems[3], /line 8: .*--branch release is not made from CONTAINER_APP_VERSION/);
});

Deno.test("clones from elsewhere are not the forge's; no version ARG: nothing to discover", () => {
  const text = `ARG CONTAINER_APP_VERSION=1.0.0
RUN git clone --branch v1 https://github.com/someone/thing.git /x
`;
  assert.deepEqual(discoverDockerfile(text, FORGE)!.mirrors, []);
  assert.equal(discoverDockerfile("FROM alpine\nRUN true\n", FORGE), null);
  // Not a release version: said, not guessed.
  const odd = discoverDockerfile(
    "ARG CONTAINER_APP_VERSION=latest\nRUN git clone --branch ${CONTAINER_APP_VERSION} " +
      "https://forge.example.org/mirrors/x.git\n",
    FORGE,
  )!;
  assert.match(odd.problems[0], /line 1: .*"latest" is not a release version/);
});

Deno.test("the ARG moves in the file's own style; nothing else changes", () => {
  assert.equal(
    setDockerfileVersion(CHAINED, "1.5.0"),
    CHAINED.replace("ARG CONTAINER_APP_VERSION=1.4.2", "ARG CONTAINER_APP_VERSION=1.5.0"),
  );
  const prefixed = "ARG CONTAINER_APP_VERSION=v0.9.1\nFROM a\nARG CONTAINER_APP_VERSION\n";
  assert.equal(
    setDockerfileVersion(prefixed, "0.10.0"),
    "ARG CONTAINER_APP_VERSION=v0.10.0\nFROM a\nARG CONTAINER_APP_VERSION\n",
  );
  assert.equal(
    setDockerfileVersion('ARG CONTAINER_APP_VERSION="3.0.0"\n', "v3.1.0"),
    'ARG CONTAINER_APP_VERSION="3.1.0"\n',
  );
});

Deno.test("an ARG as Docker accepts it (indented, lower-case, quoted, among others, continued) is found and moved in one place", () => {
  const text = `  arg CONTAINER_APP_VERSION='v1.4.2'
ARG OTHER=1 \\
    CONTAINER_APP_VERSION_NOT=9.9.9
FROM golang
  Arg \\
    STORE="x" CONTAINER_APP_VERSION="v1.4.2"
RUN git clone --branch \${CONTAINER_APP_VERSION} https://forge.example.org/mirrors/store.git /s
`;
  const d = discoverDockerfile(text, FORGE)!;
  assert.equal(d.literal, "v1.4.2");
  assert.equal(d.version, "1.4.2");
  assert.equal(d.line, 1);
  assert.deepEqual(d.problems, []);
  assert.deepEqual(d.mirrors.map((m) => [m.repo, m.tag]), [["mirrors/store", "v{version}"]]);
  const moved = setDockerfileVersion(text, "1.5.0");
  assert.equal(
    moved,
    text.replace("'v1.4.2'", "'v1.5.0'").replace('"v1.4.2"', '"v1.5.0"'),
  );
  // Discovery reads the bump where the bump wrote it.
  assert.equal(discoverDockerfile(moved, FORGE)!.version, "1.5.0");
});

Deno.test("a bump with no version ARG to move fails, naming the file; a comment is no ARG", () => {
  assert.throws(
    () =>
      setDockerfileVersion("# ARG CONTAINER_APP_VERSION=1.0.0\nFROM a\n", "1.1.0", "x/Dockerfile"),
    /x\/Dockerfile: no ARG CONTAINER_APP_VERSION= with a value to move/,
  );
  assert.throws(
    () => setDockerfileVersion("FROM a\nARG CONTAINER_APP_VERSION\n", "1.1.0"),
    /Dockerfile: no ARG CONTAINER_APP_VERSION=/,
  );
});

Deno.test("labels: key=value pairs quoted or bare, a quoted key, several on one line, the old one-pair form, the last of a key winning", () => {
  const text = `ARG CONTAINER_APP_VERSION=1.0.0
FROM alpine:3.22
LABEL org.opencontainers.image.title="A \\"quoted\\" title"
LABEL org.opencontainers.image.source=https://github.com/acme/tool \\
      "org.opencontainers.image.vendor"='Acme Inc'
# LABEL commented=out
label maintainer someone at example.org
LABEL org.opencontainers.image.source="https://github.com/acme/tool-2"
`;
  assert.deepEqual(Object.fromEntries(versionUses(text).labels), {
    "org.opencontainers.image.title": 'A "quoted" title',
    "org.opencontainers.image.source": "https://github.com/acme/tool-2",
    "org.opencontainers.image.vendor": "Acme Inc",
    maintainer: "someone at example.org",
  });
  assert.deepEqual(versionUses("FROM a\nLABEL\n").labels, new Map());
});

Deno.test("a command's word with a reference no ARG defaults (set by the command) still shows the version", () => {
  const text = `ARG CONTAINER_APP_VERSION=12.3.3
FROM alpine:3.22
ARG CONTAINER_APP_VERSION
ARG TOOL_VERSION=\${CONTAINER_APP_VERSION}
RUN ARCH=amd64 && \\
    url="https://dl.example.org/tool-\${TOOL_VERSION}.linux-\${ARCH}.tar.gz" && \\
    curl -fSL "$url" | tar -xz
RUN echo $ARCH
`;
  assert.deepEqual(versionUses(text).commands, [
    { line: 5, words: ['url="https://dl.example.org/tool-{version}.linux-${ARCH}.tar.gz"'] },
  ]);
});
