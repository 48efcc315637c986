// Forgejo stand-in as a program, for the demo and manual runs:
//   deno run -A tests/forge/main.ts --root DIR --port N --token TOKEN [--user NAME:TOKEN:PERM]...
// An admin user "bot" holds TOKEN; each --user adds one (PERM: read, write or admin).

import { scanRepos } from "./core.ts";
import { type ForgeUser, startForge } from "./server.ts";

const USAGE =
  "usage: main.ts --root DIR [--port N] --token TOKEN [--user NAME:TOKEN:read|write|admin]...";

function parse(args: string[]): { root: string; port: number; users: ForgeUser[] } {
  let root = "";
  let port = 0;
  let token = "";
  const users: ForgeUser[] = [];
  for (let i = 0; i < args.length; i++) {
    const value = args[i + 1];
    if (value === undefined) throw new Error(`${args[i]} needs a value`);
    switch (args[i++]) {
      case "--root":
        root = value;
        break;
      case "--port":
        port = Number(value);
        if (!Number.isInteger(port) || port < 0) throw new Error(`bad port ${value}`);
        break;
      case "--token":
        token = value;
        break;
      case "--user": {
        const [login, userToken, permission] = value.split(":");
        if (!login || !userToken || !["read", "write", "admin"].includes(permission)) {
          throw new Error(`bad --user ${value}`);
        }
        users.push({ login, token: userToken, permission: permission as ForgeUser["permission"] });
        break;
      }
      default:
        throw new Error(`unknown argument ${args[i - 1]}`);
    }
  }
  if (!root || !token) throw new Error("--root and --token are required");
  return { root, port, users: [{ login: "bot", token, permission: "admin" }, ...users] };
}

if (import.meta.main) {
  let options;
  try {
    options = parse(Deno.args);
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    Deno.exit(2);
  }
  const forge = await startForge(options);
  const repos = await scanRepos(options.root);
  console.log(`forge stand-in listening on ${forge.url}`);
  console.log(`serving ${repos.map((r) => r.full).join(", ") || "no repositories yet"}`);
  // State is saved after every change; stopping first lets a push in flight finish.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, async () => {
      await forge.stop();
      Deno.exit(0);
    });
  }
}
