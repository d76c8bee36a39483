/**
 * The explorer page (ui/): Preact with esbuild's automatic JSX, bundled into
 * dist/ui with hashed names under /ui/assets/. No inline script or style, so
 * the server's strict Content-Security-Policy holds (docs/explorer.md).
 * `npm run build:ui` type-checks ui/ first (tsc -p ui), then runs this.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here("./ui"),
  base: "/ui/",
  publicDir: false,
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: here("./dist/ui"),
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    target: "es2022",
    // Nothing inline: no module-preload polyfill, no asset turned into a data: URL script or style.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    reportCompressedSize: false,
  },
  logLevel: "warn",
});
