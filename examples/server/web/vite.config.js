// The pages of the reference server: two entry pages, built into dist/ and served by the
// server at /dashboard/ and /portal/ (assets under /assets/).
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      input: {
        dashboard: resolve(import.meta.dirname, 'dashboard/index.html'),
        portal: resolve(import.meta.dirname, 'portal/index.html'),
      },
    },
  },
});
