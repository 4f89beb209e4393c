// Bundles the server's entry point and everything it imports into dist/tessera-server.mjs, the
// file `npm start` and the `tessera-server` command run. Loading ~1,000 modules one by one
// (resolving, reading and compiling each) took ~0.8 s of every start; one file takes a fraction.
// tsc's per-module output in dist/ stays, for the package's library entry point and its types.
import { build } from "esbuild";

await build({
  entryPoints: [new URL("../src/main.ts", import.meta.url).pathname],
  outfile: new URL("../dist/tessera-server.mjs", import.meta.url).pathname,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // The workspace packages from their TypeScript sources, as in development.
  conditions: ["source"],
  // Native add-ons load their compiled binary relative to their own package: they stay packages.
  // pg-native is pg's optional native driver, which Tessera does not use.
  external: ["better-sqlite3", "@node-rs/argon2", "pg-native"],
  // Bundled CommonJS modules call require() for Node's built-ins; an ES module has none.
  banner: {
    js: "import { createRequire as __tesseraRequire } from 'node:module';\nconst require = __tesseraRequire(import.meta.url);",
  },
  sourcemap: "linked",
  legalComments: "linked",
  // Whitespace and syntax only: less to parse at start, while names stay readable in stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "warning",
});
