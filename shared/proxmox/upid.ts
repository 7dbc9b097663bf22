import { InvalidUpidError } from './errors.ts';
import type { ProxmoxKind } from './types.ts';

/**
 * Task identifiers (UPIDs). PVE: `UPID:node:PID:PSTART:STARTTIME:type:id:user:` (pve-common UPID.pm).
 * PBS adds a task counter after PSTART and systemd-escapes the worker id (proxmox-schema upid.rs).
 * Fields never contain `:`, so the number of fields tells the two apart.
 */

export interface Upid {
  kind: ProxmoxKind;
  node: string;
  pid: number;
  pstart: number;
  /** PBS only: the task counter. */
  taskId?: number;
  /** Task start, epoch seconds. */
  starttime: number;
  /** Worker type, e.g. `qmstart`, `vzdump`, `backup`. */
  type: string;
  /** Worker id as it appears in the UPID (PBS: systemd-escaped). */
  workerId: string;
  /** Worker id decoded (PBS `\x2d` and `-` escapes undone; same as workerId on PVE). */
  id: string;
  /** Who started the task: `user@realm` or `user@realm!token`. */
  user: string;
  /** The token name when a token started the task. */
  tokenId?: string;
  upid: string;
}

const PVE_UPID =
  /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/;

const PBS_UPID =
  /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8,16}):([0-9A-Fa-f]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$/;

/** Undo systemd unit-name escaping: `-` stands for `/`, `\xNN` for the byte NN. */
export function systemdUnescape(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && text[i + 1] === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
      bytes.push(Number.parseInt(text.slice(i + 2, i + 4), 16));
      i += 3;
    } else if (c === '-') {
      bytes.push(0x2f);
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function splitUser(user: string): { user: string; tokenId?: string } {
  const bang = user.indexOf('!');
  return bang < 0 ? { user } : { user, tokenId: user.slice(bang + 1) };
}

/** Parses a PVE or PBS UPID, or returns null. Pass `kind` to accept only that product's format. */
export function tryParseUpid(upid: string, kind?: ProxmoxKind): Upid | null {
  const hex = (s: string | undefined) => Number.parseInt(s ?? '', 16);
  if (kind !== 'pbs') {
    const m = PVE_UPID.exec(upid);
    if (m) {
      return {
        kind: 'pve',
        node: m[1]!,
        pid: hex(m[3]),
        pstart: hex(m[4]),
        starttime: hex(m[5]),
        type: m[6]!,
        workerId: m[7]!,
        id: m[7]!,
        ...splitUser(m[8]!),
        upid,
      };
    }
  }
  if (kind !== 'pve') {
    const m = PBS_UPID.exec(upid);
    if (m) {
      return {
        kind: 'pbs',
        node: m[1]!,
        pid: hex(m[3]),
        pstart: hex(m[4]),
        taskId: hex(m[5]),
        starttime: hex(m[6]),
        type: m[7]!,
        workerId: m[8]!,
        id: systemdUnescape(m[8]!),
        ...splitUser(m[9]!),
        upid,
      };
    }
  }
  return null;
}

/** Parses a PVE or PBS UPID; throws InvalidUpidError when it is neither. */
export function parseUpid(upid: string, kind?: ProxmoxKind): Upid {
  const parsed = tryParseUpid(upid, kind);
  if (!parsed) {
    const which = kind === 'pve' ? 'a Proxmox VE' : kind === 'pbs' ? 'a Proxmox Backup Server' : 'a Proxmox';
    throw new InvalidUpidError(
      `"${upid.slice(0, 200)}" is not ${which} task id (UPID:node:pid:pstart:...:); pass the exact string a task-starting call returned.`,
    );
  }
  return parsed;
}
