/**
 * `GET /nodes/{n}/qemu/{vmid}/agent/network-get-interfaces` -> the guest's addresses, loopback and
 * link-local left out. The answer is `{result: [{name, "hardware-address", "ip-addresses": [...]}]}`.
 */
export function agentAddresses(data: unknown): string[] {
  const result = (data as { result?: unknown } | null)?.result;
  const out = new Set<string>();
  for (const iface of Array.isArray(result) ? result : []) {
    const addrs = (iface as { 'ip-addresses'?: unknown })['ip-addresses'];
    for (const a of Array.isArray(addrs) ? addrs : []) {
      const ip = (a as { 'ip-address'?: unknown })['ip-address'];
      if (typeof ip !== 'string' || ip === '') continue;
      if (/^127\./.test(ip) || ip === '::1' || /^fe80:/i.test(ip) || /^169\.254\./.test(ip)) continue;
      out.add(ip);
    }
  }
  return [...out];
}

/** Static addresses of an LXC NIC config (`ip=10.0.0.5/24`): the address without its prefix length. */
export function staticAddress(ip: string | undefined): string | undefined {
  if (!ip || ip === 'dhcp' || ip === 'manual' || ip === 'auto') return undefined;
  return ip.split('/')[0];
}
