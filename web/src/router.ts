import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { carried } from './lib/url-state.ts';
import { Store, useStore } from './store.ts';

/** Client-side routing over the History API; the server answers index.html for every console path. */
export interface Loc {
  path: string;
  search: string;
}

const read = (): Loc => ({ path: window.location.pathname, search: window.location.search });

export const location = new Store<Loc>(read());

window.addEventListener('popstate', () => location.set(read()));

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const url = new URL(to, window.location.href);
  const next = url.pathname + url.search;
  if (next === window.location.pathname + window.location.search) return;
  if (opts.replace) history.replaceState(null, '', next);
  else history.pushState(null, '', next);
  location.set(read());
  if (!opts.replace) window.scrollTo(0, 0);
}

export function useLocation(): Loc {
  return useStore(location);
}

/** The current path and query, for a login page to come back to. */
export function here(): string {
  return window.location.pathname + window.location.search;
}

/** A link to another console page that keeps the chosen date and clusters. */
export function hrefWithScope(path: string, extra = ''): string {
  const scope = carried(location.get().search);
  if (!extra) return path + scope;
  const p = new URLSearchParams(scope);
  for (const [k, v] of new URLSearchParams(extra)) p.set(k, v);
  const s = p.toString().replace(/%2C/gi, ',').replace(/%3A/gi, ':');
  return s ? `${path}?${s}` : path;
}

function onLinkClick(e: MouseEvent) {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.currentTarget as HTMLAnchorElement;
  if (a.target || a.origin !== window.location.origin) return;
  e.preventDefault();
  navigate(a.pathname + a.search);
}

export function Link(props: { href: string; class?: string; children?: ComponentChildren; title?: string }) {
  const { href, children, ...rest } = props;
  const current = location.get().path === new URL(href, window.location.href).pathname;
  return html`<a href=${href} onClick=${onLinkClick} aria-current=${current ? 'page' : undefined} ...${rest}
    >${children}</a
  >`;
}

/** Matches `/guests/:uid` style patterns; returns the decoded parameters or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/');
  const s = path.replace(/\/+$/, '').split('/');
  if (p.length !== s.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const seg = p[i]!;
    if (seg.startsWith(':')) {
      try {
        out[seg.slice(1)] = decodeURIComponent(s[i]!);
      } catch {
        return null;
      }
    } else if (seg !== s[i]) return null;
  }
  return out;
}
