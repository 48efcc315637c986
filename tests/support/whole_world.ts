// Test world of the REAL eblume/blumeops with every source the bot watches: the real world's clone
// (tests/support/real_world.ts), the Forgejo stand-in carrying every forge mirror (authentik and
// client-go, ntfy, the Dockerfiles', the Applications', frigate's source), the test OCI registry
// behind a token front per registry host (every upstream image and the docs image's FROM base),
// and the stand-ins for PyPI, the Alpine index and GitHub (tests/support/arg_sources.ts): each at
// what the repository pins, and `ahead()` puts every one a release ahead.
//
//   const w = await wholeWorld({ token, people });   // nothing new anywhere
//   await w.ahead();                                 // every source one release ahead
//   await w.cleanup();
import { stringify } from "yaml";
import {
  DEFAULT_RELEASES,
  DOCKER_MIRRORS,
  ntfyMirror,
  type RealWorld,
  realWorld,
} from "./real_world.ts";
import { type SourcesStandIn, startSourcesStandIn } from "./arg_sources.ts";
import { startRegistry, type TestRegistry } from "./registry.ts";
import { type TokenFront, tokenFront } from "./registry_token.ts";
import { type Forge, type ForgeUser, startForge } from "../forge/server.ts";

/** The image label naming the image's source (what changed upstream links to it). */
export const SOURCE_LABEL = "org.opencontainers.image.source";

/** An image of a registry host: its tags on main's day, those `ahead()` pushes, its source label. */
export interface UpstreamImage {
  host: string;
  repository: string;
  tags: string[];
  newer: string[];
  label?: string;
}

/** The upstream images of the real repository the scan watches, as the registry holds them:
 * `tags` on main's day (with tags of other shapes beside the current one), `newer` pushed by
 * `ahead()`. */
export const IMAGES: (UpstreamImage & { service: string })[] = [
  {
    service: "mosquitto",
    host: "docker.io",
    repository: "library/eclipse-mosquitto",
    // 2.0 and 2 float; 2.0.22-openssl is another shape.
    tags: ["2.0.21", "2.0.22", "2.0", "2", "2.0.22-openssl", "latest"],
    newer: ["2.0.23", "2.0.23-openssl", "2.1.0-rc1"],
    label: "https://github.com/eclipse/mosquitto",
  },
  {
    service: "frigate",
    host: "ghcr.io",
    repository: "blakeblackshear/frigate",
    tags: ["0.16.3", "0.16.3-tensorrt", "0.17.0-rc2", "0.17.0-rc2-tensorrt"],
    // From a pre-release to the release, the suffix kept (rc10 after rc3: numbers, not text).
    newer: ["0.17.0-rc3-tensorrt", "0.17.0-rc10-tensorrt", "0.17.0-tensorrt", "0.17.0"],
    label: "https://github.com/blakeblackshear/frigate",
  },
  {
    service: "tailscale-operator",
    host: "docker.io",
    repository: "tailscale/k8s-operator",
    tags: ["v1.94.2", "stable"],
    newer: ["v1.96.0"],
    label: "https://github.com/tailscale/tailscale",
  },
  {
    service: "blumeops-pg",
    host: "ghcr.io",
    repository: "cloudnative-pg/postgresql",
    tags: ["18.3", "18.3-bookworm", "17.6"],
    newer: ["18.4", "18.4-bookworm", "18.4.1-bad"],
    // Untrusted: no link is made of it.
    label: "javascript:alert(1)",
  },
  {
    service: "kube-state-metrics",
    host: "registry.k8s.io",
    repository: "kube-state-metrics/kube-state-metrics",
    tags: ["v2.17.0", "v2.18.0"],
    newer: ["v2.18.1"],
  },
  {
    service: "ollama",
    host: "docker.io",
    repository: "ollama/ollama",
    tags: ["0.17.5", "0.17.5-rocm"],
    newer: ["0.17.6", "0.17.6-rocm"],
  },
  {
    service: "tempo",
    host: "docker.io",
    repository: "grafana/tempo",
    tags: ["2.10.1"],
    newer: [
      "2.10.2",
    ],
  },
  // alloy-k8s and alloy-tracing-ringtail deploy the same image.
  {
    service: "alloy-k8s",
    host: "docker.io",
    repository: "grafana/alloy",
    tags: ["v1.13.1"],
    newer: ["v1.13.2"],
  },
  {
    service: "frigate-notify",
    host: "ghcr.io",
    repository: "0x2142/frigate-notify",
    tags: ["v0.5.4"],
    newer: ["v0.5.5"],
  },
  {
    service: "nvidia-device-plugin",
    host: "nvcr.io",
    repository: "nvidia/k8s-device-plugin",
    tags: ["v0.18.2"],
    newer: ["v0.18.3"],
  },
  {
    service: "forgejo-runner",
    host: "code.forgejo.org",
    repository: "forgejo/runner",
    tags: ["12.7.0"],
    newer: ["12.7.1"],
  },
];

/** Moving with tailscale's operator: the proxy image of proxyclass.yaml. */
export const TAILSCALE_PROXY: UpstreamImage = {
  host: "docker.io",
  repository: "tailscale/tailscale",
  tags: ["v1.94.2"],
  newer: ["v1.96.0"],
};

/** The docs image's FROM base (`FROM nginx:${NGINX_VERSION}-alpine`): other shapes beside the
 * current one (1.29.0 and 1.30.0-perl are not `{version}-alpine`). */
export const NGINX: UpstreamImage = {
  host: "docker.io",
  repository: "library/nginx",
  tags: ["1.28.2-alpine", "1.28.2", "1.29.0", "1.30.0-perl"],
  newer: ["1.29.5-alpine", "1.29.5"],
};

/** The mirrors of the repository's Applications: the tag on main, and a newer release (with a
 * candidate the run without pre-releases leaves alone). */
export const APPS = [
  {
    service: "external-secrets",
    mirror: "external-secrets",
    files: [
      "argocd/apps/external-secrets-crds-ringtail.yaml",
      "argocd/apps/external-secrets-crds.yaml",
      "argocd/apps/external-secrets-ringtail.yaml",
      "argocd/apps/external-secrets.yaml",
    ],
    tags: ["helm-chart-2.0.0", "helm-chart-2.1.0", "helm-chart-2.2.0-rc.1"],
    from: "2.0.0",
    to: "2.1.0",
    tag: "helm-chart-2.1.0",
    // The record is the tag itself.
    record: '"helm-chart-2.1.0"',
  },
  {
    service: "1password-connect",
    mirror: "connect-helm-charts",
    files: ["argocd/apps/1password-connect-ringtail.yaml", "argocd/apps/1password-connect.yaml"],
    tags: ["connect-2.3.0", "connect-2.4.0"],
    from: "2.3.0",
    to: "2.4.0",
    tag: "connect-2.4.0",
    // The record is the Connect server's version, not the chart's tag: left as it is.
    record: '"1.8.1"',
  },
  {
    service: "cloudnative-pg",
    mirror: "cloudnative-pg",
    files: ["argocd/apps/cloudnative-pg.yaml"],
    tags: ["v1.27.1", "v1.28.2"],
    from: "1.27.1",
    to: "1.28.2",
    tag: "v1.28.2",
    // It recorded v1.28.1 while the Application deployed v1.27.1: the record moves with the tag.
    record: '"v1.28.2"',
  },
  {
    service: "immich",
    mirror: "immich-charts",
    files: ["argocd/apps/immich.yaml"],
    tags: ["immich-0.10.3", "immich-0.10.4"],
    from: "0.10.3",
    to: "0.10.4",
    tag: "immich-0.10.4",
    // The record is immich's own version (its values.yaml image tag), not the chart's.
    record: '"v2.5.6"',
  },
];

/** frigate's source on the forge (its image's label leads there: the compare link). */
export const FRIGATE_MIRROR = { now: ["v0.16.3", "v0.17.0-rc2"], newer: ["v0.17.0"] };

/** PyPI's devpi-server and Alpine's transmission-daemon on main's day, and one ahead. Untrusted
 * answers beside the release ahead: a yanked release, a version the bot cannot order, a
 * pre-release (prereleases is off), another package of the index. */
export const PYPI_DEVPI = {
  now: { "6.18.0": false, "6.19.1": false },
  ahead: {
    "6.18.0": false,
    "6.19.1": false,
    "6.20.0": false,
    "6.21.0": true,
    "7.0.0rc1": false,
    "2!9.0": false,
  },
};
export const ALPINE_COMMUNITY = {
  now: [
    { name: "transmission-daemon", version: "4.1.1-r1" },
    { name: "transmission-cli", version: "4.1.1-r1" },
  ],
  ahead: [
    { name: "transmission-daemon", version: "4.1.1-r1" },
    { name: "transmission-daemon", version: "4.1.2-r0" },
    { name: "transmission-daemon", version: "4.2_beta1-r0" },
    { name: "transmission-cli", version: "9.9.9-r0" },
  ],
};
/** The Dagger CLI's releases (runner-job-image, named in config: not discovered). */
export const DAGGER = {
  now: [
    { tag_name: "v0.20.1", draft: false, prerelease: false },
    { tag_name: "sdk/python/v0.20.1", draft: false, prerelease: false },
  ],
  ahead: [
    { tag_name: "v0.21.0", draft: true, prerelease: false },
    { tag_name: "v0.20.2", draft: false, prerelease: false },
    { tag_name: "v0.20.1", draft: false, prerelease: false },
    { tag_name: "sdk/python/v0.20.1", draft: false, prerelease: false },
  ],
};

/** grafana's GitHub releases (its Dockerfile's source label names grafana/grafana; its releases are
 * tagged `v12.3.3`), and one ahead beside what is left out: a draft, a pre-release, an older
 * series' patch, a tag of another shape. */
const grafanaReleases = (...tags: string[]) =>
  tags.map((tag_name) => ({ tag_name, draft: false, prerelease: tag_name.includes("-") }));
export const GRAFANA = {
  now: grafanaReleases("v12.3.3", "v12.2.5", "v11.6.9"),
  ahead: [
    { tag_name: "v12.5.0", draft: true, prerelease: false },
    ...grafanaReleases("v13.0.0-beta1", "v12.4.0", "v11.6.10", "12.9.0", "v12.3.3", "v12.2.5"),
  ],
};

export interface WholeWorldOptions {
  /** The bot's token (login "bot", admin). */
  token: string;
  /** Users besides the bot. */
  people?: ForgeUser[];
  /** More files of a forge mirror's tags (a CHANGELOG.md), by mirror. */
  mirrorFiles?: (mirror: string) => ((tag: string) => Record<string, string>) | undefined;
}

export interface WholeWorld {
  w: RealWorld;
  forge: Forge;
  registry: TestRegistry;
  /** A token front per registry host, by host. */
  fronts: Map<string, TokenFront>;
  standIn: SourcesStandIn;
  /** The config a user would write: the forge's URL, where each registry host and source is
   * reached, the lock dir, `builder: local` (the site's build host does not exist here), the
   * flakes off (their inputs are on GitHub; tests/flow/flake.test.ts); `more` on top. */
  config(more?: Record<string, unknown>, name?: string): Promise<string>;
  /** The bot's environment: the world's Nix settings, its TMPDIR, the token. */
  env: Record<string, string>;
  /** Requests the registry fronts answered so far. */
  registryRequests(): number;
  /** Pushes `tag` of `host/repository` (with its source label). */
  push(host: string, repository: string, tag: string, label?: string): Promise<string>;
  /** Every source one release ahead. */
  ahead(): Promise<void>;
  cleanup(): Promise<void>;
}

/** The registry hosts of the images. */
const HOSTS = [...new Set([...IMAGES.map((i) => i.host), TAILSCALE_PROXY.host, NGINX.host])];

export async function wholeWorld(o: WholeWorldOptions): Promise<WholeWorld> {
  const w = await realWorld({ releases: [DEFAULT_RELEASES[0]] });
  const stops: (() => Promise<void>)[] = [];
  try {
    await Deno.mkdir(`${w.root}/tmp`, { recursive: true });
    await ntfyMirror(w, ["2.17.0"]);
    for (const m of DOCKER_MIRRORS) {
      await w.addMirrorTags(m.mirror, [m.tags[0]], o.mirrorFiles?.(m.mirror));
    }
    for (const a of APPS) await w.addMirrorTags(a.mirror, [a.tags[0]]);
    await w.addMirrorTags("frigate", FRIGATE_MIRROR.now);

    const registry = await startRegistry();
    stops.push(registry.stop);
    const fronts = new Map(HOSTS.map((host) => [host, tokenFront(registry, host)]));
    for (const f of fronts.values()) stops.push(f.stop);
    const push = (host: string, repository: string, tag: string, label?: string) =>
      registry.push(`${host}/${repository}`, tag, label ? { [SOURCE_LABEL]: label } : {});
    for (const i of [...IMAGES, TAILSCALE_PROXY, NGINX]) {
      for (const t of i.tags) {
        await push(i.host, i.repository, t, i.label);
      }
    }

    const standIn = startSourcesStandIn();
    stops.push(standIn.stop);
    standIn.pypi.set("devpi-server", { ...PYPI_DEVPI.now });
    standIn.alpine.set("edge/community", [...ALPINE_COMMUNITY.now]);
    standIn.github.set("dagger/dagger", [...DAGGER.now]);
    standIn.github.set("grafana/grafana", [...GRAFANA.now]);

    const forge = await startForge({
      root: `${w.root}/git`,
      users: [{ login: "bot", token: o.token, permission: "admin" }, ...o.people ?? []],
      validate: true,
    });
    stops.push(forge.stop);

    const config = async (more: Record<string, unknown> = {}, name = crypto.randomUUID()) => {
      const file = `${w.root}/upgrade-bot-${name}.yaml`;
      await Deno.writeTextFile(
        file,
        stringify({
          builder: "local",
          forge: { url: forge.url },
          lock: { dir: `${w.root}/locks` },
          flakes: null,
          registries: Object.fromEntries([...fronts].map(([host, f]) => [host, f.url])),
          sources: { pypi: standIn.url, alpine: standIn.url, github: standIn.url },
          ...more,
        }),
      );
      return file;
    };

    const ahead = async () => {
      for (const r of DEFAULT_RELEASES.slice(1)) await w.addRelease(r);
      await ntfyMirror(w, ["2.18.0"]);
      for (const m of DOCKER_MIRRORS) {
        await w.addMirrorTags(m.mirror, m.tags, o.mirrorFiles?.(m.mirror));
      }
      for (const a of APPS) await w.addMirrorTags(a.mirror, a.tags);
      await w.addMirrorTags("frigate", FRIGATE_MIRROR.newer);
      for (const i of [...IMAGES, TAILSCALE_PROXY, NGINX]) {
        for (const t of i.newer) {
          await push(i.host, i.repository, t, i.label);
        }
      }
      standIn.pypi.set("devpi-server", { ...PYPI_DEVPI.ahead });
      standIn.alpine.set("edge/community", [...ALPINE_COMMUNITY.ahead]);
      standIn.github.set("dagger/dagger", [...DAGGER.ahead]);
      standIn.github.set("grafana/grafana", [...GRAFANA.ahead]);
    };

    return {
      w,
      forge,
      registry,
      fronts,
      standIn,
      config,
      env: { ...w.env, TMPDIR: `${w.root}/tmp`, FORGE_TOKEN: o.token },
      registryRequests: () => [...fronts.values()].reduce((n, f) => n + f.requests.length, 0),
      push,
      ahead,
      async cleanup() {
        for (const stop of stops.reverse()) await stop();
        await w.cleanup();
      },
    };
  } catch (e) {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await w.cleanup();
    throw e;
  }
}
