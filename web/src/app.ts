import { html } from 'htm/preact';
import { useEffect } from 'preact/hooks';
import { loadSession, session } from './api.ts';
import { Loading } from './components/common.ts';
import { Layout, type Scope } from './components/layout.ts';
import { kindById } from './lib/kinds.ts';
import { capabilities } from './lib/roles.ts';
import { AuditPage } from './pages/admin/audit.ts';
import { ClustersPage } from './pages/admin/clusters.ts';
import { PurgePage } from './pages/admin/purge.ts';
import { RolesPage } from './pages/admin/roles.ts';
import { TokensPage } from './pages/admin/tokens.ts';
import { ComparePage } from './pages/compare.ts';
import { DashboardPage } from './pages/dashboard.ts';
import { GuestPage } from './pages/guest.ts';
import { InventoryPage } from './pages/inventory.ts';
import { LoginPage } from './pages/login.ts';
import { here, type Loc, match, navigate, useLocation } from './router.ts';
import { useStore } from './store.ts';

function Redirect(props: { to: string }) {
  useEffect(() => navigate(props.to, { replace: true }), [props.to]);
  return null;
}

function Message(props: { title: string; text: string }) {
  return html`<div class="page"><h1>${props.title}</h1><p>${props.text}</p></div>`;
}

const ADMIN_PAGES: Record<string, () => unknown> = {
  '/admin/clusters': () => html`<${ClustersPage} />`,
  '/admin/tokens': () => html`<${TokensPage} />`,
  '/admin/roles': () => html`<${RolesPage} />`,
  '/admin/audit': () => html`<${AuditPage} />`,
  '/admin/purge': () => html`<${PurgePage} />`,
};

function route(loc: Loc, admin: boolean): { page: unknown; scope: Scope; title: string } {
  const path = loc.path.replace(/\/+$/, '') || '/';
  if (path === '/') return { page: html`<${DashboardPage} />`, scope: 'full', title: 'Dashboard' };
  const guest = match('/guests/:uid', path);
  if (guest) return { page: html`<${GuestPage} uid=${guest.uid} />`, scope: 'date', title: 'Guest' };
  const kind = kindById(path.slice(1));
  if (kind) return { page: html`<${InventoryPage} kind=${kind} key=${kind.id} />`, scope: 'full', title: kind.title };
  if (path === '/compare') return { page: html`<${ComparePage} />`, scope: 'none', title: 'Compare dates' };
  if (path === '/admin') return { page: html`<${Redirect} to="/admin/clusters" />`, scope: 'none', title: '' };
  const adminPage = ADMIN_PAGES[path];
  if (adminPage) {
    return admin
      ? { page: adminPage(), scope: 'none', title: 'Administration' }
      : {
          page: html`<${Message} title="Not allowed" text="Administration needs the admin role." />`,
          scope: 'none',
          title: 'Not allowed',
        };
  }
  return {
    page: html`<${Message} title="Not found" text="There is no page at this address." />`,
    scope: 'none',
    title: 'Not found',
  };
}

export function App() {
  const s = useStore(session);
  const loc = useLocation();
  useEffect(() => {
    loadSession();
  }, []);
  const r = s ? route(loc, capabilities(s.roles).admin) : null;
  useEffect(() => {
    document.title = r?.title ? `${r.title} · Strata` : 'Strata';
  }, [r?.title]);

  if (s === undefined) return html`<${Loading} text="Starting…" />`;
  if (loc.path === '/login') {
    if (s) {
      const next = new URLSearchParams(loc.search).get('next');
      return html`<${Redirect} to=${next?.startsWith('/') && !next.startsWith('//') ? next : '/'} />`;
    }
    return html`<${LoginPage} />`;
  }
  if (!s) return html`<${Redirect} to=${`/login?next=${encodeURIComponent(here())}`} />`;
  return html`<${Layout} session=${s} scope=${r!.scope}>${r!.page}<//>`;
}
