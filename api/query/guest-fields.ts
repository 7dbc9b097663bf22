/**
 * Read guest facts from an instance document without depending on every detail of its layout: tags may be an
 * array or Proxmox's `;`-separated string, NICs and guest-agent addresses live in arrays of objects. Used by
 * search, filters and diff.
 */
export type Doc = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function guestTags(doc: Doc): string[] {
  const t = doc.tags;
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === 'string');
  if (typeof t === 'string') return t.split(/[;,\s]+/).filter((x) => x !== '');
  return [];
}

/** MAC addresses, upper-case with colons. */
export function guestMacs(doc: Doc): string[] {
  const out = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === 'string' && v !== '') out.add(v.toUpperCase().replace(/-/g, ':'));
  };
  for (const key of ['nics', 'networks', 'net']) {
    const list = doc[key];
    if (Array.isArray(list))
      for (const n of list) if (n && typeof n === 'object') add((n as Doc).mac ?? (n as Doc).hwaddr);
  }
  if (Array.isArray(doc.macs)) doc.macs.forEach(add);
  if (Array.isArray(doc.macaddr)) doc.macaddr.forEach(add);
  return [...out];
}

/** IP addresses (v4 and v6) from the guest agent or static config, without prefix lengths. */
export function guestIps(doc: Doc): string[] {
  const out = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === 'string' && v !== '') out.add(v.replace(/\/\d+$/, ''));
    else if (v && typeof v === 'object') add((v as Doc).ip ?? (v as Doc).address ?? (v as Doc)['ip-address']);
  };
  if (Array.isArray(doc.ips)) doc.ips.forEach(add);
  for (const key of ['nics', 'networks', 'interfaces']) {
    const list = doc[key];
    if (!Array.isArray(list)) continue;
    for (const n of list) {
      if (!n || typeof n !== 'object') continue;
      const nic = n as Doc;
      if (Array.isArray(nic.ips)) nic.ips.forEach(add);
      if (Array.isArray(nic['ip-addresses'])) (nic['ip-addresses'] as unknown[]).forEach(add);
      add(nic.ip);
      add(nic.ip6);
    }
  }
  return [...out];
}

export function guestName(doc: Doc): string {
  return str(doc.name) ?? '';
}

export function guestType(doc: Doc): string {
  return (str(doc.type) ?? '').toLowerCase();
}

export function isTemplate(doc: Doc): boolean {
  return doc.template === true || doc.template === 1;
}

/** A guest's identity for comparisons across dates: its uid, or cluster/vmid for documents without one. */
export function guestKey(doc: Doc): string {
  const uid = str(doc.uid);
  return uid ?? `${String(doc.cluster)}/${String(doc.vmid)}`;
}
