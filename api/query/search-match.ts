import { type Doc, guestIps, guestMacs, guestName, guestTags, guestType, isTemplate } from './guest-fields.ts';
import type { SearchQuery, SearchTerm } from './search-language.ts';

/**
 * Compiles a parsed search into a predicate over instance documents. Matching runs in code on an
 * equality-bounded, cached set of guests (one date, the caller's clusters): FerretDB would evaluate regexes in
 * Go over every row anyway, and in memory the same search costs microseconds per guest.
 */
export function compileSearch(query: SearchQuery): (doc: Doc) => boolean {
  const preds = query.terms.map(compileTerm);
  return (doc) => preds.every((p) => p(doc));
}

function globToRegExp(glob: string, anchored: boolean): RegExp {
  const body = glob
    .split('*')
    .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(anchored ? `^${body}$` : body, 'i');
}

/** Exact (case-insensitive) unless the value has a `*`, then a glob over the whole value. */
function exactOrGlob(value: string): (s: string) => boolean {
  if (value.includes('*')) {
    const re = globToRegExp(value, true);
    return (s) => re.test(s);
  }
  const v = value.toLowerCase();
  return (s) => s.toLowerCase() === v;
}

const normMac = (s: string) => s.toUpperCase().replace(/-/g, ':');

function compileValue(field: SearchTerm['field'], value: string): (doc: Doc) => boolean {
  switch (field) {
    case 'name': {
      const re = globToRegExp(value, false);
      return (d) => re.test(guestName(d));
    }
    case 'status': {
      const v = value.toLowerCase();
      return (d) => String(d.status ?? '').toLowerCase() === v;
    }
    case 'type': {
      const v = value.toLowerCase();
      return (d) => guestType(d) === v;
    }
    case 'cluster':
    case 'node':
    case 'pool': {
      const m = exactOrGlob(value);
      return (d) => typeof d[field] === 'string' && m(d[field] as string);
    }
    case 'tag': {
      const m = exactOrGlob(value);
      return (d) => guestTags(d).some(m);
    }
    case 'vmid': {
      const n = Number(value);
      return (d) => d.vmid === n;
    }
    case 'uid':
      return (d) => d.uid === value;
    case 'template': {
      const want = ['true', '1', 'yes'].includes(value.toLowerCase());
      return (d) => isTemplate(d) === want;
    }
    case 'ip':
      return (d) => guestIps(d).some((ip) => ip.startsWith(value));
    case 'mac': {
      const v = normMac(value);
      return (d) => guestMacs(d).some((m) => m.startsWith(v));
    }
    case 'text': {
      const re = globToRegExp(value, false);
      const mac = normMac(value);
      return (d) =>
        re.test(guestName(d)) ||
        String(d.vmid ?? '') === value ||
        guestMacs(d).some((m) => m.startsWith(mac)) ||
        guestIps(d).some((ip) => ip.startsWith(value));
    }
  }
}

function compileTerm(term: SearchTerm): (doc: Doc) => boolean {
  const alternatives = term.values.map((v) => compileValue(term.field, v));
  const any = (d: Doc) => alternatives.some((p) => p(d));
  return term.negate ? (d) => !any(d) : any;
}
