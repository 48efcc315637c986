// Stand-ins for PyPI's JSON API, an Alpine mirror's APKINDEX.tar.gz and GitHub's releases API, none of which can run here: a small HTTP server on 127.0.0.1 answering from what the test sets, counting requests.
import { gzipSync } from "node:zlib";

/** A tar of one file: the header's name and size (what a tar reader needs) and the body padded;
 * `end`: the two zero blocks closing the archive (an APKINDEX's signature part has none). */
export function tarOf(name: string, text: string, end = true): Uint8Array {
  const body = new TextEncoder().encode(text);
  const header = new Uint8Array(512);
  header.set(new TextEncoder().encode(name), 0);
  header.set(new TextEncoder().encode(body.length.toString(8).padStart(11, "0") + "\0"), 124);
  const padded = new Uint8Array(Math.ceil(body.length / 512) * 512);
  padded.set(body);
  const out = new Uint8Array(512 + padded.length + (end ? 1024 : 0));
  out.set(header);
  out.set(padded, 512);
  return out;
}

/** An APKINDEX.tar.gz as Alpine's mirrors serve it: the signature's gzip stream, then the index's
 * (one `P:`/`V:` block per package version). */
export function apkIndexArchive(
  packages: { name: string; version: string }[],
): Uint8Array<ArrayBuffer> {
  const index = packages.map((p) => `C:Q1stand-in=\nP:${p.name}\nV:${p.version}\nA:x86_64\n`)
    .join("\n");
  return new Uint8Array([
    ...gzipSync(tarOf(".SIGN.RSA.stand-in.rsa.pub", "signature", false)),
    ...gzipSync(tarOf("APKINDEX", index)),
  ]);
}

/** The stand-in: `pypi` maps a project to its releases (version -> yanked); `alpine` maps an
 * index path (`edge/community`) to its packages. */
export interface SourcesStandIn {
  url: string;
  pypi: Map<string, Record<string, boolean>>;
  alpine: Map<string, { name: string; version: string }[]>;
  /** `owner/name` -> its releases as GitHub's API lists them. */
  github: Map<string, { tag_name: string; draft: boolean; prerelease: boolean }[]>;
  /** Every request's path, in order. */
  requests: string[];
  stop(): Promise<void>;
}

export function startSourcesStandIn(): SourcesStandIn {
  const pypi = new Map<string, Record<string, boolean>>();
  const alpine = new Map<string, { name: string; version: string }[]>();
  const github = new Map<string, { tag_name: string; draft: boolean; prerelease: boolean }[]>();
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    requests.push(path);
    const project = /^\/pypi\/([^/]+)\/json$/.exec(path)?.[1];
    if (project !== undefined) {
      const releases = pypi.get(project);
      if (!releases) return new Response("not found", { status: 404 });
      return Response.json({
        info: { name: project },
        releases: Object.fromEntries(
          Object.entries(releases).map(([v, yanked]) => [v, [{ filename: `${v}.whl`, yanked }]]),
        ),
      });
    }
    const repo = /^\/repos\/([^/]+\/[^/]+)\/releases$/.exec(path)?.[1];
    if (repo !== undefined) {
      const releases = github.get(repo);
      return releases ? Response.json(releases) : Response.json({ message: "Not Found" }, {
        status: 404,
      });
    }
    const index = /^\/(.+)\/x86_64\/APKINDEX\.tar\.gz$/.exec(path)?.[1];
    if (index !== undefined && alpine.has(index)) {
      return new Response(apkIndexArchive(alpine.get(index)!));
    }
    return new Response("not found", { status: 404 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    pypi,
    alpine,
    github,
    requests,
    stop: () => server.shutdown(),
  };
}
