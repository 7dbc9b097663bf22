/** A deep link into the Proxmox VE web interface for one guest: https://host:port/#v1:0:=qemu%2F100 */
export function proxmoxGuestUrl(host: string, port: number | undefined, type: string, vmid: number): string | null {
  if (!host || !Number.isInteger(vmid)) return null;
  const kind = type === 'lxc' ? 'lxc' : 'qemu';
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `https://${h}:${port ?? 8006}/#v1:0:=${encodeURIComponent(`${kind}/${vmid}`)}`;
}
