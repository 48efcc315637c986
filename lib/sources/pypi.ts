// PyPI as a source of versions: the project a `pip install name==${VERSION}` names, and its releases read from the JSON API's answer (pure but its one request).
import { z } from "zod";
import { orderableVersion } from "../nix/versions.ts";
import { InputError } from "../runtime/errors.ts";
import type { ArgSource } from "../runtime/config_model.ts";
import type { Datasource } from "./datasource.ts";

type PypiSource = Extract<ArgSource, { kind: "pypi" }>;

/** A PyPI project: discovered from the first `pip install name==${VERSION}`; one request. */
export const pypi: Datasource<PypiSource> = {
  kind: "pypi",
  discover(commands) {
    for (const c of commands) {
      const name = pipPackage(c.words);
      if (name) return { kind: "pypi", name };
    }
    return null;
  },
  label: (source) => `PyPI project ${source.name}`,
  page: (source, version) =>
    `https://pypi.org/project/${encodeURIComponent(source.name)}/${encodeURIComponent(version)}/`,
  async versions(source, io) {
    const url = pypiUrl(io.urls.pypi, source.name);
    const answer = await io.get(url);
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(answer));
    } catch {
      throw new InputError(`${url}: the answer is not JSON`);
    }
    return { versions: pypiVersions(json, url), source };
  },
};

/** The project a command pins to the version ARG (`pip install devpi-server=={version}`, also
 * `pip3` and `python -m pip`), or null. */
export function pipPackage(words: string[]): string | null {
  const pip = words.findIndex((w) => /^pip(3(\.\d+)?)?$/.test(w));
  const viaPython = words.findIndex((w, i) => w === "-m" && words[i + 1] === "pip");
  const at = pip >= 0 ? pip : viaPython >= 0 ? viaPython + 1 : -1;
  if (at < 0 || !words.slice(at + 1).includes("install")) return null;
  for (const w of words.slice(at + 1)) {
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==\{version\}$/.exec(w);
    if (m) return m[1];
  }
  return null;
}

/** The JSON API's answer, as far as the bot reads it: each release's files. */
const PYPI_ANSWER = z.object({
  releases: z.record(
    z.string(),
    z.array(z.object({ yanked: z.boolean().optional() }).loose()),
  ),
}).loose();

/** The releases of a project that have a file not yanked, as versions the bot can order (others
 * left out); `what` names the answer in an error. */
export function pypiVersions(answer: unknown, what: string): string[] {
  const parsed = PYPI_ANSWER.safeParse(answer);
  if (!parsed.success) {
    throw new InputError(`${what}: not a PyPI JSON answer with "releases"`);
  }
  return Object.entries(parsed.data.releases)
    .filter(([, files]) => files.some((f) => !f.yanked))
    .map(([version]) => orderableVersion(version))
    .filter((v): v is string => v !== null);
}

/** The JSON API's address of a project under `base`. */
export function pypiUrl(base: string, name: string): string {
  return `${base.replace(/\/+$/, "")}/pypi/${encodeURIComponent(name)}/json`;
}
