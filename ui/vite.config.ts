// Builds the web UI into ui/dist, which kawa server serves at / (src/server/ui.ts).
// `npm run build:ui` from the repository root; `npx vite --config ui/vite.config.ts` for a dev server
// that proxies the API to a kawa server on KAWA_API (default http://127.0.0.1:8080).
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const api = process.env['KAWA_API'] ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    // Hashed file names under assets/ are what the server caches for a year (immutable).
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 2000,
  },
  server: {
    proxy: {
      '/api': { target: api, changeOrigin: false },
      '/auth': { target: api, changeOrigin: false },
    },
  },
});
