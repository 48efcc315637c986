// What a source of versions is (Renovate's datasource): the one object each source module exports, and the I/O a run hands it.
import type { VersionCommand } from "../docker/dockerfile.ts";
import type { ArgSource, SourceUrls } from "../runtime/config_model.ts";

/** What a run gives a source to read its versions with. */
export interface SourceIO {
  /** Where each source is reached: a mirror or a cache, else the public one. */
  urls: SourceUrls;
  /** The body at `url`: one request, counted; an HTTP error is an error naming `url`. */
  get(url: string): Promise<Uint8Array>;
  /** Counts one request made another way (octokit's own fetch). */
  count(): void;
  /** The tags of `image` at its registry (the run's registries, which count them). */
  registryTags(image: string): Promise<string[]>;
}

/** What a source lists: its versions (those the bot cannot order left out), and the source as its
 * answer settles it (GitHub's tag template when none is named); the same source when nothing is
 * left to settle. */
export interface Listed<S extends ArgSource = ArgSource> {
  versions: string[];
  source: S;
}

/** One source of versions, for the config's `source` of kind `S["kind"]`: a new source is a module
 * exporting one of these and its line in the table (lib/sources/source.ts). */
export interface Datasource<S extends ArgSource = ArgSource> {
  kind: S["kind"];
  /** The source a Dockerfile shows for its version ARG (the commands naming it, the FROM images,
   * `{version}` where it stands; the image's labels), or null; absent: the source is only ever
   * named in config. */
  discover?(commands: VersionCommand[], froms: string[], labels: Map<string, string>): S | null;
  /** One line saying the source, for the report and the pull request. */
  label(source: S): string;
  /** The public page of `version` of the source, for a person to read. */
  page(source: S, version: string): string;
  /** The versions the source lists, those the bot cannot order left out; `current`: the version
   * the file holds now (what settles a GitHub tag template). */
  versions(source: S, io: SourceIO, current: string): Promise<Listed<S>>;
  /** The image whose registry it reads: such a source is off with the registries. */
  registryImage?(source: S): string;
}
