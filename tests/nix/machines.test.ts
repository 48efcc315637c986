// Nix's builders setting as text: machines parsed as Nix reads them, config rendered, systems found.
import assert from "node:assert/strict";
import {
  buildableSystems,
  parseHostPlatforms,
  parseMachines,
  renderBuilders,
} from "../../lib/nix/machines.ts";
import { InputError } from "../../lib/runtime/errors.ts";

Deno.test("parseMachines: ; and newline separators, comments, @files, and the host's system by default", () => {
  const files = new Map([[
    "/etc/nix/machines",
    "# arm boxes\nssh-ng://nix@arm1 aarch64-linux,armv7l-linux /key 4 1 big-parallel\n\n",
  ]]);
  const machines = parseMachines(
    "ssh://mac x86_64-darwin,aarch64-darwin ; @/etc/nix/machines ; ssh://same - ; @/missing",
    files,
    "x86_64-linux",
  );
  assert.deepEqual(machines, [
    { uri: "ssh://mac", systems: ["x86_64-darwin", "aarch64-darwin"] },
    { uri: "ssh-ng://nix@arm1", systems: ["aarch64-linux", "armv7l-linux"] },
    { uri: "ssh://same", systems: ["x86_64-linux"] },
  ]);
});

Deno.test("buildableSystems: the host's own system and extra platforms first, then each machine's", () => {
  const host = {
    system: "x86_64-linux",
    extraPlatforms: ["i686-linux"],
    builders: "",
    machineFiles: new Map(),
  };
  const by = buildableSystems(host, [
    { uri: "ssh-ng://arm", systems: ["aarch64-linux", "i686-linux"] },
  ]);
  assert.deepEqual([...by], [
    ["x86_64-linux", "the build host itself"],
    ["i686-linux", "the build host itself"],
    ["aarch64-linux", "ssh-ng://arm"],
  ]);
});

Deno.test("renderBuilders: a store URI gets its system; a machines line must list it", () => {
  assert.equal(
    renderBuilders({
      "aarch64-linux": "ssh-ng://nix@arm",
      "x86_64-darwin": "ssh://mac x86_64-darwin,aarch64-darwin /k 2",
    }),
    "ssh-ng://nix@arm aarch64-linux ; ssh://mac x86_64-darwin,aarch64-darwin /k 2",
  );
  assert.throws(
    () => renderBuilders({ "aarch64-linux": "ssh://mac x86_64-darwin" }),
    (e) =>
      e instanceof InputError &&
      /build\.builders\."aarch64-linux": the machine line .* does not list aarch64-linux/.test(
        e.message,
      ),
  );
  assert.throws(
    () => renderBuilders({ "aarch64-linux": "ssh://a aarch64-linux ; ssh://b" }),
    /one machine only/,
  );
});

Deno.test("parseHostPlatforms: settings and machines files from the script's output", () => {
  const host = parseHostPlatforms(
    [
      "builders = @/etc/nix/machines",
      "extra-platforms = i686-linux",
      "system = x86_64-linux",
      "upgrade-bot-machines /etc/nix/machines",
      "ssh-ng://arm aarch64-linux",
      "",
      "upgrade-bot-machines-end",
      "",
    ].join("\n"),
  );
  assert.equal(host.system, "x86_64-linux");
  assert.deepEqual(host.extraPlatforms, ["i686-linux"]);
  assert.equal(host.builders, "@/etc/nix/machines");
  assert.equal(host.machineFiles.get("/etc/nix/machines"), "ssh-ng://arm aarch64-linux\n\n");
  assert.throws(() => parseHostPlatforms("error: unknown command\n"), /printed no system/);
});
