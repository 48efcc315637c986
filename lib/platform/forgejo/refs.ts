// git's ref listing of a forge repository: protocol v2's `ls-refs` in one HTTP request, no git process.

/** What `ls-refs` answered: each ref under the prefix with the commit it names (an annotated tag
 * peeled to its commit), or the HTTP status and the server's words when it refused. */
export type RefListing =
  | { refs: Map<string, string> }
  | { status: number; message: string };

/** One pkt-line (git's framing: four hex digits of length in bytes, the length counting
 * themselves; a tag prefix may be UTF-8). */
function pktLine(text: string): string {
  return (new TextEncoder().encode(text).length + 4).toString(16).padStart(4, "0") + text;
}

/** The refs of the repository at `url` (`<forge>/<owner>/<name>.git`) whose names start with
 * `prefix` (`refs/tags/v`): one POST to its git-upload-pack in protocol v2, the command `git
 * ls-remote` sends after its capability request (one request where git's process made two, and
 * some 30 ms of starting git's three processes saved per repository). `authorization` goes to
 * that URL only. */
export async function listRefs(
  url: string,
  prefix: string,
  authorization: string,
  timeoutMs: number,
): Promise<RefListing> {
  const request = pktLine("command=ls-refs\n") + "0001" + pktLine("peel\n") +
    pktLine(`ref-prefix ${prefix}\n`) + "0000";
  const response = await fetch(`${url}/git-upload-pack`, {
    method: "POST",
    headers: {
      "Authorization": authorization,
      "Content-Type": "application/x-git-upload-pack-request",
      "Accept": "application/x-git-upload-pack-result",
      "Git-Protocol": "version=2",
      "User-Agent": "upgrade-bot",
    },
    body: request,
    redirect: "error",
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = new Uint8Array(await response.arrayBuffer());
  if (!response.ok) {
    return {
      status: response.status,
      message: new TextDecoder().decode(body).trim().slice(0, 500),
    };
  }
  return parseLsRefs(body);
}

/** `ls-refs`' answer: pkt-lines `<oid> <ref>[ symref-target:<ref>][ peeled:<oid>]`, then a flush;
 * an `ERR` line is the server's refusal. Lengths count bytes (a tag's name may be UTF-8). */
export function parseLsRefs(answer: Uint8Array): RefListing {
  const decoder = new TextDecoder();
  const refs = new Map<string, string>();
  let at = 0;
  while (at + 4 <= answer.length) {
    const length = parseInt(decoder.decode(answer.subarray(at, at + 4)), 16);
    if (Number.isNaN(length)) break;
    if (length < 4) {
      // 0000 flush: the listing's end; 0001 delimiter and 0002 response-end carry nothing here.
      if (length === 0) return { refs };
      at += 4;
      continue;
    }
    const line = decoder.decode(answer.subarray(at + 4, at + length)).replace(/\n$/, "");
    at += length;
    if (line.startsWith("ERR ")) return { status: 0, message: line.slice(4) };
    const [oid, ref, ...attributes] = line.split(" ");
    if (!/^[0-9a-f]{40,64}$/.test(oid) || !ref) continue;
    const peeled = attributes.find((a) => a.startsWith("peeled:"))?.slice("peeled:".length);
    refs.set(ref, peeled ?? oid);
  }
  const start = decoder.decode(answer.subarray(0, 200));
  return { status: 0, message: `an unfinished ref listing: ${start}` };
}
