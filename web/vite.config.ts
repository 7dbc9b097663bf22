import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** Builds the console into web/dist: hashed assets under /assets/, no inline scripts or styles (CSP default-src 'self'). */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  publicDir: 'public',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
