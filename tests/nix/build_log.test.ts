// Tests for lib/nix/build_log.ts: transcripts of every Nix/Lix message format (real logs of the
// installed Nix: build_log_real.test.ts).

import assert from "node:assert/strict";
import { type ParsedLog, parseNixLog } from "../../lib/nix/build_log.ts";
import { renderNixLog, stripAnsi } from "../../lib/nix/build_log_lines.ts";
import { FAKE_HASH, placeholderHash } from "../../lib/nix/hash.ts";

const FIXTURES = new URL("../fixtures/nixlogs/", import.meta.url);

function fixture(name: string): string {
  return Deno.readTextFileSync(new URL(name, FIXTURES));
}

function store(name: string): string {
  return `/nix/store/${name}`;
}

function empty(): ParsedLog {
  return { mismatches: [], failures: [], skipped: [] };
}

// --- transcripts, one per format ------------------------------------------

Deno.test("Nix 2.0-2.1: the one-line message, base32 hashes, output path as drv", () => {
  assert.deepEqual(parseNixLog(fixture("nix-2.0.log")), {
    mismatches: [{
      drv: store("l5lqjf4rf5i5q9a7rma86cxw9jd3vzr0-source"),
      specified: FAKE_HASH,
      // nix hash to-sri sha256:1x5ryv2mw00vx78zv3jrwgrafxhjlwg0hnf1dqlr3wwklka69ir9
      got: "sha256-Kcdk1KST85EpbsFZCB6nEnan8uNZjv3R6RsAXsX2ufQ=",
    }],
    failures: [],
    skipped: [store("ismql4z0jk8fx2815clw34bh3i7rlvza-authentik-2026.5.0.drv")],
  });
});

Deno.test("Nix 2.2-2.3: wanted/got with sha256: base32, no error: prefix", () => {
  assert.deepEqual(parseNixLog(fixture("nix-2.3.log")), {
    mismatches: [{
      drv: store("5zs5blzrrxl8ym4s4pffqpznyb92m6z4-source"),
      specified: FAKE_HASH,
      // nix hash to-sri sha256:0vh5rhkawi367l0hswxz7vq6p8qkcazp8kxg12gynrshq8lf85k4
      got: "sha256-ZBbkKMJQZ+ufCK9PdL9iE6Nr8D6/cw0BPWZEribMBW4=",
    }],
    failures: [],
    skipped: [store("cmw28sys2rlmyvlxv0d1v03is6mwsqmj-authentik-2026.5.0.drv")],
  });
});

Deno.test("Nix 2.4+: every FOD of a -k run, each with its own placeholder", () => {
  const parsed = parseNixLog(fixture("nix-2.4.log"));
  assert.deepEqual(parsed, {
    mismatches: [
      {
        drv: store("3s7bnd6x1gvl5dsdzxql08aspgynmzpy-authentik-python-deps-2026.5.0.drv"),
        specified: placeholderHash("python-deps"),
        got: "sha256-Gg733I0lK3nMZoTNGM2avDqvH24M1/LvCJ2mWEHhAJs=",
      },
      {
        drv: store("0vqf6nq94c5i3cj5ypckn30ix02y3y1j-authentik-webui-deps-2026.5.0.drv"),
        specified: placeholderHash("webui-deps"),
        got: "sha256-FH2mNFB6h62hc8PfR+4IW3WjM5be8dtWynsQbUOvY1c=",
      },
      {
        drv: store("7cvmvsy379pk80ba7qn4nll996p5hfgd-authentik-server-2026.5.0-go-modules.drv"),
        specified: placeholderHash("go-modules"),
        got: "sha256-V5DccHyLmn4Gw3Gh2qaCLs1du8dKDnfBdvYYRSFUS58=",
      },
    ],
    failures: [],
    skipped: [
      store("23qirk70jj1j0ajn4qdd7gjrdmkyha22-authentik-server-2026.5.0.drv"),
      store("61327kdwll6b26g0g3cfbcjjslwblm76-authentik-2026.5.0.drv"),
    ],
  });
});

Deno.test("Lix 2.90: the Nix 2.4 format", () => {
  assert.deepEqual(parseNixLog(fixture("lix-2.90.log")), {
    mismatches: [{
      drv: store("rcjxfikh00f5i8c7jiprnc1ff7j8l5vp-source.drv"),
      specified: FAKE_HASH,
      got: "sha256-Ec1eMgCExJx3tLdTA6IBatRSe4ISOvWiYBXZ1Wktcrk=",
    }],
    failures: [],
    skipped: [store("8hhplazliq8jgb8xldzzy03165p76c9r-authentik-2026.5.0.drv")],
  });
});

Deno.test("Lix 2.91-2.93: a likely URL line before specified", () => {
  assert.deepEqual(parseNixLog(fixture("lix-2.92.log")), {
    mismatches: [{
      drv: store("nniqc11szcsf3mh70ph5sas3bmlihr82-source.drv"),
      specified: placeholderHash("client-go-src"),
      got: "sha256-PyBypEECjFHRvbyDQ0Xb+9f82hVyrvDVNpmRsUoQTuE=",
      url: "https://forge.ops.eblu.me/mirrors/authentik-client-go.git",
    }],
    failures: [],
    skipped: [],
  });
});

Deno.test("Lix 2.94+: 'got: ' with one space and the expected/got path lines; '(unknown)' URL dropped", () => {
  assert.deepEqual(parseNixLog(fixture("lix-2.94.log")), {
    mismatches: [
      {
        drv: store("1145panhn61ghm9705hjm2p7h6cab0qy-source.drv"),
        specified: placeholderHash("src"),
        got: "sha256-yrrHuTr66jO0smjVkRBddcz1CF+WZlgjh4HRFkxe79A=",
        url: "https://forge.ops.eblu.me/mirrors/authentik.git",
      },
      {
        drv: store("a440ms09ri4cd09cil58c1bnydygddq5-authentik-server-2026.5.0-go-modules.drv"),
        specified: placeholderHash("go-modules"),
        got: "sha256-V5DccHyLmn4Gw3Gh2qaCLs1du8dKDnfBdvYYRSFUS58=",
      },
    ],
    failures: [],
    skipped: [],
  });
});

Deno.test("remote builder: the prefixed mismatch, and not also the builder failure that follows it", () => {
  assert.deepEqual(parseNixLog(fixture("remote-builder.log")), {
    mismatches: [{
      drv: store("0vqf6nq94c5i3cj5ypckn30ix02y3y1j-authentik-webui-deps-2026.5.0.drv"),
      specified: placeholderHash("webui-deps"),
      got: "sha256-txGZ69Bws2vqtzF5IMLC8dd3340F5VJ9hFj9pXyxeno=",
    }],
    failures: [],
    skipped: [],
  });
});

Deno.test("builtin fetchers: drv null, the URL, base32 hashes converted", () => {
  assert.deepEqual(parseNixLog(fixture("builtin-fetcher.log")), {
    mismatches: [{
      drv: null,
      specified: FAKE_HASH,
      // nix hash to-sri sha256:1hkp28kalwvrn7cza1827xfvalld2jf4gr6msf7ybplb5qcpf09g
      got: "sha256-LwF3GS6L3uWP09XkR5wUjVK1XT8CBfXZsXlzqiYSd8I=",
      url: "https://forge.ops.eblu.me/mirrors/authentik/archive/version/2026.5.0.tar.gz",
    }],
    failures: [],
    skipped: [],
  });
});

Deno.test("ANSI colour codes around the arguments", () => {
  const text = fixture("ansi.log");
  assert.ok(text.includes("\x1b[35;1m"), "the fixture holds real escape bytes");
  assert.deepEqual(parseNixLog(text), {
    mismatches: [
      {
        drv: store("2xgsiy0q4w4vn4l9v8vj0y1b4b2dfi8k-source.drv"),
        specified: placeholderHash("src"),
        got: "sha256-Zs3d/47z+PuBOXhjCTA+sKrrJiFhxh7IWugjMC1lqjw=",
      },
      {
        drv: store("9c3ay5ziwvq1i1kmg0n8gch2m47rxafd-authentik-client-go-source.drv"),
        specified: placeholderHash("client-go-src"),
        got: "sha256-7RpBEhDJ9P2myhzO4v9xMbhQnAM9lLl+z1QxTiP0SWw=",
      },
    ],
    failures: [],
    skipped: [store("hw0z8lzvy2gk4a5nqjl3l0r8pl9d6qzl-authentik-2026.5.0.drv")],
  });
});

Deno.test("internal-json: msg events carry errors; build output (even a fake block) never matches", () => {
  const webui = store("q3x0jw2mlkr1dn4a8g6vyh5cib9zfs7p-authentik-webui-2026.5.0.drv");
  const tail = Array.from({ length: 24 }, (_, i) => `vite: transforming module ${i + 7} of 30`);
  tail.push('error during build: [vite]: Rollup failed to resolve import "@goauthentik/api"');
  assert.deepEqual(parseNixLog(fixture("internal-json.log")), {
    mismatches: [{
      drv: store("fz1bbn5gm4s1rqp9ywxrhk8d9b3lqx0c-authentik-python-deps-2026.5.0.drv"),
      specified: placeholderHash("python-deps"),
      got: "sha256-Gg733I0lK3nMZoTNGM2avDqvH24M1/LvCJ2mWEHhAJs=",
    }],
    failures: [{
      drv: webui,
      message: `builder for '${webui}' failed with exit code 1`,
      logTail: tail,
    }],
    skipped: [store("kd5nwrmh1c8q0fjzbyl6xg2v3ia9s4pn-authentik-2026.5.0.drv")],
  });
});

Deno.test("Nix 2.29+: Cannot build ... Reason: builder failed / N dependencies failed", () => {
  const webui = store("q3x0jw2mlkr1dn4a8g6vyh5cib9zfs7p-authentik-webui-2026.5.0.drv");
  assert.deepEqual(parseNixLog(fixture("nix-2.29-dependency.log")), {
    mismatches: [{
      drv: store("fz1bbn5gm4s1rqp9ywxrhk8d9b3lqx0c-authentik-python-deps-2026.5.0.drv"),
      specified: placeholderHash("python-deps"),
      got: "sha256-j5wH1S53kkAttWfQ0doyzTurPWw+LL/5goNmqYxH9es=",
    }],
    failures: [{
      drv: webui,
      message: `build of '${webui}' failed: Cannot build '${webui}'.\n` +
        "Reason: builder failed with exit code 2.",
      logTail: [
        "Running phase: buildPhase",
        "> authentik-web@0.0.0 build",
        "> wireit",
        "",
        "error TS2307: Cannot find module '@goauthentik/api' or its corresponding type declarations.",
      ],
    }],
    skipped: [
      store("kd5nwrmh1c8q0fjzbyl6xg2v3ia9s4pn-authentik-2026.5.0.drv"),
      store("v8lgrk0n3zq5yw1xjd9m6bh2fs4cpi7a-authentik-image.drv"),
    ],
  });
});

Deno.test("builder failure: message without the quoted lines, which become the tail (a quoted mismatch too)", () => {
  const drv = store("q3x0jw2mlkr1dn4a8g6vyh5cib9zfs7p-authentik-webui-deps-2026.5.0.drv");
  assert.deepEqual(parseNixLog(fixture("builder-failure.log")), {
    mismatches: [],
    failures: [{
      drv,
      message: `builder for '${drv}' failed with exit code 1`,
      logTail: [
        "Running phase: buildPhase",
        "npm error code ENOTCACHED",
        "npm error request to https://registry.npmjs.org/@goauthentik%2fapi failed: cache mode is 'only-if-cached' but no cached response is available.",
        "error: hash mismatch in fixed-output derivation '/nix/store/6b9zk2pwy3q0jv1rxlm8fd4hsn7c5ai0-inner.drv':",
        "         specified: sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "            got:    sha256-Ec1eMgCExJx3tLdTA6IBatRSe4ISOvWiYBXZ1Wktcrk=",
        "",
        "npm error A complete log of this run can be found in: /build/.npm/_logs/2026-05-02T10_11_12_000Z-debug-0.log",
      ],
    }],
    skipped: [store("kd5nwrmh1c8q0fjzbyl6xg2v3ia9s4pn-authentik-2026.5.0.drv")],
  });
});

Deno.test("evaluation error: drv null, the whole error text with its code frame", () => {
  assert.deepEqual(parseNixLog(fixture("eval-error.log")), {
    mismatches: [],
    failures: [{
      drv: null,
      message: [
        "undefined variable 'pkgs'",
        "",
        "at /tmp/upgrade-bot-3f9c/test-build.nix:3:17:",
        "",
        "     2| {",
        "     3|   python-deps = pkgs.callPackage ./python-deps.nix { };",
        "      |                 ^",
        "     4| }",
      ].join("\n"),
      logTail: [],
    }],
    skipped: [],
  });
});

Deno.test("decoys in plain build output: bare got lines, a non-FOD hash error, builder error lines", () => {
  const nested = store("bw2d8f5lq1k9xzr0c4m7jy3hg6pnias0-nested-nix-check.drv");
  assert.deepEqual(parseNixLog(fixture("decoy.log")), {
    mismatches: [{
      drv: store("m4f7q0zk2c9j1rdl8xw5by3shgvn6ai1-tricky-fod.drv"),
      specified: FAKE_HASH,
      got: "sha256-LwF3GS6L3uWP09XkR5wUjVK1XT8CBfXZsXlzqiYSd8I=",
    }],
    failures: [{
      drv: nested,
      message: `builder for '${nested}' failed with exit code 1`,
      logTail: [
        "checking hash reporting of the inner nix",
        "got: sha256-Ec1eMgCExJx3tLdTA6IBatRSe4ISOvWiYBXZ1Wktcrk=",
        "  specified: sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "     got:    sha256-PyBypEECjFHRvbyDQ0Xb+9f82hVyrvDVNpmRsUoQTuE=",
        "error: hash mismatch importing path '/nix/store/f1c9s7dq0ly2zm4kw8pb6xr3jhgn5ai0-inner';",
        "         specified: sha256:0000000000000000000000000000000000000000000000000000",
        "         got:       sha256:1qaf215b34cr6vaz1bkj2pdgrmzvvd2l70xwpp8m330286j7481z",
        "error: inner check failed",
      ],
    }],
    skipped: [store("yl2x6b9k0fmsq1zd7rcw4h8j3vpgn5ai-after-tricky.drv")],
  });
});

// --- smaller cases ---------------------------------------------------------

const DRV = store("0kzxiqv9144drwwiv0ciqbg9l1p065fz-killed-5727.drv");
const SRC = store("rcjxfikh00f5i8c7jiprnc1ff7j8l5vp-source.drv");
const GOT = "sha256-Ec1eMgCExJx3tLdTA6IBatRSe4ISOvWiYBXZ1Wktcrk=";
const MISMATCH_2_4 = [
  `error: hash mismatch in fixed-output derivation '${SRC}':`,
  `         specified: ${FAKE_HASH}`,
  `            got:    ${GOT}`,
].join("\n");

function msgEvent(msg: string): string {
  return `@nix ${JSON.stringify({ action: "msg", level: 0, msg })}`;
}

Deno.test("a mismatch reported twice (plain and internal-json) is kept once", () => {
  const parsed = parseNixLog([MISMATCH_2_4, msgEvent(MISMATCH_2_4), MISMATCH_2_4].join("\n"));
  assert.deepEqual(parsed.mismatches, [{ drv: SRC, specified: FAKE_HASH, got: GOT }]);
});

Deno.test("plain lines between @nix lines are parsed as plain text", () => {
  const log = [
    msgEvent("these 2 derivations will be built:"),
    MISMATCH_2_4,
    `@nix {"action":"stop","id":1}`,
    `error: 1 dependencies of derivation '${DRV}' failed to build`,
  ].join("\n");
  assert.deepEqual(parseNixLog(log), {
    mismatches: [{ drv: SRC, specified: FAKE_HASH, got: GOT }],
    failures: [],
    skipped: [DRV],
  });
});

Deno.test("a mismatch header without its got line is a failure, never a guessed hash", () => {
  const log =
    `error: hash mismatch in fixed-output derivation '${SRC}':\n         specified: ${FAKE_HASH}\ngot: ${GOT}`;
  const parsed = parseNixLog(log);
  assert.deepEqual(parsed.mismatches, []);
  assert.deepEqual(parsed.failures.map((f) => f.drv), [SRC]);
});

Deno.test("Nix 2.3 nix build: '; last N log lines:' on the header, indented lines", () => {
  const drv = store("ckkdla5pg582i83d0v2w99mxny2jqxk3-unit-script-acme-start.drv");
  const log = [
    `builder for '${drv}' failed with exit code 127; last 2 log lines:`,
    "  /build/.attr-0: line 1: domain_name: command not found",
    "    indented output",
    `error: build of '${drv}' failed`,
  ].join("\n");
  assert.deepEqual(parseNixLog(log), {
    mismatches: [],
    failures: [{
      drv,
      message: `builder for '${drv}' failed with exit code 127`,
      logTail: ["/build/.attr-0: line 1: domain_name: command not found", "  indented output"],
    }],
    skipped: [],
  });
});

Deno.test("timeouts and signals (as printed by Nix 2.8) are failures of their drv", () => {
  const slow = store("j3y3p1jpjcib3145afqwiqpiyif7j0i6-slow-4390.drv");
  const log = [
    `building '${slow}'...`,
    "start",
    `error: building of '${slow}!out' from .drv file timed out after 1 seconds of silence`,
    `building '${DRV}'...`,
    "dying",
    `error: builder for '${DRV}' failed due to signal 9 (Killed)`,
  ].join("\n");
  assert.deepEqual(parseNixLog(log).failures, [
    {
      drv: slow,
      message: `building of '${slow}!out' from .drv file timed out after 1 seconds of silence`,
      logTail: ["start"],
    },
    {
      drv: DRV,
      message: `builder for '${DRV}' failed due to signal 9 (Killed)`,
      logTail: ["dying"],
    },
  ]);
});

Deno.test("Cannot build with the Reason on the same line; dependency vs dependencies", () => {
  const other = store("6rzlkl740gircw6d66a6j4xrh0cmxm44-other.drv");
  const log = [
    `error: Cannot build '${DRV}'. Reason: 1 dependency failed.`,
    `error: Cannot build '${other}'.`,
    "       Reason: 3 dependencies failed.",
    `error: Cannot build '${SRC}'.`,
    "       Reason: builder timed out after 10 seconds.",
  ].join("\n");
  assert.deepEqual(parseNixLog(log), {
    mismatches: [],
    failures: [{
      drv: SRC,
      message: `Cannot build '${SRC}'.\nReason: builder timed out after 10 seconds.`,
      logTail: [],
    }],
    skipped: [DRV, other],
  });
});

Deno.test("the closing 'build of ... failed' summary is not a failure on its own", () => {
  assert.deepEqual(parseNixLog(`error: build of '${DRV}', '${SRC}' failed\n`), empty());
  assert.deepEqual(parseNixLog("error: Build failed due to failed dependency\n"), empty());
});

Deno.test("an unknown error: line is build output inside a plain build section, a failure outside", () => {
  const inside = parseNixLog(
    [
      `building '${DRV}'...`,
      "error: npm ci failed",
      `error: builder for '${DRV}' failed with exit code 1`,
    ]
      .join("\n"),
  );
  assert.deepEqual(inside.failures, [{
    drv: DRV,
    message: `builder for '${DRV}' failed with exit code 1`,
    logTail: ["error: npm ci failed"],
  }]);
  const outside = parseNixLog(
    "error: cannot connect to socket at '/nix/var/nix/daemon-socket/socket'",
  );
  assert.deepEqual(outside.failures, [{
    drv: null,
    message: "cannot connect to socket at '/nix/var/nix/daemon-socket/socket'",
    logTail: [],
  }]);
});

Deno.test("nix build -L prefixes attribute interleaved output to the right build", () => {
  const a = store("32pm7ndlb8jwhb70lhabnncfcwrczgkp-alpha.drv");
  const b = store("ismql4z0jk8fx2815clw34bh3i7rlvza-beta-1.0.drv");
  const log = [
    `building '${a}'`,
    `building '${b}'`,
    "alpha> a1",
    "beta-1.0> b1",
    "alpha> a2",
    `error: builder for '${a}' failed with exit code 2`,
    "beta-1.0> b2",
    `error: builder for '${b}' failed with exit code 3`,
  ].join("\n");
  assert.deepEqual(parseNixLog(log).failures.map((f) => f.logTail), [["a1", "a2"], ["b1", "b2"]]);
});

Deno.test("stripAnsi removes colours, hyperlinks and other escapes only", () => {
  assert.equal(stripAnsi("\x1b[31;1merror:\x1b[0m x \x1b[K"), "error: x ");
  assert.equal(
    stripAnsi("\x1b]8;;file:///nix/store/x\x07/nix/store/x\x1b]8;;\x07"),
    "/nix/store/x",
  );
  assert.equal(stripAnsi("got: [not an escape]"), "got: [not an escape]");
});

Deno.test("renderNixLog: internal-json becomes plain lines with name> prefixes", () => {
  const lines = renderNixLog(fixture("internal-json.log")).split("\n");
  const fod = store("fz1bbn5gm4s1rqp9ywxrhk8d9b3lqx0c-authentik-python-deps-2026.5.0.drv");
  assert.equal(lines[0], "these 3 derivations will be built:");
  assert.ok(lines.includes(`building '${fod}'...`));
  assert.ok(lines.includes("authentik-webui-2026.5.0> vite: transforming module 1 of 30"));
  assert.ok(lines.includes("authentik-python-deps-2026.5.0> Resolved 187 packages in 12ms"));
  assert.ok(lines.includes(`error: hash mismatch in fixed-output derivation '${fod}':`));
  assert.ok(
    lines.includes("            got:    sha256-Gg733I0lK3nMZoTNGM2avDqvH24M1/LvCJ2mWEHhAJs="),
  );
  assert.equal(lines.some((l) => l.includes("\x1b") || l.startsWith("@nix")), false);
  // Progress events and the level-6 "querying info" activity are not shown, as in a plain log.
  assert.equal(lines.some((l) => l.includes("querying info")), false);
  assert.equal(lines.at(-1), "");
  // Rendering a rendered (plain) log changes nothing but colours.
  assert.equal(renderNixLog(lines.join("\n")), lines.join("\n"));
  assert.equal(renderNixLog("\x1b[31;1merror:\x1b[0m x\n"), "error: x\n");
});

Deno.test("a rendered internal-json log still parses to the same result", () => {
  const json = fixture("internal-json.log");
  assert.deepEqual(parseNixLog(renderNixLog(json)), parseNixLog(json));
});

// --- transcripts that the parser used to lose -------------------------------

const IFD_DRV = store("9q7gk2m0c1yxb4r8wsd3lzvj6pnhfai5-generated-src.drv");
const SOURCE_DRV = store("5zs5blzrrxl8ym4s4pffqpznyb92m6z4-source.drv");
const GOT_2_3 = "sha256-ZBbkKMJQZ+ufCK9PdL9iE6Nr8D6/cw0BPWZEribMBW4=";

Deno.test("import-from-derivation: a bare error: line, the indented chain, the nested mismatch", () => {
  assert.deepEqual(parseNixLog(fixture("ifd-eval.log")), {
    mismatches: [{ drv: IFD_DRV, specified: placeholderHash("generated-src"), got: GOT_2_3 }],
    failures: [],
    skipped: [],
  });
});

Deno.test("a mismatch header with trailing whitespace, or indented by one space, is still read", () => {
  for (const name of ["trailing-space.log", "one-space.log"]) {
    assert.deepEqual(parseNixLog(fixture(name)), {
      mismatches: [{ drv: SOURCE_DRV, specified: placeholderHash("generated-src"), got: GOT_2_3 }],
      failures: [],
      skipped: [],
    }, name);
  }
});

Deno.test("Nix 2.0 fetcher wording: expected hash 'Y', got 'X'", () => {
  assert.deepEqual(parseNixLog(fixture("nix-2.0-fetcher.log")), {
    mismatches: [{
      drv: null,
      url: "https://forge.ops.eblu.me/mirrors/authentik/archive/version/2026.5.0.tar.gz",
      specified: FAKE_HASH,
      // nix hash to-sri sha256:1hkp28kalwvrn7cza1827xfvalld2jf4gr6msf7ybplb5qcpf09g
      got: parseNixLog(fixture("builtin-fetcher.log")).mismatches[0].got,
    }],
    failures: [],
    skipped: [],
  });
});

Deno.test("text that says a hash mismatched or a build failed, attributed to nothing, is a failure", () => {
  const parsed = parseNixLog(fixture("unattributed.log"));
  assert.deepEqual(parsed.mismatches, []);
  assert.equal(parsed.failures.length, 1);
  assert.equal(parsed.failures[0].drv, null);
  assert.match(
    parsed.failures[0].message,
    /could not attribute.*warning: hash mismatch for output/,
  );
  // The same words as a build's own output are that build's, not an alarm.
  const inside = parseNixLog(
    [`building '${SOURCE_DRV}'...`, "test: hash mismatch detected (expected)", "ok"].join("\n"),
  );
  assert.deepEqual(inside, empty());
  const json = parseNixLog(msgEvent("error: some new wording: hash mismatch in '/nix/store/x'"));
  assert.equal(json.failures.length, 1);
});
