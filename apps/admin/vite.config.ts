import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built into dist/, which the Trailmark server serves at / (apps/server/src/admin-ui.ts).
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 400 },
  server: { proxy: { '/v1': 'http://localhost:8080' } },
});
