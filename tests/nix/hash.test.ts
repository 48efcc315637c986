// Tests for lib/nix/hash.ts against vectors printed by the real Nix 2.8 (nix-hash --to-base32, nix hash to-sri).

import assert from "node:assert/strict";
import {
  FAKE_HASH,
  isSri,
  nixBase32Decode,
  nixBase32Encode,
  placeholderHash,
  toSri,
} from "../../lib/nix/hash.ts";

/** [base16, Nix base32, SRI] of the same digest, each printed by Nix 2.8 itself. */
const VECTORS: [string, string, string][] = [
  [ // sha256 of ""
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73",
    "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
  ],
  [ // sha256 of "a"
    "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
    "1fs8xspqaxw0p5r4wz0lz3pqd9sdvhirmcriqbxcmg8vr89835ya",
    "sha256-ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs=",
  ],
  [ // sha256 of "hello world"
    "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
    "1sfdxziarxw8j3p80lvswgpq9i7smdyxmmsj5sjhhgjdjfwjfkdr",
    "sha256-uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=",
  ],
  [ // sha512 of "abc"
    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
    "2gs8k559z4rlahfx0y688s49m2vvszylcikrfinm30ly9rak69236nkam5ydvly1ai7xac99vxfc4ii84hawjbk876blyk1jfhkbbyx",
    "sha512-3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw==",
  ],
  [ // sha1 of "abc"
    "a9993e364706816aba3e25717850c26c9cd0d89d",
    "kpcd173cq987hw957sx6m0868wv3x6d9",
    "sha1-qZk+NkcGgWq6PiVxeFDCbJzQ2J0=",
  ],
];

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!, (b) => parseInt(b, 16));
}

function algoOf(sri: string): string {
  return sri.slice(0, sri.indexOf("-"));
}

Deno.test("nixBase32Encode prints what nix-hash --to-base32 prints", () => {
  for (const [hex, base32] of VECTORS) assert.equal(nixBase32Encode(hexBytes(hex)), base32);
});

Deno.test("nixBase32Decode inverts nix-hash --to-base32", () => {
  for (const [hex, base32] of VECTORS) assert.deepEqual(nixBase32Decode(base32), hexBytes(hex));
});

Deno.test("nixBase32Decode rejects letters outside Nix's alphabet and stray high bits", () => {
  // e, o, u and t are not in the alphabet.
  assert.throws(() => nixBase32Decode("e".repeat(52)), /invalid Nix base32 character 'e'/);
  // 52 digits hold 260 bits; a leading digit above 0 would need bits 256..259.
  assert.throws(() => nixBase32Decode("z" + "0".repeat(51)), /more bits than 32 bytes/);
});

Deno.test("toSri converts every spelling Nix prints to the SRI Nix prints", () => {
  for (const [hex, base32, sri] of VECTORS) {
    const algo = algoOf(sri);
    const base64 = sri.slice(algo.length + 1);
    assert.equal(toSri(`${algo}:${base32}`), sri);
    assert.equal(toSri(`${algo}:${hex}`), sri);
    assert.equal(toSri(`${algo}:${hex.toUpperCase()}`), sri);
    assert.equal(toSri(`${algo}:${base64}`), sri);
    assert.equal(toSri(sri), sri);
    assert.equal(toSri(base32, algo), sri);
    assert.equal(toSri(hex, algo), sri);
    assert.equal(toSri(base64, algo), sri);
  }
});

Deno.test("toSri reads a bare digest as sha256 unless told otherwise", () => {
  const [hex, base32, sri] = VECTORS[2];
  assert.equal(toSri(base32), sri);
  assert.equal(toSri(hex), sri);
  assert.equal(toSri(`  ${sri}\n`), sri);
});

Deno.test("toSri throws an Error naming the value for anything else", () => {
  const bad = [
    "",
    "sha256-",
    "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuF=", // one character short
    "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=", // non-zero padding bits
    "sha256-3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw==", // a sha512 digest
    "sha256:0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c7e", // 'e' is not Nix base32
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85", // 63 hex digits
    "blake3-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
    "md4:0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73",
    "not a hash",
  ];
  for (const value of bad) {
    assert.throws(
      () => toSri(value),
      (e: unknown) => e instanceof Error && e.message.includes(`'${value}'`),
      `toSri(${JSON.stringify(value)}) must throw naming the value`,
    );
  }
});

Deno.test("isSri accepts canonical SRI of the right length only", () => {
  for (const [, , sri] of VECTORS) assert.equal(isSri(sri), true, sri);
  for (
    const value of [
      "sha256:0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73",
      "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=",
      "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
      "sha512-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
      "SHA256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
      "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=x",
      "",
    ]
  ) {
    assert.equal(isSri(value), false, value);
  }
});

Deno.test("FAKE_HASH is lib.fakeHash", () => {
  assert.equal(FAKE_HASH, "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  assert.equal(isSri(FAKE_HASH), true);
});

Deno.test("placeholderHash is the sha256 of 'upgrade-bot placeholder:' + name", () => {
  // printf 'upgrade-bot placeholder:x' | sha256sum
  const expected = toSri("a0cca997c1e8544686179b773c715dcc8cdf255324c722fb5083713c8b94d102");
  assert.equal(placeholderHash("x"), expected);
  assert.equal(isSri(placeholderHash("python-deps")), true);
});

Deno.test("placeholderHash is deterministic, distinct per name and never lib.fakeHash", () => {
  const names = ["src", "client-go-src", "python-deps", "webui-deps", "go-modules", ""];
  const hashes = names.map(placeholderHash);
  assert.deepEqual(names.map(placeholderHash), hashes);
  assert.equal(new Set(hashes).size, names.length);
  assert.equal(hashes.includes(FAKE_HASH), false);
});

Deno.test("hashAlgo, sameHash and sha512 placeholders", async () => {
  const { hashAlgo, placeholderHashOf, sameHash } = await import("../../lib/nix/hash.ts");
  const sha512 = placeholderHashOf("b", "sha512");
  assert.match(sha512, /^sha512-/);
  assert.ok(isSri(sha512));
  assert.equal(placeholderHashOf("b", "sha256"), placeholderHash("b"));
  assert.equal(hashAlgo("1x5ryv2mw00vx78zv3jrwgrafxhjlwg0hnf1dqlr3wwklka69ir9"), "sha256");
  assert.equal(hashAlgo("lib.fakeHash", "sha512"), "sha512");
  assert.equal(hashAlgo(sha512), "sha512");
  // nix hash to-sri sha256:1x5ryv2mw00vx78zv3jrwgrafxhjlwg0hnf1dqlr3wwklka69ir9
  const sri = "sha256-Kcdk1KST85EpbsFZCB6nEnan8uNZjv3R6RsAXsX2ufQ=";
  assert.ok(sameHash("1x5ryv2mw00vx78zv3jrwgrafxhjlwg0hnf1dqlr3wwklka69ir9", sri));
  assert.ok(sameHash("sha256:1x5ryv2mw00vx78zv3jrwgrafxhjlwg0hnf1dqlr3wwklka69ir9", sri));
  assert.ok(!sameHash(FAKE_HASH, sri));
  assert.ok(!sameHash("lib.fakeHash", sri));
});
