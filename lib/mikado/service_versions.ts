// service-versions.yaml: the service's recorded version, read and updated keeping every other byte (pure).
import { Document, isMap, isScalar, isSeq, parseDocument, Scalar, YAMLMap, YAMLSeq } from "yaml";
import { spliceScalars } from "./yaml_splice.ts";
import { InputError } from "../runtime/errors.ts";

/** The `current-version` of the service's entry in service-versions.yaml (a list of services, or a
 * mapping whose `services` key holds it), without a `v` prefix. */
export function serviceVersion(text: string, file: string, name: string): string {
  const value = serviceEntry(parse(text, file), file, name)?.get("current-version");
  if (typeof value !== "string" || value === "") {
    throw new InputError(`${file}: service ${JSON.stringify(name)} has no current-version`);
  }
  return value.replace(/^v/, "");
}

function parse(text: string, file: string): Document {
  const doc: Document = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new InputError(`${file}: not valid YAML: ${doc.errors[0].message.split("\n")[0]}`);
  }
  return doc;
}

/** The services list: top-level, or under a `services:` key; no list at all is an error. */
function serviceList(doc: Document, file: string): YAMLSeq {
  const list = isMap(doc.contents) ? doc.contents.get("services", true) : doc.contents;
  if (!isSeq(list)) {
    throw new InputError(
      `${file}: no list of services (expected a top-level list or a "services:" key holding one)`,
    );
  }
  return list;
}

/** One service as the file records it; null where the file says null or nothing. */
export interface ServiceRecord {
  name: string;
  currentVersion: string | null;
  /** YYYY-MM-DD as written (not checked: the dashboard shows what it cannot count). */
  lastReviewed: string | null;
  /** `upstream-source` as written: discovery matches a mirror's name in it. */
  upstream: string | null;
  /** `type` as written (`argocd`, `ansible`, `nixos`): what deploys the service. */
  type?: string | null;
}

/** The last files listed, by name and text: a cron run lists the same file for the scan, each
 * package, the pins and the dashboard, and each YAML parse of it cost milliseconds. */
const listed = new Map<string, { text: string; records: ServiceRecord[] }>();

/** Every named service of the file, in its order (entries without a name are skipped). */
export function listServices(text: string, file: string): ServiceRecord[] {
  const known = listed.get(file);
  if (known?.text !== text) {
    if (listed.size >= 8) listed.clear();
    listed.set(file, { text, records: readServices(text, file) });
  }
  // Copies: a caller's changes never reach another's.
  return listed.get(file)!.records.map((r) => ({ ...r }));
}

function readServices(text: string, file: string): ServiceRecord[] {
  const scalar = (entry: YAMLMap, key: string) => {
    const value = entry.get(key);
    return value === null || value === undefined || value === "" ? null : String(value);
  };
  return serviceList(parse(text, file), file).items.filter(isMap).flatMap((entry) => {
    const name = scalar(entry, "name");
    return name === null ? [] : [{
      name,
      currentVersion: scalar(entry, "current-version"),
      lastReviewed: scalar(entry, "last-reviewed"),
      upstream: scalar(entry, "upstream-source"),
      type: scalar(entry, "type"),
    }];
  });
}

/** The entry named `service` in the services list, or null when the list has none. */
function serviceEntry(doc: Document, file: string, service: string): YAMLMap | null {
  const list = serviceList(doc, file);
  const entry = list.items.find((i) => {
    const name = isMap(i) ? i.get("name", true) : null;
    return isScalar(name) && name.value === service;
  });
  return isMap(entry) ? entry : null;
}

/** Records the upgrade in the service's entry: `current-version` and `last-reviewed` (today).
 * The services are a top-level list or the list under a `services:` key (the repository's file
 * is a commented mapping). Only those two values' text changes: each new value is spliced over
 * the old scalar's source range, written in the old scalar's style (plain, single or double
 * quoted), so comments, key order and every other byte stay as the user wrote them. A version
 * recorded with a `v` prefix (`v2.17.0`) keeps it. */
export function updateServiceVersions(
  text: string,
  file: string,
  service: string,
  version: string,
  date: string,
): string {
  if (/[\r\n]/.test(version)) {
    throw new InputError(`${file}: version ${JSON.stringify(version)} spans lines`);
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) {
    throw new InputError(`${file}: review date ${JSON.stringify(date)} is not YYYY-MM-DD`);
  }
  const entry = serviceEntry(parse(text, file), file, service);
  if (!entry) throw new InputError(`${file}: no service named ${JSON.stringify(service)}`);
  const oldVersion = scalarOf(entry, "current-version", file, service);
  const oldDate = scalarOf(entry, "last-reviewed", file, service);
  const v = typeof oldVersion.value === "string" && /^v\d/.test(oldVersion.value) &&
      !version.startsWith("v")
    ? `v${version}`
    : version;
  return spliceScalars(text, [{ old: oldVersion, value: v }, { old: oldDate, value: date }]);
}

/** The one-line scalar under `key` in a service's entry, or an error naming what is missing. */
function scalarOf(entry: YAMLMap, key: string, file: string, service: string): Scalar {
  const node = entry.get(key, true);
  if (!isScalar(node) || !node.range) {
    throw new InputError(
      `${file}: service ${JSON.stringify(service)} has no ${key} value`,
    );
  }
  const quoted = node.type === Scalar.QUOTE_SINGLE || node.type === Scalar.QUOTE_DOUBLE;
  if (!quoted && node.type !== Scalar.PLAIN) {
    throw new InputError(
      `${file}: ${key} of ${JSON.stringify(service)} is a block scalar; expected one line`,
    );
  }
  return node;
}
