// Nix hash formats: SRI, base16 and Nix base32 conversion, validation and placeholders.

import { createHash } from "node:crypto";

/** lib.fakeHash of nixpkgs: the conventional "I do not know this hash yet" value. */
export const FAKE_HASH = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

/** Digest size in bytes of every algorithm Nix accepts in a fixed-output hash. */
const DIGEST_BYTES: Readonly<Record<string, number>> = {
  md5: 16,
  sha1: 20,
  sha256: 32,
  sha512: 64,
};

/** Nix's own base32 alphabet: no e, o, u or t, so hashes never spell words. */
const BASE32_ALPHABET = "0123456789abcdfghijklmnpqrsvwxyz";

const BASE16_RE = /^[0-9a-fA-F]+$/;
const BASE32_RE = /^[0123456789abcdfghijklmnpqrsvwxyz]+$/;
const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

/** Length of the Nix base32 encoding of `bytes` bytes (hash.cc base32Len). */
function base32Length(bytes: number): number {
  return Math.ceil((bytes * 8) / 5);
}

function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}

/**
 * Nix base32, as printHash32 in nix src/libutil/hash.cc: the digest is read as
 * one little-endian number and printed most significant 5-bit group first, so
 * it is NOT RFC 4648 base32 of the bytes.
 */
export function nixBase32Encode(bytes: Uint8Array): string {
  let out = "";
  for (let n = base32Length(bytes.length) - 1; n >= 0; n--) {
    const bit = n * 5;
    const i = Math.floor(bit / 8);
    const j = bit % 8;
    const low = bytes[i] >> j;
    const high = i + 1 < bytes.length ? bytes[i + 1] << (8 - j) : 0;
    out += BASE32_ALPHABET[(low | high) & 0x1f];
  }
  return out;
}

/** Inverse of nixBase32Encode; throws on a character outside the alphabet or on stray high bits. */
export function nixBase32Decode(s: string): Uint8Array {
  const size = Math.floor((s.length * 5) / 8);
  const bytes = new Uint8Array(size);
  for (let n = 0; n < s.length; n++) {
    const char = s[s.length - n - 1];
    const digit = BASE32_ALPHABET.indexOf(char);
    if (digit < 0) throw new Error(`invalid Nix base32 character '${char}' in '${s}'`);
    const bit = n * 5;
    const i = Math.floor(bit / 8);
    const j = bit % 8;
    bytes[i] |= digit << j;
    const carry = digit >> (8 - j);
    if (i + 1 < size) bytes[i + 1] |= carry;
    else if (carry) throw new Error(`invalid Nix base32 hash '${s}': more bits than ${size} bytes`);
  }
  return bytes;
}

function base16Decode(s: string): Uint8Array {
  const bytes = new Uint8Array(s.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

function base64Encode(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** Decodes canonical padded base64 only, so every accepted string has exactly one spelling. */
function base64DecodeCanonical(s: string): Uint8Array | null {
  if (!BASE64_RE.test(s) || s.length % 4 !== 0) return null;
  const bytes = Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  return base64Encode(bytes) === s ? bytes : null;
}

/**
 * Decodes a digest of `size` bytes written in any of the three encodings Nix
 * prints; the encodings are told apart by length, as Nix's own parser does.
 */
function decodeDigest(digest: string, size: number): Uint8Array | null {
  if (digest.length === size * 2 && BASE16_RE.test(digest)) return base16Decode(digest);
  if (digest.length === base32Length(size) && BASE32_RE.test(digest)) {
    try {
      return nixBase32Decode(digest);
    } catch {
      return null;
    }
  }
  if (digest.length === base64Length(size)) return base64DecodeCanonical(digest);
  return null;
}

/** Splits `algo-digest` (SRI) or `algo:digest`; a bare digest gets the default algorithm. */
function splitHash(hash: string, defaultAlgo: string): { algo: string; digest: string } {
  const sri = /^([a-z0-9]+)-(.*)$/.exec(hash);
  if (sri && sri[1] in DIGEST_BYTES) return { algo: sri[1], digest: sri[2] };
  const prefixed = /^([a-z0-9]+):(.*)$/.exec(hash);
  if (prefixed) return { algo: prefixed[1], digest: prefixed[2] };
  return { algo: defaultAlgo, digest: hash };
}

/**
 * Converts any hash spelling Nix accepts (SRI, `algo:` + base16/base32/base64,
 * or a bare digest of `defaultAlgo`) to canonical SRI. Throws on anything else.
 */
export function toSri(hash: string, defaultAlgo = "sha256"): string {
  const value = hash.trim();
  const { algo, digest } = splitHash(value, defaultAlgo);
  const size = DIGEST_BYTES[algo];
  if (size === undefined) {
    throw new Error(`unsupported hash algorithm '${algo}' in hash '${hash}'`);
  }
  const bytes = decodeDigest(digest, size);
  if (!bytes) {
    throw new Error(
      `not a valid ${algo} hash: '${hash}' (expected SRI, base16, Nix base32 or base64 of ${size} bytes)`,
    );
  }
  return `${algo}-${base64Encode(bytes)}`;
}

/** True for a canonical SRI hash whose digest has the right length for its algorithm. */
export function isSri(s: string): boolean {
  const match = /^([a-z0-9]+)-(.+)$/.exec(s);
  if (!match || !(match[1] in DIGEST_BYTES)) return false;
  const bytes = base64DecodeCanonical(match[2]);
  return bytes !== null && bytes.length === DIGEST_BYTES[match[1]];
}

/**
 * A valid sha256 SRI hash unique to `name`. Giving every reset FOD its own
 * placeholder makes each mismatch in a -k run attributable to one FOD, which
 * lib.fakeHash (shared by all) cannot.
 */
export function placeholderHash(name: string): string {
  return placeholderHashOf(name, "sha256");
}

/** The placeholder of `name` for a literal of another algorithm (sha512): Nix rejects an SRI hash
 * whose type is not the derivation's `outputHashAlgo`. */
export function placeholderHashOf(name: string, algo: string): string {
  if (!(algo in DIGEST_BYTES)) throw new Error(`unsupported hash algorithm '${algo}'`);
  const digest = createHash(algo).update(`upgrade-bot placeholder:${name}`).digest();
  return `${algo}-${base64Encode(new Uint8Array(digest))}`;
}

/** The algorithm of a hash as written: its SRI or `algo:` prefix, else the length of a bare
 * digest, else `fallback` (a key named `sha512`, an `outputHashAlgo`). */
export function hashAlgo(value: string, fallback = "sha256"): string {
  const { algo, digest } = splitHash(value.trim(), "");
  if (algo in DIGEST_BYTES) return algo;
  for (const [name, size] of Object.entries(DIGEST_BYTES)) {
    if (name !== "md5" && decodeDigest(digest, size)) return name;
  }
  return fallback;
}

/** True when two spellings (SRI, base16, Nix base32, base64) are the same digest: a legacy base32
 * literal and the SRI Nix reports for it are one hash, not a change. */
export function sameHash(a: string, b: string): boolean {
  try {
    const algo = hashAlgo(b, hashAlgo(a));
    return toSri(a, hashAlgo(a, algo)) === toSri(b, algo);
  } catch {
    return false;
  }
}

/** One hash literal of an upgrade: the value it had, and the one harvested for it. */
export interface HashOutcome {
  name: string;
  file: string;
  old: string;
  /** The harvested hash; null when the harvest stopped before reaching it. */
  new: string | null;
  unchanged: boolean;
  /** Entries of a per-system set for other systems than the builder's. */
  otherSystems: SystemOutcome[];
}

/** One other system's entry of a per-system hash: harvested on a machine that builds that system,
 * or left as it was, with the reason (`stale`). */
export interface SystemOutcome {
  system: string;
  old: string;
  new: string | null;
  unchanged: boolean;
  /** Why the entry was left as it was (no machine builds that system), or null. */
  stale: string | null;
}
