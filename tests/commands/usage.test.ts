// The command table, on strings: synopsis lines, help text and argument checks all come from it.
import assert from "node:assert/strict";
import {
  commandHelp,
  type CommandName,
  COMMANDS,
  type FlagName,
  FLAGS,
  helpText,
  parseCommandLine,
  PROGRAM,
  synopsis,
  synopsisLine,
  takes,
} from "../../lib/commands/usage.ts";

const commands = Object.keys(COMMANDS) as CommandName[];
const flags = Object.keys(FLAGS) as FlagName[];

/** A value that passes the flag's own check. */
const sample = (f: FlagName) =>
  ({ port: "8080", builder: "local" } as Record<string, string>)[f] ?? "x";

/** A command line `name` accepts: its positionals and required flags, plus `extra`. */
function valid(name: CommandName, extra: string[] = []): string[] {
  const c = COMMANDS[name];
  return [
    name,
    ...c.positionals.map(() => "payload.json"),
    ...c.required.flatMap((f) => [`--${f}`, sample(f)]),
    ...extra,
  ];
}

const flagArgs = (f: FlagName) => "meta" in FLAGS[f] ? [`--${f}`, sample(f)] : [`--${f}`];

Deno.test("each command's synopsis line lists exactly the flags it takes", () => {
  for (const name of commands) {
    const line = synopsisLine(name);
    assert.ok(line.startsWith(`${PROGRAM} ${name === "run" ? "[run]" : name}`), line);
    const listed = [...line.matchAll(/--([a-z-]+)/g)].map((m) => m[1]).sort();
    const taken = flags.filter((f) => takes(name, f)).sort();
    assert.deepEqual(listed, taken, line);
    for (const f of COMMANDS[name].required) {
      assert.ok(line.includes(` --${f} `) && !line.includes(`[--${f}`), `${f} required: ${line}`);
    }
    for (const p of COMMANDS[name].positionals) assert.match(line, new RegExp(` ${p}( |$)`));
  }
  assert.ok(synopsisLine("inspect").includes("--repo PATH"), "inspect is in the synopsis");
  assert.ok(!synopsisLine("event").includes("--package"), "event takes no --package");
});

Deno.test("every flag is refused, by name and command, where the command does not take it", () => {
  let refused = 0;
  for (const name of commands) {
    for (const f of flags) {
      const line = parseCommandLine(valid(name, flagArgs(f)));
      if (takes(name, f)) {
        assert.ok("command" in line, `${name} --${f}: ${JSON.stringify(line)}`);
        assert.equal(line.command, name);
      } else {
        assert.ok("error" in line, `${name} --${f} accepted`);
        assert.match(line.error, new RegExp(`^${name} does not take --${f} `));
        refused++;
      }
    }
  }
  assert.ok(refused >= 10, `only ${refused} refusals checked`);
});

Deno.test("missing positionals and required flags are named; extra arguments and bad values refused", () => {
  const error = (argv: string[]) => {
    const line = parseCommandLine(argv);
    assert.ok("error" in line, `${argv.join(" ")} accepted`);
    return line.error;
  };
  assert.equal(error(["event"]), "event needs the FILE argument");
  assert.equal(error(["upgrade", "--repo", "."]), "upgrade needs --version X");
  assert.equal(error(["serve"]), "serve needs --port N");
  assert.equal(error(["serve", "--port", "70000"]), "--port 70000: not a port number");
  assert.match(error(["upgrade", "--version", "1", "--builder", "ssh://-oProxy=x"]), /builder/);
  assert.equal(error(["run", "extra"]), 'unexpected argument "extra"');
  assert.equal(error(["frob"]), 'unknown command "frob"');
  assert.match(error(["upgrade", "--frobnicate"]), /frobnicate/);
  // run is the default command.
  const line = parseCommandLine(["--dry-run"]);
  assert.ok("command" in line && line.command === "run" && line.values["dry-run"] === true);
  const event = parseCommandLine(["event", "p.json", "--no-build"]);
  assert.ok("command" in event);
  assert.deepEqual(event.positionals, ["p.json"]);
});

Deno.test("--help is generated from the table: every command, synopsis line, summary and flag", () => {
  const help = parseCommandLine(["--help"]);
  assert.ok("help" in help);
  assert.equal(help.help, helpText());
  for (const line of synopsis()) assert.ok(help.help.includes(`  ${line}\n`), line);
  for (const name of commands) {
    const firstWords = COMMANDS[name].summary.split(" ").slice(0, 6).join(" ");
    assert.ok(help.help.replaceAll(/\n\s+/g, " ").includes(firstWords), name);
  }
  for (const f of flags) {
    assert.ok(help.help.replaceAll(/\n\s+/g, " ").includes(FLAGS[f].help), f);
  }
  // Help never needs the command's other arguments: `upgrade --help` without --version.
  const upgrade = parseCommandLine(["upgrade", "--help"]);
  assert.ok("help" in upgrade);
  assert.equal(upgrade.help, commandHelp("upgrade"));
  assert.ok(upgrade.help.startsWith(`Usage: ${synopsisLine("upgrade")}\n`));
  assert.ok(!upgrade.help.includes("--port"), "upgrade's help lists only its flags");
  assert.equal(synopsis().length, commands.length + 1);
});

Deno.test("no second, hand-written synopsis in the code", async () => {
  const root = new URL("../../", import.meta.url).pathname;
  const files = ["bot.ts"];
  for await (const e of Deno.readDir(`${root}lib/commands`)) files.push(`lib/commands/${e.name}`);
  for (const file of files) {
    const text = await Deno.readTextFile(root + file);
    // Once: PROGRAM, in the table's module.
    const programs = text.match(/deno run -[AP] bot\.ts/g)?.length ?? 0;
    assert.equal(programs, file === "lib/commands/usage.ts" ? 1 : 0, file);
    assert.doesNotMatch(text, /bot\.ts \[run\]|bot\.ts (?:upgrade|inspect|event|serve) /, file);
  }
});
