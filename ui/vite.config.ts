import { defineConfig } from 'vitest/config';

// The dev server forwards the API and sign-in to a running Stillpoint (STILLPOINT_URL, default :8080),
// so the console is developed against the real server with its session cookie on one origin.
const server = process.env.STILLPOINT_URL ?? 'http://localhost:8080';

export default defineConfig({
  server: {
    port: 5173,
    proxy: {
      '/api': { target: server, changeOrigin: true },
      '/j_security_check': { target: server, changeOrigin: true },
      '/q': { target: server, changeOrigin: true },
    },
  },
  build: { outDir: 'dist' },
  test: {
    environment: 'jsdom',
    globals: true,
    include: ['src/**/*.test.tsx', 'src/**/*.test.ts'],
  },
});
