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
    // One file at a time: the files start processes and servers of their own and measure times (takeover,
    // load percentiles) that another file running alongside on two cores would distort.
    fileParallelism: false,
    maxWorkers: 1,
    // A failed assertion is reported, never retried: waits inside the tests carry the slack instead.
    retry: 0,
  },
});
