/**
 * Regenerates schema/pve-api.json from the reference subset of PVE's apidata.js: parameters and returns of every
 * path, without descriptions. The simulator validates PVE parameters with it; the contract test checks responses.
 *   npx tsx test/simulator/tools/vendor-schema.ts [/path/to/pve-api-schema.subset.json]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = process.argv[2] ?? '/work/shared/reference/pve-api-schema.subset.json';
const target = fileURLToPath(new URL('../schema/pve-api.json', import.meta.url));
const DROP = new Set([
  'description',
  'verbose_description',
  'typetext',
  'format_description',
  'renderer',
  'title',
  'links',
  'print_width',
  'default_key',
  'alias',
  'keyAlias',
]);

/** `names` is true for a `properties` map, whose keys are parameter names (one may be called "format"). */
function strip(value: unknown, names = false): unknown {
  if (Array.isArray(value)) return value.map((v) => strip(v));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (names) {
        out[k] = strip(v);
        continue;
      }
      if (DROP.has(k)) continue;
      // Property-string formats are objects: keep only a marker so the file stays small.
      if (k === 'format' && v && typeof v === 'object') {
        out[k] = 'property-string';
        continue;
      }
      out[k] = strip(v, k === 'properties');
    }
    return out;
  }
  return value;
}

const input = JSON.parse(readFileSync(source, 'utf8')) as {
  commit: string;
  source: string;
  paths: Record<string, Record<string, Record<string, unknown>>>;
};
const paths: Record<string, Record<string, unknown>> = {};
for (const [path, methods] of Object.entries(input.paths)) {
  paths[path] = {};
  for (const [method, info] of Object.entries(methods)) {
    paths[path][method] = strip({ allowtoken: info.allowtoken, parameters: info.parameters, returns: info.returns });
  }
}
writeFileSync(target, `${JSON.stringify({ source: input.source, commit: input.commit, paths })}\n`);
console.log(`wrote ${target}`);
