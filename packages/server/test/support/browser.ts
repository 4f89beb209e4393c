/**
 * A minimal browser over fetch: a cookie jar, manual redirects, and form helpers, so tests
 * drive the server-rendered pages over real HTTP as a user agent would.
 */
export function createBrowser(baseUrl: string, userAgent = "tessera-test-browser") {
  const jar = new Map<string, string>();

  function remember(response: Response) {
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(";");
      const [name, ...rest] = (pair ?? "").split("=");
      if (!name) continue;
      const expired = attributes.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a));
      if (expired) jar.delete(name.trim());
      else jar.set(name.trim(), rest.join("="));
    }
  }

  async function request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (jar.size > 0) headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
    headers.set("user-agent", userAgent);
    if (!headers.has("accept")) headers.set("accept", "text/html");
    const response = await fetch(new URL(path, baseUrl), { ...init, headers, redirect: "manual" });
    remember(response);
    return response;
  }

  return {
    jar,
    get: (path: string, headers: Record<string, string> = {}) => request(path, { headers }),
    /** Posts an urlencoded form. */
    post: (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
      request(path, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        body: new URLSearchParams(form).toString(),
      }),
    request,
    /** The CSRF token a page's form carries. */
    async csrfFrom(path: string): Promise<string> {
      const html = await (await request(path)).text();
      const match = /name="csrf_token" value="([^"]+)"/.exec(html);
      if (!match?.[1]) throw new Error(`no CSRF token on ${path}`);
      return match[1];
    },
    async login(username: string, password: string, extra: Record<string, string> = {}): Promise<Response> {
      const csrf_token = await this.csrfFrom("/login");
      return this.post("/login", { username, password, csrf_token, ...extra });
    },
  };
}

export type Browser = ReturnType<typeof createBrowser>;
