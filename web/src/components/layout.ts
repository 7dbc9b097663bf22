import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { logout, type Session } from '../api.ts';
import { useView } from '../hooks.ts';
import { capabilities } from '../lib/roles.ts';
import { hrefWithScope, Link, useLocation } from '../router.ts';
import { useStore } from '../store.ts';
import { nextTheme, theme } from '../theme.ts';
import { ClusterPicker } from './cluster-picker.ts';
import { DatePicker, useLatestDate } from './date-picker.ts';

export type Scope = 'full' | 'date' | 'none';

const NAV: { href: string; label: string }[] = [
  { href: '/', label: 'Dashboard' },
  { href: '/guests', label: 'Guests' },
  { href: '/nodes', label: 'Nodes' },
  { href: '/storages', label: 'Storages' },
  { href: '/disks', label: 'Disks' },
  { href: '/backups', label: 'Backups' },
  { href: '/compare', label: 'Compare dates' },
];

const ADMIN_NAV: { href: string; label: string }[] = [
  { href: '/admin/clusters', label: 'Clusters' },
  { href: '/admin/tokens', label: 'API tokens' },
  { href: '/admin/roles', label: 'Role bindings' },
  { href: '/admin/audit', label: 'Audit log' },
  { href: '/admin/purge', label: 'Purge' },
];

const THEME_LABEL = { auto: 'Theme: system', dark: 'Theme: dark', light: 'Theme: light' } as const;

export function Layout(props: { session: Session; scope: Scope; children?: ComponentChildren }) {
  const loc = useLocation();
  const [view, setView] = useView();
  const latest = useLatestDate();
  const [menuOpen, setMenuOpen] = useState(false);
  const themeChoice = useStore(theme);
  const caps = capabilities(props.session.roles);
  const isActive = (href: string) =>
    href === '/' ? loc.path === '/' : loc.path === href || loc.path.startsWith(`${href}/`);
  const navLink = (n: { href: string; label: string }) =>
    html`<li key=${n.href} class=${isActive(n.href) ? 'active' : ''}><${Link} href=${hrefWithScope(n.href)}>${n.label}<//></li>`;
  return html`<div class="app">
    <a class="skip-link" href="#main">Skip to content</a>
    <header class="topbar">
      <button
        type="button"
        class="btn icon menu-btn"
        aria-label="Menu"
        aria-expanded=${menuOpen}
        aria-controls="sidenav"
        onClick=${() => setMenuOpen(!menuOpen)}
      >☰</button>
      <${Link} href=${hrefWithScope('/')} class="brand">Strata<//>
      <div class="scope">
        ${
          props.scope !== 'none' &&
          html`<${DatePicker} value=${view.date} latest=${latest} onChange=${(date: typeof view.date) => setView({ date })} />`
        }
        ${
          props.scope === 'full' &&
          html`<${ClusterPicker} date=${view.date} value=${view.clusters} onChange=${(clusters: string[]) => setView({ clusters })} />`
        }
      </div>
      <div class="user">
        <span class="user-name" title=${props.session.user}>
          ${props.session.displayName || props.session.user}
          <span class="role-chip" data-testid="role">${caps.highest ?? 'no role'}</span>
        </span>
        <button type="button" class="btn small" onClick=${() => theme.set(nextTheme(themeChoice))} title="Switch light / dark / system theme">
          ${THEME_LABEL[themeChoice]}
        </button>
        <button type="button" class="btn small" onClick=${logout}>Sign out</button>
      </div>
    </header>
    <nav id="sidenav" class=${`sidenav ${menuOpen ? 'open' : ''}`} aria-label="Main" onClick=${() => setMenuOpen(false)}>
      <ul>${NAV.map(navLink)}</ul>
      ${
        caps.admin &&
        html`<h2 class="nav-title">Administration</h2>
        <ul>${ADMIN_NAV.map(navLink)}</ul>`
      }
    </nav>
    <main id="main" tabindex="-1">${props.children}</main>
  </div>`;
}
