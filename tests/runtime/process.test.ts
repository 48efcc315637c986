// The one process runner: argv without a shell, cwd, exactly the environment given, stdin,
// timeout, abort, streaming, and a failure that keeps argv, exit code and stderr's tail redacted.
import assert from "node:assert/strict";
import { ProcessFailed, run } from "../../lib/runtime/process.ts";
import { addSecret } from "../../lib/runtime/log.ts";
import { UpgradeFailed } from "../../lib/runtime/errors.ts";

/** Prints each of its arguments on a line of its own: what the program really received. */
const ECHO_ARGS = ["sh", "-c", 'for a in "$@"; do printf "%s\\n" "$a"; done', "sh"];

Deno.test("arguments with spaces, quotes and shell words reach the program as they are", async () => {
  const args = ["a b", `it's "quoted"`, "$HOME", "`id`", "; rm -rf /", "", "back\\slash", "*"];
  const out = await run([...ECHO_ARGS, ...args]);
  assert.deepEqual(out.stdout.split("\n").slice(0, -1), args);
  assert.equal(out.code, 0);
});

Deno.test("the process runs in the cwd given", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "upgrade-bot-process-" }));
  try {
    assert.equal((await run(["pwd"], { cwd: dir })).stdout, `${dir}\n`);
  } finally {
    await Deno.remove(dir);
  }
});

Deno.test("the environment is exactly what is given, the bot's own only when asked", async () => {
  const name = `UPGRADE_BOT_PROCESS_TEST_${crypto.randomUUID().slice(0, 8)}`;
  Deno.env.set(name, "the bot's");
  try {
    const given = await run(["env"], { env: { ONLY: "this one", SPACED: "a b" } });
    assert.deepEqual(given.stdout.split("\n").filter(Boolean).sort(), [
      "ONLY=this one",
      "SPACED=a b",
    ]);
    assert.equal((await run(["env"])).stdout, "", "no env: an empty environment");
    const inherited = await run(["env"], { env: { ONLY: "this one" }, inheritEnv: true });
    assert.match(inherited.stdout, new RegExp(`^${name}=the bot's$`, "m"));
    assert.match(inherited.stdout, /^ONLY=this one$/m);
  } finally {
    Deno.env.delete(name);
  }
});

Deno.test("stdin: text or bytes, then closed; none is /dev/null; a stream stays open", async () => {
  assert.equal(
    (await run(["cat"], { stdin: "line one\nline 'two'\n" })).stdout,
    "line one\nline 'two'\n",
  );
  assert.equal((await run(["wc", "-c"], { stdin: new Uint8Array(70_000) })).stdout.trim(), "70000");
  assert.equal((await run(["cat"])).stdout, "");
  // A stream: the second piece is written only after the program answered the first.
  const input = new TransformStream<Uint8Array, Uint8Array>();
  const writer = input.writable.getWriter();
  const encode = (s: string) => new TextEncoder().encode(s);
  writer.write(encode("ping\n"));
  const out = await run(["sh", "-c", 'read -r a; echo "got $a"; read -r b; echo "then $b"'], {
    stdin: input.readable,
    onOutput: (text) => {
      if (text.includes("got ping")) writer.write(encode("pong\n")).catch(() => {});
    },
  });
  assert.equal(out.stdout, "got ping\nthen pong\n");
});

Deno.test("output streams as it comes; stderr merged in the order written", async () => {
  const pieces: string[] = [];
  const out = await run(["sh", "-c", "echo one; sleep 0.3; echo two >&2; sleep 0.3; echo three"], {
    mergeStderr: true,
    onOutput: (text) => pieces.push(text),
  });
  assert.equal(out.stdout, "one\ntwo\nthree\n");
  assert.equal(out.stderr, "");
  assert.ok(pieces.length >= 3, `arrived in pieces: ${JSON.stringify(pieces)}`);
  assert.equal(pieces.join(""), out.stdout);
  const apart = await run(["sh", "-c", "echo out; echo err >&2"]);
  assert.equal(apart.stdout, "out\n");
  assert.equal(apart.stderr, "err\n");
});

Deno.test("a timeout stops the process and says so", async () => {
  const began = performance.now();
  const out = await run(["sleep", "30"], { timeoutSeconds: 0.5, check: false });
  assert.ok((performance.now() - began) / 1000 < 10);
  assert.equal(out.timedOut, true);
  assert.equal(out.code, null);
  assert.equal(out.signal, "SIGTERM");
  await assert.rejects(() => run(["sleep", "30"], { timeoutSeconds: 0.5 }), (e: Error) => {
    assert.ok(e instanceof ProcessFailed);
    assert.equal(e.message, "sleep 30 timed out after 0.5s");
    return true;
  });
  const quick = await run(["true"], { timeoutSeconds: 5 });
  assert.equal(quick.timedOut, false);
});

Deno.test("an abort stops the process and rejects with the signal's reason, once it ended", async () => {
  const controller = new AbortController();
  const reason = new Error("stop now");
  const marker = await Deno.makeTempFile({ prefix: "upgrade-bot-process-" });
  setTimeout(() => controller.abort(reason), 300);
  const began = performance.now();
  await assert.rejects(
    () =>
      run(
        ["sh", "-c", 'trap "kill \\$!; echo ended > $0; exit 143" TERM; sleep 30 & wait', marker],
        {
          signal: controller.signal,
          check: false,
        },
      ),
    (e) => e === reason,
  );
  assert.ok((performance.now() - began) / 1000 < 10);
  assert.equal(await Deno.readTextFile(marker), "ended\n", "it ran its TERM trap before run ended");
  await Deno.remove(marker);
  await assert.rejects(
    () => run(["true"], { signal: AbortSignal.abort(reason) }),
    (e) => e === reason,
  );
});

Deno.test("a failure keeps argv, the exit code and stderr's tail; check: false hands back the code", async () => {
  const argv = [
    "sh",
    "-c",
    'head -c 10000 /dev/zero | tr "\\0" x >&2; echo " the end" >&2; exit 3',
  ];
  await assert.rejects(() => run(argv), (e: Error) => {
    assert.ok(e instanceof ProcessFailed);
    assert.ok(e instanceof UpgradeFailed, "a failed run (exit 1) unless the caller says better");
    assert.deepEqual(e.argv, argv);
    assert.equal(e.code, 3);
    assert.ok(e.stderrTail.endsWith("xxx the end\n"));
    assert.ok(e.stderrTail.length < 10000, "only the tail");
    assert.match(e.message, /^sh -c 'head -c 10000 .*' exited 3: x+ the end$/);
    return true;
  });
  const out = await run(argv, { check: false });
  assert.equal(out.code, 3);
  assert.equal(out.stderr.length, 10009);
  await assert.rejects(() => run(["/nonexistent/program", "x"]), (e: Error) => {
    assert.ok(e instanceof ProcessFailed);
    assert.equal(e.code, null);
    assert.match(e.message, /^\/nonexistent\/program x could not start: /);
    return true;
  });
});

Deno.test("a failure's message, argv and tails are redacted", async () => {
  const secret = `tok-${crypto.randomUUID()}`;
  addSecret(secret);
  await assert.rejects(
    () => run(["sh", "-c", 'echo "said $0" >&2; echo "out $0"; exit 1', secret]),
    (e: Error) => {
      assert.ok(e instanceof ProcessFailed);
      for (const text of [e.message, ...e.argv, e.stderrTail, e.stdoutTail]) {
        assert.ok(!text.includes(secret), text);
      }
      assert.match(e.message, /said \*\*\*/);
      assert.match(e.stdoutTail, /out \*\*\*/);
      return true;
    },
  );
});
