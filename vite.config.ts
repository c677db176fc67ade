import { fileURLToPath, URL } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

const fromRoot = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// The API server (npm run dev) listens on PORT, 3000 by default; the Vite dev server proxies to it
// so the console, REST, webhooks and Socket.IO all appear on one origin, as they do in production.
const backend = 'http://127.0.0.1:3000';

export default defineConfig({
  root: fromRoot('./client'),
  plugins: [vue()],
  resolve: {
    alias: {
      '@shared': fromRoot('./shared'),
      '@': fromRoot('./client'),
    },
  },
  build: {
    outDir: fromRoot('./dist/client'),
    emptyOutDir: true,
  },
  server: {
    proxy: {
      '/api': { target: backend },
      '/health': { target: backend },
      '/webhooks': { target: backend },
      '/socket.io': { target: backend, ws: true },
    },
  },
});
