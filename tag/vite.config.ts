/**
 * Builds the SourceTrak website tag (tag/st.ts) into dist/tag/st.js, which `hookline serve` serves at
 * /st.js: one small classic script (an IIFE: customers add it with a plain <script src>), minified, for
 * the browsers of the last few years (ES2019: no syntax a still-common Safari lacks).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    outDir: fileURLToPath(new URL('../dist/tag', import.meta.url)),
    emptyOutDir: true,
    target: 'es2019',
    minify: true,
    sourcemap: false,
    reportCompressedSize: false,
    lib: {
      entry: fileURLToPath(new URL('./st.ts', import.meta.url)),
      formats: ['iife'],
      name: 'hooklineSourcetrak',
      fileName: () => 'st.js',
    },
  },
});
