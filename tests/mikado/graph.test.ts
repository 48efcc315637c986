// The Mikado graph drawn as a tree.
import assert from "node:assert/strict";
import { mikadoGraph } from "../../lib/mikado/graph.ts";

Deno.test("mikadoGraph: a tree with states, shared prerequisites, a missing card and a cycle", () => {
  const graph = mikadoGraph([
    { stem: "upgrade-authentik", requires: ["server", "webui", "gone"], active: true },
    { stem: "server", requires: ["client", "python"], active: true },
    { stem: "webui", requires: ["client"], active: false },
    { stem: "client", requires: ["codegen"], active: true },
    { stem: "codegen", requires: ["server"], active: false },
    { stem: "python", requires: [], active: false },
  ], "upgrade-authentik");
  assert.equal(
    graph,
    `upgrade-authentik (goal, active)
├── server (active)
│   ├── client (active)
│   │   └── codegen (done)
│   │       └── server (active) ← cycle
│   └── python (done)
├── webui (done)
│   └── client (active) ← see above
└── gone (missing card)`,
  );
});

Deno.test("mikadoGraph: a lone goal, a missing goal and a self-requiring card", () => {
  assert.equal(mikadoGraph([{ stem: "g", requires: [], active: false }], "g"), "g (goal, done)");
  assert.equal(mikadoGraph([], "g"), "g (goal, missing card)");
  assert.equal(
    mikadoGraph([{ stem: "g", requires: ["g"], active: true }], "g"),
    "g (goal, active)\n└── g (active) ← cycle",
  );
});
