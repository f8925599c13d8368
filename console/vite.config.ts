/**
 * Builds the web console into dist/console, which `hookline serve` serves at `/`. Everything is
 * bundled (operators run hookline behind firewalls, so nothing may come from a CDN), and the output
 * has no inline script, so the server's Content-Security-Policy can forbid it.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  // Preact's automatic JSX runtime, without the Babel-based preset: Vite's own transform does JSX.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  resolve: { alias: { react: 'preact/compat', 'react-dom': 'preact/compat' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // No data: URLs for small assets, and no inline module-preload polyfill: only files of our own.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: true,
    reportCompressedSize: false,
  },
  server: {
    // `npx vite console` for work on the pages: the API comes from a hookline running on 8080.
    proxy: { '/api': 'http://127.0.0.1:8080', '/console': 'http://127.0.0.1:8080' },
  },
});
