/** UPID builders in the exact PVE and PBS formats (see proxmox-api.md section 4). */
const hex8 = (n: number) => (n >>> 0).toString(16).toUpperCase().padStart(8, '0');

export function pveUpid(p: {
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
}): string {
  return `UPID:${p.node}:${hex8(p.pid)}:${hex8(p.pstart)}:${hex8(p.starttime)}:${p.type}:${p.id}:${p.user}:`;
}

export function pbsUpid(p: {
  node: string;
  pid: number;
  pstart: number;
  taskId: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
}): string {
  return `UPID:${p.node}:${hex8(p.pid)}:${hex8(p.pstart)}:${hex8(p.taskId)}:${hex8(p.starttime)}:${p.type}:${systemdEscape(p.id)}:${p.user}:`;
}

/** systemd-style escaping of PBS worker ids: '/' becomes '-', other unsafe bytes \xNN. */
export function systemdEscape(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (ch === '/') out += '-';
    else if (/[A-Za-z0-9_.]/.test(ch)) out += ch;
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

const PVE_UPID_RE =
  /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/;
const PBS_UPID_RE =
  /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8,16}):([0-9A-Fa-f]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$/;

export interface ParsedUpid {
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
  taskId?: number;
}

export function parsePveUpid(upid: string): ParsedUpid | undefined {
  const m = PVE_UPID_RE.exec(upid);
  if (!m) return undefined;
  return {
    node: m[1] as string,
    pid: Number.parseInt(m[3] as string, 16),
    pstart: Number.parseInt(m[4] as string, 16),
    starttime: Number.parseInt(m[5] as string, 16),
    type: m[6] as string,
    id: m[7] as string,
    user: m[8] as string,
  };
}

export function parsePbsUpid(upid: string): ParsedUpid | undefined {
  const m = PBS_UPID_RE.exec(upid);
  if (!m) return undefined;
  return {
    node: m[1] as string,
    pid: Number.parseInt(m[3] as string, 16),
    pstart: Number.parseInt(m[4] as string, 16),
    taskId: Number.parseInt(m[5] as string, 16),
    starttime: Number.parseInt(m[6] as string, 16),
    type: m[7] as string,
    id: m[8] as string,
    user: m[9] as string,
  };
}
