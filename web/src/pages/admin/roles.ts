import { html } from 'htm/preact';
import { Empty, ErrorBox, Loading, Section } from '../../components/common.ts';
import { useApi } from '../../hooks.ts';

interface Bindings {
  bindings: { groupDn: string; role: string; clusterGroup: string | null }[];
  localAdmins: string[];
}

/** How directory groups map to roles (read-only: they come from STRATA_ROLE_BINDINGS). */
export function RolesPage() {
  const r = useApi<Bindings>('/admin/role-bindings');
  return html`<div class="page">
    <div class="page-head"><h1>Role bindings</h1></div>
    <p class="muted">Members of these directory groups get these roles. They are set with <code>STRATA_ROLE_BINDINGS</code>.</p>
    <${ErrorBox} error=${r.error} onRetry=${r.reload} />
    ${r.loading && html`<${Loading} />`}
    ${
      r.data &&
      html`<${Section} title="Directory groups" id="h-bindings">
        ${
          r.data.bindings.length === 0
            ? html`<${Empty}>No bindings: only local administrators and API tokens can sign in.<//>`
            : html`<div class="table-wrap"><table class="table">
              <thead><tr><th scope="col">LDAP group</th><th scope="col">Role</th><th scope="col">Clusters</th></tr></thead>
              <tbody>
                ${r.data.bindings.map(
                  (b) => html`<tr key=${`${b.groupDn}|${b.role}|${b.clusterGroup}`}>
                    <td class="mono">${b.groupDn}</td>
                    <td>${b.role}</td>
                    <td>${b.clusterGroup ? `group ${b.clusterGroup}` : 'all clusters'}</td>
                  </tr>`,
                )}
              </tbody>
            </table></div>`
        }
      <//>
      <${Section} title="Local administrators (break-glass)" id="h-local">
        ${r.data.localAdmins.length ? html`<ul class="plain">${r.data.localAdmins.map((a) => html`<li key=${a} class="mono">${a}</li>`)}</ul>` : html`<${Empty}>None.<//>`}
      <//>`
    }
  </div>`;
}
