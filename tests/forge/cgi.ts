// Git smart HTTP for the Forgejo stand-in: runs git's own `git http-backend` as a CGI program,
// streaming the request body in and the response body out.

export interface CgiRequest {
  root: string;
  /** "/<owner>/<name>.git/info/refs" and the like. */
  pathInfo: string;
  remoteUser: string;
}

/**
 * Answers `req` with git http-backend. `exited` resolves once the process is gone (after the
 * body has streamed), so the server can wait for it and act on completed pushes.
 */
export async function httpBackend(
  req: Request,
  cgi: CgiRequest,
): Promise<{ response: Response; exited: Promise<Deno.CommandStatus> }> {
  const url = new URL(req.url);
  const env: Record<string, string> = {
    GIT_PROJECT_ROOT: cgi.root,
    GIT_HTTP_EXPORT_ALL: "1",
    PATH_INFO: cgi.pathInfo,
    QUERY_STRING: url.search.slice(1),
    REQUEST_METHOD: req.method,
    CONTENT_TYPE: req.headers.get("content-type") ?? "",
    REMOTE_USER: cgi.remoteUser,
    REMOTE_ADDR: "127.0.0.1",
  };
  const optional: [string, string][] = [
    ["content-length", "CONTENT_LENGTH"],
    ["content-encoding", "HTTP_CONTENT_ENCODING"], // git gzips large fetch negotiations
    ["git-protocol", "GIT_PROTOCOL"], // protocol v2 is negotiated through this header
  ];
  for (const [header, name] of optional) {
    const value = req.headers.get(header);
    if (value) env[name] = value;
  }
  const child = new Deno.Command("git", {
    // Pushes are authorised by the stand-in before git runs, so receive-pack is always on.
    // Partial clones as Forgejo allows them by default (modules/git: uploadpack.allowfilter and
    // uploadpack.allowAnySHA1InWant, unless [git] DISABLE_PARTIAL_CLONE).
    args: [
      "-c",
      "http.receivepack=true",
      "-c",
      "uploadpack.allowFilter=true",
      "-c",
      "uploadpack.allowAnySHA1InWant=true",
      "-c",
      "safe.directory=*",
      "http-backend",
    ],
    env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const fed = req.body ? req.body.pipeTo(child.stdin).catch(() => {}) : child.stdin.close();
  const drained = new Response(child.stderr).arrayBuffer(); // a full pipe would stall git
  const exited = Promise.all([child.status, fed, drained]).then(([status]) => status);

  const reader = child.stdout.getReader();
  const { head, rest } = await readHead(reader);
  const headers = new Headers();
  let status = 200;
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === "status") status = Number(value.split(" ")[0]);
    else headers.append(name, value);
  }
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (rest.length) controller.enqueue(rest);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel() {
      return reader.cancel();
    },
  });
  const nullBody = status === 204 || status === 304;
  if (nullBody) await body.cancel();
  return { response: new Response(nullBody ? null : body, { status, headers }), exited };
}

/** Splits CGI output at the blank line ending the headers. */
async function readHead(
  reader: ReadableStreamDefaultReader<Uint8Array>,
): Promise<{ head: string; rest: Uint8Array }> {
  let buf = new Uint8Array(0);
  while (true) {
    const end = headerEnd(buf);
    if (end) {
      return { head: new TextDecoder().decode(buf.subarray(0, end.at)), rest: buf.slice(end.next) };
    }
    const { done, value } = await reader.read();
    if (done) return { head: new TextDecoder().decode(buf), rest: new Uint8Array(0) };
    const grown = new Uint8Array(buf.length + value.length);
    grown.set(buf);
    grown.set(value, buf.length);
    buf = grown;
  }
}

function headerEnd(buf: Uint8Array): { at: number; next: number } | null {
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] !== 10) continue; // "\n"
    if (buf[i + 1] === 10) return { at: i, next: i + 2 };
    if (buf[i + 1] === 13 && buf[i + 2] === 10) return { at: i, next: i + 3 };
  }
  return null;
}
