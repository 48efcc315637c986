// A refused permission, on errors: named, with where the bot's permissions are declared.
import assert from "node:assert/strict";
import { permissionProblem } from "../../lib/runtime/permissions.ts";

Deno.test("a refused permission names it and says where the permissions are declared", () => {
  const refused = new Deno.errors.NotCapable(
    'Requires run access to "nix-build", run again with the --allow-run flag',
  );
  const said = permissionProblem(refused);
  assert.ok(said);
  assert.match(said, /not permitted: run access to "nix-build"/);
  assert.match(said, /deno\.json/);
  assert.doesNotMatch(said, /--allow-run/);
  // Wrapped by the code that ran it, or only its words kept in another error's message.
  assert.equal(permissionProblem(new Error("git failed", { cause: refused })), said);
  assert.match(
    permissionProblem(
      new Error("cannot run: Requires env access, run again with the --allow-env flag"),
    )!,
    /not permitted: env access\. /,
  );
  assert.equal(permissionProblem(new Error("nix-build exited 1")), null);
  assert.equal(permissionProblem("a string"), null);
});
