import { html } from 'htm/preact';
import { useMemo } from 'preact/hooks';
import { session } from '../api.ts';
import { Badge, Empty, ErrorBox, KeyValues, Loading, Section } from '../components/common.ts';
import { useApi, useView } from '../hooks.ts';
import { bytes, count, dateTime, duration, toEpochSeconds } from '../lib/format.ts';
import { guestIps, guestTags } from '../lib/kinds.ts';
import { proxmoxGuestUrl } from '../lib/proxmox-link.ts';
import { capabilities } from '../lib/roles.ts';
import { withParams } from '../lib/url-state.ts';
import { hrefWithScope, Link } from '../router.ts';
import { useStore } from '../store.ts';
import { GuestActions } from './guest-actions.ts';

type Obj = Record<string, unknown>;
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);
const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));
const DAY = 86400;

interface GuestAnswer {
  date: number;
  instance: Obj;
  disks: Obj[];
  backups: Obj[];
}

/** One guest at the chosen date: what it is, its disks, NICs, backups and history, and what can be done to it. */
export function GuestPage(props: { uid: string }) {
  const [view] = useView();
  const s = useStore(session);
  const caps = capabilities(s?.roles ?? []);
  const path = `/guests/${encodeURIComponent(props.uid)}`;
  const guest = useApi<GuestAnswer>(path, { date: String(view.date) });
  const g = guest.data?.instance;
  const date = guest.data?.date ?? null;
  const cluster = useApi<{ items: Obj[] }>(g ? '/inventory/clusters' : null, {
    date: date ?? 'last',
    cluster: str(g?.cluster),
    limit: 1,
  });
  const clusterDoc = cluster.data?.items?.[0];
  const history = useApi<{ items: Obj[] }>(date ? `${path}/history` : null, {
    from: date ? date - 90 * DAY : undefined,
    to: date ?? undefined,
  });

  if (guest.error)
    return html`<div class="page"><h1>Guest</h1><${ErrorBox} error=${guest.error} onRetry=${guest.reload} /></div>`;
  if (!g) return html`<div class="page"><${Loading} /></div>`;

  const groups = Array.isArray(clusterDoc?.groups) ? (clusterDoc.groups as string[]) : [];
  const mayAct = caps.canManage(groups);
  const pveLink = pveUrl(clusterDoc, g);
  return html`<div class="page guest">
    <div class="page-head">
      <p class="crumbs"><${Link} href=${hrefWithScope('/guests')}>Guests<//> /</p>
      <h1 data-testid="guest-name">${str(g.name) || `(${str(g.vmid)})`}</h1>
      <p class="guest-sub">
        <${Badge} value=${g.status} />
        <span>${str(g.type) === 'lxc' ? 'Container' : 'Virtual machine'} ${str(g.vmid)}</span>
        <span class="muted">on ${str(g.node)} in ${str(g.cluster)}</span>
        <span class="muted">· snapshot of ${dateTime(date)}</span>
        ${
          pveLink &&
          html`<a class="btn small" href=${pveLink} target="_blank" rel="noopener noreferrer">Open in Proxmox ↗</a>`
        }
      </p>
      ${guestTags(g).length > 0 && html`<p>${guestTags(g).map((t) => html`<span class="tag" key=${t}>${t}</span>`)}</p>`}
    </div>

    ${mayAct && html`<${Section} title="Actions" id="h-actions"><${GuestActions} guest=${g} date=${date} /><//>`}

    <div class="grid2">
      <${Section} title="Configuration" id="h-config">
        <${KeyValues}
          items=${[
            ['vCPUs', g.sockets && g.cores ? `${str(g.vcpus)} (${str(g.sockets)} × ${str(g.cores)})` : str(g.vcpus)],
            ['Memory', bytes(g.memoryBytes)],
            ['Balloon', g.balloonBytes ? bytes(g.balloonBytes) : ''],
            ['Swap', g.swapBytes ? bytes(g.swapBytes) : ''],
            ['Disks', g.disks !== undefined ? `${count(g.disks)} · ${bytes(g.diskBytes)}` : ''],
            ['OS type', g.ostype],
            ['Machine', g.machine],
            ['BIOS', g.bios],
            ['Unprivileged', g.unprivileged === undefined ? '' : g.unprivileged ? 'yes' : 'no'],
            ['Start on boot', g.onboot ? 'yes' : 'no'],
            ['Guest agent', g.agent ? 'enabled' : 'no'],
            ['Template', g.template ? 'yes' : ''],
            ['Pool', g.pool],
            ['Lock', g.lock],
            [
              'HA',
              (g.ha as Obj | undefined)?.state
                ? `${str((g.ha as Obj).state)}${(g.ha as Obj).group ? ` (group ${str((g.ha as Obj).group)})` : ''}`
                : '',
            ],
            ['Uptime', typeof g.uptime === 'number' && g.uptime > 0 ? duration(g.uptime * 1000) : ''],
            ['Created', g.ctime ? dateTime(g.ctime) : ''],
            ['UID', `${str(g.uid)}${g.uidSource ? ` (${str(g.uidSource)})` : ''}`],
            ['Copy of', g.duplicateOf],
          ]}
        />
        ${g.configMissing && html`<p class="notice small">The configuration could not be read at this date; only summary figures are known.</p>`}
      <//>
      <${Section} title="Notes" id="h-notes">
        ${
          str(g.notes)
            ? html`<pre class="notes" data-testid="guest-notes">${str(g.notes)}</pre>`
            : html`<${Empty}>No notes.<//>`
        }
      <//>
    </div>

    <${Section} title="Network" id="h-nics">
      ${
        arr(g.nics).length
          ? html`<div class="table-wrap"><table class="table">
            <thead><tr><th scope="col">Interface</th><th scope="col">Model</th><th scope="col">MAC</th><th scope="col">Bridge</th><th scope="col">VLAN</th><th scope="col">Firewall</th><th scope="col">Address</th></tr></thead>
            <tbody>
              ${arr(g.nics).map(
                (n) => html`<tr key=${str(n.key)}>
                  <td>${str(n.key)}${n.name ? ` (${str(n.name)})` : ''}${n.linkDown ? html` <${Badge} value="link down" tone="warn" />` : ''}</td>
                  <td>${str(n.model)}</td>
                  <td class="mono">${str(n.mac)}</td>
                  <td>${str(n.bridge)}</td>
                  <td>${str(n.vlan)}</td>
                  <td>${n.firewall ? 'on' : 'off'}</td>
                  <td class="mono">${[str(n.ip), str(n.ip6)].filter(Boolean).join(', ')}</td>
                </tr>`,
              )}
            </tbody>
          </table></div>`
          : html`<${Empty}>No network interfaces.<//>`
      }
      <p class="small">
        <strong>IP addresses:</strong> ${guestIps(g).length ? html`<span class="mono">${guestIps(g).join(', ')}</span>` : html`<span class="muted">none known</span>`}
        ${g.ipsAt && html`<span class="muted"> (guest agent, ${dateTime(g.ipsAt)})</span>`}
      </p>
    <//>

    <${Section} title="Disks" id="h-disks">
      ${
        guest.data!.disks.length
          ? html`<div class="table-wrap"><table class="table">
            <thead><tr><th scope="col">Slot</th><th scope="col">Volume</th><th scope="col">Storage</th><th scope="col" class="num">Size</th><th scope="col">Format</th><th scope="col">Options</th></tr></thead>
            <tbody>
              ${guest.data!.disks.map(
                (d) => html`<tr key=${`${str(d.key)}|${str(d.volid)}`}>
                  <td>${str(d.key) || html`<span class="muted">unattached</span>`}${d.unused ? html` <${Badge} value="unused" tone="warn" />` : ''}</td>
                  <td class="mono">${str(d.volid)}</td>
                  <td>${str(d.storage)}</td>
                  <td class="num">${bytes(d.sizeBytes)}</td>
                  <td>${str(d.format)}</td>
                  <td class="small">${Object.entries((d.options as Obj) ?? {})
                    .map(([k, v]) => `${k}=${str(v)}`)
                    .join(', ')}</td>
                </tr>`,
              )}
            </tbody>
          </table></div>`
          : html`<${Empty}>No disks.<//>`
      }
    <//>

    <${Section} title="Backups" id="h-backups">
      ${
        guest.data!.backups.length
          ? html`<div class="table-wrap"><table class="table">
            <thead><tr><th scope="col">Taken</th><th scope="col">Storage</th><th scope="col">Backup</th><th scope="col" class="num">Size</th><th scope="col">Verified</th><th scope="col">Flags</th></tr></thead>
            <tbody>
              ${[...guest.data!.backups]
                .sort((a, b) => Number(b.backupTime ?? 0) - Number(a.backupTime ?? 0))
                .map(
                  (b) => html`<tr key=${str(b.volid)}>
                    <td>${dateTime(toEpochSeconds(b.backupTime))}</td>
                    <td>${str(b.storage)}</td>
                    <td class="mono small">${str(b.volid)}</td>
                    <td class="num">${bytes(b.sizeBytes)}</td>
                    <td>${b.verification ? html`<${Badge} value=${b.verification} />` : ''}</td>
                    <td>${[b.protected ? 'protected' : '', b.encrypted ? 'encrypted' : ''].filter(Boolean).join(', ')}</td>
                  </tr>`,
                )}
            </tbody>
          </table></div>`
          : html`<${Empty}>No backups of this guest at this date.<//>`
      }
    <//>

    <${Section} title="History (90 days)" id="h-history">
      <${ErrorBox} error=${history.error} onRetry=${history.reload} />
      ${history.loading && html`<${Loading} />`}
      ${history.data && html`<${History} items=${history.data.items} current=${date} />`}
    <//>
  </div>`;
}

function pveUrl(clusterDoc: Obj | undefined, g: Obj): string | null {
  const raw = str(clusterDoc?.host);
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(raw);
  if (!raw || !m) return null;
  const host = raw.split(':').length > 2 ? raw.replace(/^\[|\]$/g, '') : m[1]!;
  const port = raw.split(':').length > 2 ? undefined : m[2] ? Number(m[2]) : undefined;
  return proxmoxGuestUrl(host, port, str(g.type), Number(g.vmid));
}

const HISTORY_FIELDS: [string, string, (v: unknown) => string][] = [
  ['node', 'Node', str],
  ['status', 'Status', str],
  ['cpus', 'vCPUs', str],
  ['memory', 'Memory', bytes],
  [
    'disks',
    'Disks',
    (v) =>
      Array.isArray(v)
        ? `${v.length} · ${bytes(v.reduce((s: number, d: Obj) => s + (Number(d.sizeBytes ?? d.size) || 0), 0))}`
        : str(v),
  ],
  [
    'lastBackup',
    'Last backup',
    (v) => dateTime(toEpochSeconds(v && typeof v === 'object' ? (v as Obj).backupTime : v)),
  ],
];

function historyValue(item: Obj, key: string): unknown {
  if (key === 'cpus') return item.cpus ?? item.vcpus;
  if (key === 'memory') return item.maxmem ?? item.memoryBytes;
  return item[key];
}

/** One row per snapshot, newest first; a value that changed from the older row is highlighted. */
function History(props: { items: Obj[]; current: number | null }) {
  const rows = useMemo(() => [...props.items].sort((a, b) => Number(b.date) - Number(a.date)), [props.items]);
  if (!rows.length) return html`<${Empty}>No history in this period.<//>`;
  return html`<div class="table-wrap history"><table class="table">
    <thead><tr><th scope="col">Snapshot</th>${HISTORY_FIELDS.map(([, label]) => html`<th scope="col">${label}</th>`)}</tr></thead>
    <tbody>
      ${rows.map((item, i) => {
        const older = rows[i + 1];
        const d = Number(item.date);
        return html`<tr key=${d} class=${d === props.current ? 'current' : ''}>
          <th scope="row"><${Link} href=${window.location.pathname + withParams(window.location.search, { date: d })}>${dateTime(d)}<//></th>
          ${HISTORY_FIELDS.map(([key, , fmt]) => {
            const text = fmt(historyValue(item, key));
            const changed = older !== undefined && fmt(historyValue(older, key)) !== text;
            return html`<td class=${changed ? 'changed' : ''}>${text}</td>`;
          })}
        </tr>`;
      })}
    </tbody>
  </table></div>`;
}
