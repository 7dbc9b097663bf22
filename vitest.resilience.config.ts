import { defineConfig } from 'vitest/config';

/**
 * `npm run test:resilience`: several processes, faults, load and attack (test/resilience/). Separate from
 * `npm test` because these tests start child processes, servers of their own and a load generator, and
 * take minutes; the same global setup provides MongoDB-compatible, Redis and OpenLDAP servers.
 */
export default defineConfig({
  test: {
    include: ['test/resilience/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 240_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Two files at a time (the machine has two cores); the load test measures its idle and busy figures
    // back to back inside one file, so what the other file does is in both figures alike.
    maxWorkers: 2,
    // A failed assertion is reported, never retried: waits inside the tests carry the slack instead.
    retry: 0,
  },
});
