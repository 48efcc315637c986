// The ARG sources' pure parts on strings: discovery from a Dockerfile, PyPI's JSON answer, an APKINDEX.tar.gz, the newest version above the current one.
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import {
  discoverSource,
  newerThan,
  sourceLabel,
  sourcePage,
  SOURCES,
} from "../../lib/sources/source.ts";
import { pypiUrl, pypiVersions } from "../../lib/sources/pypi.ts";
import { apkIndexText, apkIndexUrl, apkVersions } from "../../lib/sources/alpine.ts";
import { baseImage, tagVersions } from "../../lib/sources/registry_base.ts";
import { githubRepoOf, releaseTags, releaseTemplate } from "../../lib/sources/github.ts";
import { InputError } from "../../lib/runtime/errors.ts";
import { tarOf } from "../support/arg_sources.ts";

const DEVPI = `ARG CONTAINER_APP_VERSION=6.19.1

FROM python:3.12-slim

ARG CONTAINER_APP_VERSION
ARG DEVPI_SERVER_VERSION=\${CONTAINER_APP_VERSION}
ARG DEVPI_WEB_VERSION=5.0.1

RUN pip install --no-cache-dir \\
    devpi-server==\${DEVPI_SERVER_VERSION} \\
    devpi-web==\${DEVPI_WEB_VERSION}
`;

const TRANSMISSION = `ARG CONTAINER_APP_VERSION=4.1.1-r1

FROM alpine:3.22

ARG CONTAINER_APP_VERSION
ARG TRANSMISSION_VERSION=\${CONTAINER_APP_VERSION}

# Transmission 4.1.x is only in edge
RUN apk add --no-cache \\
    --repository=https://dl-cdn.alpinelinux.org/alpine/edge/community \\
    transmission-daemon=\${TRANSMISSION_VERSION} \\
    transmission-cli=\${TRANSMISSION_VERSION} \\
    && apk add --no-cache bash
`;

Deno.test("discovery: pip install name==${ARG} through another ARG is PyPI's project", () => {
  assert.deepEqual(discoverSource(DEVPI), { kind: "pypi", name: "devpi-server" });
  // DEVPI_WEB_VERSION is another ARG: not the version's.
  assert.equal(discoverSource(DEVPI.replace("devpi-server==", "devpi-server>=")), null);
  assert.deepEqual(
    discoverSource(DEVPI.replace("pip install", "python3 -m pip install")),
    { kind: "pypi", name: "devpi-server" },
  );
  assert.deepEqual(
    discoverSource(DEVPI.replace("devpi-server==", "devpi-server[web]==")),
    { kind: "pypi", name: "devpi-server" },
  );
});

Deno.test("discovery: apk add name=${ARG}: the --repository named, else the FROM branch", () => {
  assert.deepEqual(discoverSource(TRANSMISSION), {
    kind: "alpine",
    name: "transmission-daemon",
    repositories: ["edge/community"],
  });
  const noRepo = TRANSMISSION.replace(
    "    --repository=https://dl-cdn.alpinelinux.org/alpine/edge/community \\\n",
    "",
  );
  assert.deepEqual(discoverSource(noRepo), {
    kind: "alpine",
    name: "transmission-daemon",
    repositories: ["v3.22/main", "v3.22/community"],
  });
  // Another mirror's URL is kept whole.
  const elsewhere = TRANSMISSION.replace(
    "https://dl-cdn.alpinelinux.org/alpine",
    "https://m.example/a",
  );
  assert.deepEqual(discoverSource(elsewhere), {
    kind: "alpine",
    name: "transmission-daemon",
    repositories: ["https://m.example/a/edge/community"],
  });
  // Not alpine, no --repository: no index to tell.
  assert.equal(discoverSource(noRepo.replace("FROM alpine:3.22", "FROM debian:12")), null);
  // A Dockerfile whose version reaches no source.
  assert.equal(discoverSource("ARG CONTAINER_APP_VERSION=1.0.0\nFROM debian:12\nRUN true\n"), null);
});

Deno.test("PyPI's answer: releases with a file not yanked, versions the bot cannot order left out", () => {
  const answer = {
    info: { name: "devpi-server" },
    releases: {
      "6.19.1": [{ yanked: false }],
      "6.20.0": [{ yanked: false, filename: "x.whl" }],
      "6.20.1": [{ yanked: true }],
      "6.21.0": [],
      "7.0.0rc1": [{ yanked: false }],
      "2!1.0": [{}],
    },
  };
  assert.deepEqual(pypiVersions(answer, "x").sort(), ["6.19.1", "6.20.0"]);
  assert.throws(() => pypiVersions({ releases: [1] }, "https://p/pypi/x/json"), InputError);
  assert.throws(() => pypiVersions("<html>", "u"), /u: not a PyPI JSON answer/);
  assert.equal(
    pypiUrl("https://pypi.org/", "devpi-server"),
    "https://pypi.org/pypi/devpi-server/json",
  );
});

const INDEX = `C:Q1abc=
P:transmission-daemon
V:4.1.1-r1
A:x86_64

P:transmission-daemon
V:4.1.2-r0

P:transmission-cli
V:9.9.9-r0

P:transmission-daemon
V:4.2_beta1-r0
`;

Deno.test("an APKINDEX.tar.gz: the signature's gzip stream then the index's; one package's versions", () => {
  const bytes = new Uint8Array([
    ...gzipSync(tarOf(".SIGN.RSA.alpine-devel.rsa.pub", "sig", false)),
    ...gzipSync(tarOf("DESCRIPTION", "edge").slice(0, 1024)),
    ...gzipSync(tarOf("APKINDEX", INDEX)),
  ]);
  const text = apkIndexText(bytes, "idx");
  assert.equal(text, INDEX);
  assert.deepEqual(apkVersions(text, "transmission-daemon"), ["4.1.1-r1", "4.1.2-r0"]);
  assert.throws(() => apkIndexText(new TextEncoder().encode("not gzip"), "idx"), /idx: not gzip/);
  assert.throws(() => apkIndexText(gzipSync(tarOf("OTHER", "x")), "idx"), /no APKINDEX/);
  assert.equal(
    apkIndexUrl("https://mirror/alpine/", "edge/community"),
    "https://mirror/alpine/edge/community/x86_64/APKINDEX.tar.gz",
  );
});

Deno.test("the newest above the current: -rN revisions when the current has one; PyPI's pre-releases only asked", () => {
  assert.deepEqual(newerThan(["4.1.1-r1", "4.1.2-r0", "4.1.1-r2", "bad"], "4.1.1-r1", false), [
    "4.1.2-r0",
    "4.1.1-r2",
  ]);
  assert.deepEqual(newerThan(["6.19.1", "6.20.0", "7.0.0-rc1"], "6.19.1", false), ["6.20.0"]);
  assert.deepEqual(newerThan(["6.20.0", "7.0.0-rc1"], "6.19.1", true), ["7.0.0-rc1", "6.20.0"]);
  assert.equal(
    sourcePage({ kind: "pypi", name: "devpi-server" }, "6.20.0"),
    "https://pypi.org/project/devpi-server/6.20.0/",
  );
});

Deno.test("discovery: FROM image:${ARG}-suffix is the base image's registry tags of that shape", () => {
  const quartz =
    "ARG CONTAINER_APP_VERSION=1.28.2\nARG NGINX_VERSION=${CONTAINER_APP_VERSION}\n\n" +
    "FROM nginx:${NGINX_VERSION}-alpine\nRUN apk add --no-cache curl\n";
  assert.deepEqual(discoverSource(quartz), {
    kind: "registry",
    image: "nginx",
    tag: "{version}-alpine",
  });
  assert.deepEqual(baseImage(["--platform=x", "ghcr.io/o/n:v{version}"]), {
    image: "ghcr.io/o/n",
    tag: "v{version}",
  });
  // A port is no tag; a digest pins no version; a tag not made from the version is none.
  assert.equal(baseImage(["localhost:5000/n"]), null);
  assert.equal(baseImage(["nginx:{version}@sha256:abc"]), null);
  assert.equal(baseImage(["nginx:1.28-alpine"]), null);
  assert.deepEqual(
    tagVersions(
      ["1.28.2-alpine", "1.28.2", "1.29.0-alpine", "1.30-alpine", "1.29.5-alpine-perl"],
      "{version}-alpine",
    ),
    ["1.28.2", "1.29.0"],
  );
  assert.equal(
    sourcePage({ kind: "registry", image: "nginx", tag: "{version}-alpine" }, "1.29.0"),
    "https://hub.docker.com/_/nginx",
  );
});

Deno.test("GitHub's releases: tags of the template's shape, drafts and unorderable versions left out", () => {
  const answer = [
    { tag_name: "v0.20.2", draft: false, prerelease: false },
    { tag_name: "v0.20.1", draft: false },
    { tag_name: "v0.21.0", draft: true },
    { tag_name: "sdk/go/v0.20.2", draft: false },
    { tag_name: "v0.20", draft: false },
  ];
  assert.deepEqual(tagVersions(releaseTags(answer, "x"), "v{version}"), ["0.20.2", "0.20.1"]);
  assert.throws(
    () => releaseTags({ message: "Not Found" }, "api"),
    /api: not a list/,
  );
  assert.equal(
    sourcePage({ kind: "github", repo: "dagger/dagger", tag: "v{version}" }, "0.20.2"),
    "https://github.com/dagger/dagger/releases/tag/v0.20.2",
  );
});

/** grafana's Dockerfile as blumeops writes it, cut to what discovery reads: the tarball's URL
 * made from the version ARG (and an ARCH the command sets), the source label. */
const GRAFANA = `ARG CONTAINER_APP_VERSION=12.3.3

FROM alpine:3.22

ARG CONTAINER_APP_VERSION
ARG GRAFANA_VERSION=\${CONTAINER_APP_VERSION}

RUN set -e && \\
    apk --no-cache add dumb-init curl && \\
    ARCH=amd64 && \\
    url="https://dl.grafana.com/oss/release/grafana-\${GRAFANA_VERSION}.linux-\${ARCH}.tar.gz" && \\
    curl -fSL "$url" | tar -xz -C /tmp

LABEL org.opencontainers.image.title="Grafana"
LABEL org.opencontainers.image.source="https://github.com/grafana/grafana"
`;

Deno.test("discovery: a source label naming a github.com repository, beside a command fetching the version, is its GitHub releases", () => {
  assert.deepEqual(discoverSource(GRAFANA), { kind: "github", repo: "grafana/grafana" });
  // Unquoted, the old one-pair form, a .git suffix and a final slash: the same repository.
  const label = (value: string) =>
    GRAFANA.replace(
      'LABEL org.opencontainers.image.source="https://github.com/grafana/grafana"',
      value,
    );
  for (
    const written of [
      "LABEL org.opencontainers.image.source=https://github.com/grafana/grafana",
      "LABEL org.opencontainers.image.source https://github.com/grafana/grafana.git",
      "LABEL org.opencontainers.image.source='https://github.com/grafana/grafana/'",
    ]
  ) {
    assert.deepEqual(discoverSource(label(written)), { kind: "github", repo: "grafana/grafana" });
  }
  // Another host, a deeper path, an owner GitHub refuses, credentials, no URL: none.
  for (
    const value of [
      "https://gitlab.com/grafana/grafana",
      "https://github.com.evil.example/grafana/grafana",
      "https://github.com/grafana/grafana/tree/main",
      "https://github.com/grafana",
      "https://github.com/-bad/grafana",
      "https://github.com/grafana/..",
      "https://user:secret@github.com/grafana/grafana",
      "https://github.com/grafana/grafana?tab=readme",
      "ftp://github.com/grafana/grafana",
      "github.com/grafana/grafana",
      "https://github.com/grafana/${NAME}",
    ]
  ) {
    assert.equal(githubRepoOf(value), null, value);
    assert.equal(
      discoverSource(label(`LABEL org.opencontainers.image.source="${value}"`)),
      null,
      value,
    );
  }
  assert.equal(githubRepoOf(null), null);
  assert.equal(githubRepoOf("https://www.github.com/Acme-1/my_tool.js"), "Acme-1/my_tool.js");
  // The label alone (no command uses the version: the owner's own code, say) is none.
  assert.equal(
    discoverSource(GRAFANA.replace(/^RUN [^]*?\/tmp\n/m, "RUN true\n")),
    null,
  );
  // A command that shows a nearer source wins: the table's order.
  assert.deepEqual(
    discoverSource(
      GRAFANA.replace("apk --no-cache add dumb-init curl", "pip install g==${GRAFANA_VERSION}"),
    ),
    { kind: "pypi", name: "g" },
  );
});

Deno.test("a GitHub tag template: the one under which the current version is a release, v{version} first; none guessed", () => {
  const grafana = ["v12.4.0", "v12.3.4", "v12.3.3", "v11.6.9", "12.3.3-not-a-release"];
  assert.equal(releaseTemplate(grafana, "12.3.3"), "v{version}");
  assert.equal(releaseTemplate(["3.8.2", "3.8.1", "v1.0.0"], "3.8.2"), "{version}");
  // Both shapes release the version: the `v` first.
  assert.equal(releaseTemplate(["12.3.3", "v12.3.3"], "12.3.3"), "v{version}");
  // The current version is no release (off the page, or another project's releases): none.
  assert.equal(releaseTemplate(["v12.4.0", "v12.3.4"], "12.3.3"), null);
  assert.equal(releaseTemplate(["release-12.3.3", "sdk/go/v12.3.3"], "12.3.3"), null);
  assert.equal(releaseTemplate([], "12.3.3"), null);
  // A discovered source names no template: its page is the releases list until one is settled.
  assert.equal(
    sourcePage({ kind: "github", repo: "grafana/grafana" }, "12.3.4"),
    "https://github.com/grafana/grafana/releases",
  );
  assert.equal(
    sourcePage({ kind: "github", repo: "grafana/grafana", tag: "v{version}" }, "12.3.4"),
    "https://github.com/grafana/grafana/releases/tag/v12.3.4",
  );
});

Deno.test("Alpine's revisions are numbers: 1.2.3-r10 is newer than 1.2.3-r2", () => {
  assert.deepEqual(
    newerThan(["1.2.3-r2", "1.2.3-r10", "1.2.3-r9", "1.2.4-r0"], "1.2.3-r2", false),
    [
      "1.2.4-r0",
      "1.2.3-r10",
      "1.2.3-r9",
    ],
  );
  assert.deepEqual(newerThan(["1.2.3-r2", "1.2.3-r9"], "1.2.3-r10", false), []);
});

Deno.test("the table of sources: each module's object under its own kind, labels and pages through it", () => {
  for (const [kind, source] of Object.entries(SOURCES)) assert.equal(source.kind, kind);
  assert.equal(
    sourceLabel({ kind: "alpine", name: "transmission-daemon", repositories: ["edge/community"] }),
    "Alpine package transmission-daemon (edge/community)",
  );
  assert.equal(
    sourcePage({ kind: "alpine", name: "transmission-daemon", repositories: ["v3.22/main"] }, "x"),
    "https://pkgs.alpinelinux.org/packages?name=transmission-daemon&branch=v3.22",
  );
});
