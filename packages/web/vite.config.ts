import { defineConfig } from "vite";

// The dashboard is served by the server at /dashboard under a strict Content-Security-Policy
// (script-src and style-src 'self'): every script and stylesheet must be an external file, so
// nothing is inlined into index.html and no asset becomes a data: URL.
export default defineConfig({
  base: "/dashboard/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1024,
  },
});
