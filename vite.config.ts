import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** One UI for the Electron window (relative asset paths) and the headless dashboard. */
export default defineConfig({
  root: fileURLToPath(new URL('src-renderer', import.meta.url)),
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
  },
});
