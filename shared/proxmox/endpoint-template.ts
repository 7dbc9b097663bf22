/**
 * Turns a concrete API path into its template, for counting calls per endpoint:
 * `/nodes/pve1/qemu/100/status/current` → `/nodes/{node}/qemu/{vmid}/status/current`.
 * Proxmox paths alternate collections and items, so the segment after one of these collection names is an
 * id. Anything else that looks like an id (a number, a UPID) is replaced too, so counts never explode.
 */

const ID_AFTER: Readonly<Record<string, string>> = {
  nodes: '{node}',
  qemu: '{vmid}',
  lxc: '{vmid}',
  storage: '{storage}',
  content: '{volume}',
  tasks: '{upid}',
  datastore: '{store}',
  pools: '{poolid}',
  snapshot: '{snapname}',
  users: '{userid}',
  groups: '{group}',
  roles: '{roleid}',
  domains: '{realm}',
  token: '{tokenid}',
  backup: '{id}',
  resources: '{sid}',
  rules: '{pos}',
  zones: '{zone}',
  vnets: '{vnet}',
};

export function endpointTemplate(path: string): string {
  const segments = path.split('/').filter((s) => s !== '');
  const out = segments.map((segment, i) => {
    const placeholder = i > 0 ? ID_AFTER[segments[i - 1]!] : undefined;
    if (placeholder) return placeholder;
    if (/^UPID(:|%3A)/i.test(segment)) return '{upid}';
    if (/^\d+$/.test(segment)) return '{id}';
    return segment;
  });
  return `/${out.join('/')}`;
}
