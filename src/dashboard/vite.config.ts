import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Builds the dashboard into dist/dashboard, which src/server/dashboard-route.ts serves at `/`. */
export default defineConfig({
  root: here('.'),
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: here('../../dist/dashboard'),
    emptyOutDir: true,
    target: 'es2022',
    // No source maps: the service does not publish its sources.
    sourcemap: false,
    // Hashed names under /assets/ are served as immutable; index.html is revalidated.
    assetsDir: 'assets',
  },
});
