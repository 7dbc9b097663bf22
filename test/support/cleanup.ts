import { afterAll } from 'vitest';

/**
 * Cleanup that helpers register while a file's beforeAll runs. Vitest 4 silently ignores an afterAll()
 * called from inside beforeAll, so helpers register here instead; this module's own afterAll is registered
 * when the test file imports it (at collection), and runs after the file's other afterAll hooks.
 */
const tasks: { what: string; run: () => unknown }[] = [];

export function onCleanup(what: string, run: () => unknown): void {
  tasks.push({ what, run });
}

afterAll(async () => {
  const failures: string[] = [];
  for (const t of tasks.splice(0).reverse()) {
    try {
      await t.run();
    } catch (e) {
      failures.push(`${t.what}: ${(e as Error).message}`);
    }
  }
  if (failures.length) console.warn(`cleanup problems: ${failures.join('; ')}`);
}, 120_000);
