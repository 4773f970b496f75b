/**
 * The web application's build: `npm run build:web` (and `prepare` at install) writes web/dist, which
 * the API server serves at `/` (src/api/web-app.ts). Vite's own TSX transform (Oxc) compiles the
 * React components with the automatic JSX runtime; there is no dev-only plugin to install.
 * `npm run dev:web` serves the sources with a proxy to a running `ecspert serve` on :3000.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      // React Query marks its modules "use client" for server-component bundlers; this is a browser app.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
