/** Which Proxmox product a client talks to: Proxmox VE (port 8006) or Proxmox Backup Server (port 8007). */
export type ProxmoxKind = 'pve' | 'pbs';

export const DEFAULT_PORT: Record<ProxmoxKind, number> = { pve: 8006, pbs: 8007 };

/** The product's name as people know it, for messages. */
export const PRODUCT_NAME: Record<ProxmoxKind, string> = { pve: 'Proxmox VE', pbs: 'Proxmox Backup Server' };

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** `host:port`, with brackets around an IPv6 address. */
export function hostLabel(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}
