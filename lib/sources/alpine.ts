// Alpine's package index as a source of versions: the package an `apk add name=${VERSION}` pins and the indexes it comes from, and its versions read from an APKINDEX.tar.gz (pure but its requests).
import { gunzipSync } from "node:zlib";
import { orderableVersion } from "../nix/versions.ts";
import { InputError } from "../runtime/errors.ts";
import type { ArgSource } from "../runtime/config_model.ts";
import type { Datasource } from "./datasource.ts";

type AlpineSource = Extract<ArgSource, { kind: "alpine" }>;

/** An Alpine package: discovered from the first `apk add name=${VERSION}`; its indexes read in
 * order until one lists the package (one request for a package in the first). Its revisions
 * (`-r10` after `-r2`) are ordered as numbers, as every source's versions are (newerThan). */
export const alpine: Datasource<AlpineSource> = {
  kind: "alpine",
  discover(commands, froms) {
    for (const c of commands) {
      const found = apkPackage(c.words, froms);
      if (found) return { kind: "alpine", ...found };
    }
    return null;
  },
  label: (source) => `Alpine package ${source.name} (${source.repositories.join(", ")})`,
  page(source) {
    const branch = /^(edge|v\d+\.\d+)\//.exec(source.repositories[0])?.[1] ?? "edge";
    return `https://pkgs.alpinelinux.org/packages?name=${
      encodeURIComponent(source.name)
    }&branch=${branch}`;
  },
  async versions(source, io) {
    for (const repository of source.repositories) {
      const url = apkIndexUrl(io.urls.alpine, repository);
      const versions = apkVersions(apkIndexText(await io.get(url), url), source.name);
      if (versions.length) return { versions, source };
    }
    return { versions: [], source };
  },
};

/** The public mirror's address, as a Dockerfile's `--repository` may spell it. */
const PUBLIC_MIRROR = "https://dl-cdn.alpinelinux.org/alpine/";

/** The package a command pins to the version ARG (`apk add name={version}`) and the indexes it
 * is read from: the command's `--repository` (under the public mirror: its path, so a configured
 * mirror serves it), else the `FROM alpine:X.Y` branch's main and community; null when the
 * command pins none or no index can be told. */
export function apkPackage(
  words: string[],
  froms: string[],
): { name: string; repositories: string[] } | null {
  const apk = words.indexOf("apk");
  if (apk < 0 || words[apk + 1] !== "add") return null;
  const rest = words.slice(apk + 2);
  const name = rest.map((w) => /^([a-z0-9][a-z0-9._+-]*)=\{version\}$/.exec(w)?.[1])
    .find((n) => n !== undefined);
  if (!name) return null;
  const named = rest.flatMap((w, i) =>
    w.startsWith("--repository=")
      ? [w.slice("--repository=".length)]
      : w === "--repository" || w === "-X"
      ? [rest[i + 1] ?? ""]
      : []
  ).filter((r) => /^https?:\/\//.test(r)).map((r) =>
    r.startsWith(PUBLIC_MIRROR) ? r.slice(PUBLIC_MIRROR.length).replace(/\/+$/, "") : r
  );
  if (named.length) return { name, repositories: named };
  const branch = froms.map((f) => /^(?:docker\.io\/)?(?:library\/)?alpine:(\d+\.\d+)/.exec(f)?.[1])
    .find((b) => b !== undefined);
  if (!branch) return null;
  return { name, repositories: [`v${branch}/main`, `v${branch}/community`] };
}

/** The index's address for `arch` under the mirror `base`. */
export function apkIndexUrl(base: string, repository: string, arch = "x86_64"): string {
  const root = /^https?:\/\//.test(repository)
    ? repository
    : `${base.replace(/\/+$/, "")}/${repository}`;
  return `${root.replace(/\/+$/, "")}/${arch}/APKINDEX.tar.gz`;
}

/** The text of the APKINDEX file inside an APKINDEX.tar.gz (gzip streams one after the other:
 * the signature's tar, then the index's); `what` names it in an error. */
export function apkIndexText(bytes: Uint8Array, what: string): string {
  let tar: Uint8Array;
  try {
    tar = new Uint8Array(gunzipSync(bytes));
  } catch (e) {
    throw new InputError(`${what}: not gzip: ${(e as Error).message}`);
  }
  const ascii = (from: number, to: number) =>
    new TextDecoder().decode(tar.subarray(from, to)).replace(/\0.*$/s, "").trim();
  for (let at = 0; at + 512 <= tar.length;) {
    const name = ascii(at, at + 100);
    if (name === "") {
      at += 512; // a zero block: the signature's archive ends without its end blocks
      continue;
    }
    const size = parseInt(ascii(at + 124, at + 136) || "0", 8);
    if (!Number.isFinite(size) || size < 0) throw new InputError(`${what}: a broken tar header`);
    if (name === "APKINDEX") {
      return new TextDecoder().decode(tar.subarray(at + 512, at + 512 + size));
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new InputError(`${what}: no APKINDEX file inside`);
}

/** The versions of package `name` an APKINDEX lists (`P:` name, `V:` version, one block per
 * package), as the bot can order them (others left out). */
export function apkVersions(index: string, name: string): string[] {
  return index.split(/\n\s*\n/).flatMap((block) => {
    const field = (key: string) =>
      block.split("\n").find((l) => l.startsWith(`${key}:`))?.slice(key.length + 1).trim();
    if (field("P") !== name) return [];
    const version = orderableVersion(field("V") ?? "");
    return version === null ? [] : [version];
  });
}
