import { ClientConfigError } from './errors.ts';

/**
 * Request encoding. Proxmox wants booleans as 1/0 in query strings and form bodies (the string "true" fails
 * PVE's type check); JSON bodies keep real booleans. Path segments are percent-encoded one by one, since
 * UPIDs and volume ids contain `:` and `/`.
 */

export type ParamValue = string | number | boolean | null | undefined | ReadonlyArray<string | number | boolean>;
export type Params = Readonly<Record<string, ParamValue>>;

function scalar(name: string, value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new ClientConfigError(`Parameter "${name}" is ${value}; pass a finite number.`);
    }
    return String(value);
  }
  return value;
}

/** URLSearchParams for a query string or a form body: booleans 1/0, arrays as repeated keys, null/undefined left out. */
export function encodeParams(params: Params | undefined): URLSearchParams {
  const out = new URLSearchParams();
  for (const [name, value] of Object.entries(params ?? {})) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      for (const item of value as ReadonlyArray<string | number | boolean>) out.append(name, scalar(name, item));
    } else if (typeof value === 'object') {
      throw new ClientConfigError(
        `Parameter "${name}" is an object; Proxmox form parameters are flat, so pass a property string or send JSON.`,
      );
    } else {
      out.append(name, scalar(name, value as string | number | boolean));
    }
  }
  return out;
}

/** `?a=1&b=x` or the empty string. */
export function queryString(params: Params | undefined): string {
  const text = encodeParams(params).toString();
  return text ? `?${text}` : '';
}

/** An `application/x-www-form-urlencoded` body. */
export function formBody(params: Params | undefined): string {
  return encodeParams(params).toString();
}

/** A JSON body; undefined values are dropped, booleans stay booleans. */
export function jsonBody(body: unknown): string {
  return JSON.stringify(body ?? {});
}

/** Encodes one path segment (e.g. a UPID or a volume id). */
export function encodeSegment(segment: string | number): string {
  const text = String(segment);
  if (text === '' || text === '.' || text === '..') {
    throw new ClientConfigError(`"${text}" cannot be a path segment of a Proxmox API path; pass a real name or id.`);
  }
  return encodeURIComponent(text);
}

/** Builds `/a/b/c` from segments, encoding each. */
export function joinPath(segments: ReadonlyArray<string | number>): string {
  return `/${segments.map(encodeSegment).join('/')}`;
}

/**
 * Tagged template for API paths: literal parts are kept, interpolated values are encoded as single segments.
 * `` apiPath`/nodes/${node}/tasks/${upid}/status` ``
 */
export function apiPath(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += encodeSegment(value) + (strings[i + 1] ?? '');
  });
  return out;
}

/** Checks a caller-built path: it must start with `/`, carry no query or fragment, and no `..` segment. */
export function checkPath(path: string): string {
  if (!path.startsWith('/') || /[?#\s]/.test(path) || path.split('/').some((s) => s === '..' || s === '.')) {
    throw new ClientConfigError(
      `"${path.slice(0, 200)}" is not an API path; give it as "/nodes/pve1/qemu" (no query string: pass query parameters separately).`,
    );
  }
  return path;
}
