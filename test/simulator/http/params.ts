import { readFileSync } from 'node:fs';
import { paramError } from './errors.ts';

/** One parameter or property in PVE's JSON schema dialect (0/1 flags, `[n]` families). */
export interface SchemaProp {
  type?: string;
  optional?: number;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  pattern?: string;
  format?: unknown;
  properties?: Record<string, SchemaProp>;
  items?: SchemaProp;
  additionalProperties?: number | boolean;
}

export interface PveMethodSchema {
  allowtoken?: number;
  parameters?: SchemaProp;
  returns?: SchemaProp;
}

export type PveSchema = Record<string, Record<string, PveMethodSchema>>;

let cached: PveSchema | undefined;

/** The vendored PVE API schema (parameters and returns of the paths Strata uses). */
export function pveSchema(): PveSchema {
  cached ??= (
    JSON.parse(readFileSync(new URL('../schema/pve-api.json', import.meta.url), 'utf8')) as { paths: PveSchema }
  ).paths;
  return cached;
}

export type ParamValue = string | number | boolean;
export type Args = Record<string, ParamValue>;

interface CompiledParams {
  exact: Map<string, SchemaProp>;
  families: { re: RegExp; prop: SchemaProp }[];
  required: string[];
  additional: boolean;
}

const compiledCache = new Map<string, CompiledParams | null>();

function compile(template: string, method: string): CompiledParams | null {
  const key = `${method} ${template}`;
  const hit = compiledCache.get(key);
  if (hit !== undefined) return hit;
  const params = pveSchema()[template]?.[method]?.parameters;
  let out: CompiledParams | null = null;
  if (params) {
    out = { exact: new Map(), families: [], required: [], additional: Boolean(params.additionalProperties) };
    for (const [name, prop] of Object.entries(params.properties ?? {})) {
      const fam = /^(.+)\[n\]$/.exec(name);
      if (fam) out.families.push({ re: new RegExp(`^${fam[1]}\\d+$`), prop });
      else {
        out.exact.set(name, prop);
        if (!prop.optional) out.required.push(name);
      }
    }
  }
  compiledCache.set(key, out);
  return out;
}

/**
 * Checks and converts parameters the way PVE's JSONSchema.pm does: unknown parameters are refused, booleans must be
 * 0/1 (JSON true/false too), integers digits, enums members; on failure a 400 with the `errors` map is thrown.
 * Without a schema for the path the given check function (or none) applies.
 */
export function validatePveParams(template: string, method: string, input: Record<string, unknown>): Args {
  const spec = compile(template, method);
  const args: Args = {};
  const errors: Record<string, string> = {};
  if (!spec) {
    for (const [k, v] of Object.entries(input)) args[k] = typeof v === 'object' ? JSON.stringify(v) : (v as ParamValue);
    return args;
  }
  for (const [name, raw] of Object.entries(input)) {
    let prop = spec.exact.get(name);
    if (!prop) prop = spec.families.find((f) => f.re.test(name))?.prop;
    if (!prop) {
      if (!spec.additional)
        errors[name] = 'property is not defined in schema and the schema does not allow additional properties';
      else args[name] = String(raw);
      continue;
    }
    const checked = checkValue(prop, raw);
    if (typeof checked === 'object') errors[name] = checked.error;
    else args[name] = checked;
  }
  for (const name of spec.required) {
    if (!(name in input) && !(name in errors)) errors[name] = 'property is missing and it is not optional';
  }
  if (Object.keys(errors).length > 0) throw paramError(errors);
  return args;
}

function checkValue(prop: SchemaProp, raw: unknown): ParamValue | { error: string } {
  const type = prop.type ?? 'string';
  const text = typeof raw === 'string' ? raw : typeof raw === 'boolean' ? (raw ? '1' : '0') : String(raw);
  switch (type) {
    case 'boolean':
      if (text === '1') return true;
      if (text === '0') return false;
      return { error: `type check ('boolean') failed - got '${text}'` };
    case 'integer': {
      if (!/^-?\d+$/.test(text)) return { error: `type check ('integer') failed - got '${text}'` };
      const n = Number(text);
      if (prop.minimum !== undefined && n < prop.minimum)
        return { error: `value must have a minimum value of ${prop.minimum}` };
      if (prop.maximum !== undefined && n > prop.maximum)
        return { error: `value must have a maximum value of ${prop.maximum}` };
      return n;
    }
    case 'number': {
      if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text))
        return { error: `type check ('number') failed - got '${text}'` };
      return Number(text);
    }
    default: {
      if (typeof raw === 'object' && raw !== null)
        return { error: `type check ('string') failed - got ${Array.isArray(raw) ? 'ARRAY' : 'HASH'}` };
      if (prop.enum && !prop.enum.includes(text))
        return { error: `value '${text}' does not have a value in the enumeration '${prop.enum.join(', ')}'` };
      if (prop.maxLength !== undefined && text.length > prop.maxLength)
        return { error: `value may only be ${prop.maxLength} characters long` };
      if (prop.format === 'pve-vmid' && !/^\d+$/.test(text)) return { error: `value does not look like a valid VM ID` };
      return text;
    }
  }
}
