import { readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, extname, join, resolve, sep } from "node:path";
import type { FastifyInstance, FastifyReply } from "fastify";
import { messagePage } from "../pages/message-page.js";

/**
 * Where `npm run build` puts the dashboard: the dist folder of the @tessera/web package, found
 * the way Node finds packages, so the sources, the compiled files and the one-file bundle agree.
 * Undefined where the package is not installed: /dashboard then says it is not built.
 */
export const DEFAULT_DASHBOARD_DIR = webPackageDist();

function webPackageDist(): string | undefined {
  try {
    return join(dirname(createRequire(import.meta.url).resolve("@tessera/web/package.json")), "dist");
  } catch {
    return undefined;
  }
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
};
const SAFE_PATH = /^[A-Za-z0-9._/-]{1,256}$/;

/**
 * The dashboard (packages/web, a React single-page app) at /dashboard: its built files, and
 * index.html for every client-side route. Hashed assets are cached for a year; index.html is
 * revalidated each time so a new build is seen at once. The app only calls the REST API; the
 * page's CSP is the server's (script-src and style-src 'self'), which Vite's output satisfies.
 * Without a build, a 503 page says how to make one.
 */
export function dashboardRoutes(app: FastifyInstance, options: { dir?: string } = {}): void {
  const dir = options.dir ?? DEFAULT_DASHBOARD_DIR;
  const root = dir === undefined ? undefined : resolve(dir);

  async function file(path: string): Promise<Buffer | undefined> {
    if (root === undefined) return undefined;
    const full = resolve(root, path);
    if (full !== root && !full.startsWith(root + sep)) return undefined;
    try {
      if (!(await stat(full)).isFile()) return undefined;
      return await readFile(full);
    } catch {
      return undefined;
    }
  }

  async function index(reply: FastifyReply) {
    const body = await file("index.html");
    if (!body) {
      return reply
        .code(503)
        .type("text/html; charset=utf-8")
        .header("cache-control", "no-store")
        .send(
          messagePage(
            "Dashboard not built",
            "The dashboard has not been built on this server. Run `npm run build` (or `npm run build -w @tessera/web`) in the Tessera checkout, then reload this page.",
          ),
        );
    }
    return reply.type("text/html; charset=utf-8").header("cache-control", "no-cache").send(body);
  }

  app.get("/dashboard", async (_request, reply) => reply.redirect("/dashboard/", 302));
  app.get<{ Params: { "*": string } }>("/dashboard/*", async (request, reply) => {
    const path = request.params["*"];
    if (path === "" || path === "index.html") return index(reply);
    const type = TYPES[extname(path)];
    if (type && SAFE_PATH.test(path) && !path.split("/").includes("..")) {
      const body = await file(join(...path.split("/")));
      if (body) {
        const immutable = path.startsWith("assets/");
        return reply
          .type(type)
          .header("cache-control", immutable ? "public, max-age=31536000, immutable" : "public, max-age=300")
          .send(body);
      }
    }
    // A missing file is a 404; any other path is a client-side route of the app.
    if (path.startsWith("assets/") || type) {
      return reply.code(404).type("text/plain; charset=utf-8").send("not found");
    }
    return index(reply);
  });
}
