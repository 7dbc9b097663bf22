import type { SchemaProp } from './http/params.ts';

/**
 * Non-strict check of a value against a PVE `returns` schema: declared properties that are present have the
 * declared type, required (non-optional) ones are present, array items are checked. Booleans may be 0/1 (PVE's
 * habit) or true/false; extra properties are allowed. Returns the problems found, one sentence each.
 */
export function checkAgainstSchema(schema: SchemaProp | undefined, value: unknown, path = '$'): string[] {
  if (!schema) return [];
  const problems: string[] = [];
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : schema.type ? [schema.type] : [];
  if (types.length > 0 && !types.some((t) => hasType(t, value))) {
    if (!(value === null && schema.optional))
      problems.push(`${path}: expected ${types.join('|')}, got ${describe(value)}`);
    return problems;
  }
  if (schema.enum && typeof value === 'string' && !schema.enum.includes(value)) {
    problems.push(`${path}: '${value}' is not one of ${schema.enum.join(', ')}`);
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => {
      problems.push(...checkAgainstSchema(schema.items, item, `${path}[${i}]`));
    });
  }
  if (value && typeof value === 'object' && !Array.isArray(value) && schema.properties) {
    const obj = value as Record<string, unknown>;
    for (const [name, prop] of Object.entries(schema.properties)) {
      const family = /^(.+)\[n\]$/.exec(name);
      if (family) {
        const re = new RegExp(`^${family[1]}\\d+$`);
        for (const key of Object.keys(obj))
          if (re.test(key)) problems.push(...checkAgainstSchema(prop, obj[key], `${path}.${key}`));
        continue;
      }
      if (!(name in obj)) {
        if (!prop.optional) problems.push(`${path}.${name}: required property missing`);
        continue;
      }
      problems.push(...checkAgainstSchema(prop, obj[name], `${path}.${name}`));
    }
  }
  return problems;
}

function hasType(type: string, value: unknown): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return value === 0 || value === 1 || typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'any':
      return true;
    default:
      return true;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return `${typeof value} ${JSON.stringify(value)?.slice(0, 60)}`;
}
