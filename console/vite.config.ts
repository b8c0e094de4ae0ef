/**
 * Builds the Baton console and its GraphiQL page into dist/console (`npm run build`, which
 * `npm ci` runs), where the gateway serves them (src/server/console.ts): two HTML entries, hashed
 * assets under assets/, and beside each text asset its gzip and brotli copies, made here once so
 * that the gateway never compresses per request.
 */
import react from "@vitejs/plugin-react";
import { readdirSync, statSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import { defineConfig, type Plugin } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));
const outDir = fileURLToPath(new URL("../dist/console", import.meta.url));

/** Files worth compressing; smaller ones go as they are. */
const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|ttf|txt|wasm)$/;
const MIN_BYTES = 512;

/** Brotli's best quality costs seconds per megabyte: files above this get quality 10 (~2% larger). */
const BROTLI_MAX_BYTES = 384 * 1024;

/**
 * Writes `<file>.gz` and `<file>.br` beside every compressible file of the output, when smaller.
 * node's zlib, run on its thread pool so that files compress side by side.
 */
function precompress(): Plugin {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
  const compress = async (file: string): Promise<void> => {
    const raw = await readFile(file);
    if (raw.length < MIN_BYTES) return;
    const quality = raw.length > BROTLI_MAX_BYTES ? 10 : constants.BROTLI_MAX_QUALITY;
    const [gz, br] = await Promise.all([
      promisify(gzip)(raw, { level: 9 }),
      promisify(brotliCompress)(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: quality, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }),
    ]);
    await Promise.all([gz.length < raw.length ? writeFile(`${file}.gz`, gz) : null, br.length < raw.length ? writeFile(`${file}.br`, br) : null]);
  };
  return {
    name: "baton-precompress",
    apply: "build",
    async writeBundle() {
      await Promise.all(walk(outDir).filter((f) => COMPRESSIBLE.test(f)).map(compress));
    },
  };
}

export default defineConfig({
  root,
  base: "/",
  // No public/ folder: every file is referenced from the pages and hashed.
  publicDir: false,
  plugins: [react(), precompress()],
  // `npx vite --config console/vite.config.ts`: the console with hot reload, its API calls sent
  // to a gateway on port 4000 (BATON_AUTH=off is simplest).
  server: {
    proxy: {
      "/graphql": { target: "http://127.0.0.1:4000", ws: true },
      "/console.json": "http://127.0.0.1:4000",
    },
  },
  // The pages load nothing from elsewhere; workers (GraphiQL's editor) are ES modules of their own.
  worker: { format: "es" },
  build: {
    outDir,
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    // A warning is not useful for GraphiQL's editor, loaded only at /graphql; the console's own
    // budget is checked by test/console/budget.test.ts.
    chunkSizeWarningLimit: 5000,
    // Every browser the console supports has modulepreload: no polyfill in the entry.
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: { console: join(root, "index.html"), graphiql: join(root, "graphiql.html") },
      // GraphiQL's packages carry React compiler directives ("use no memo") that a bundle drops
      // harmlessly; the warnings would drown the build's output.
      // Compressing takes its seconds on purpose: no timing report for it.
      checks: { pluginTimings: false },
      onwarn(warning, warn) {
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
    },
  },
});
