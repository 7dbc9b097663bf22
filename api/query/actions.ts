import { badRequest } from './errors.ts';

/**
 * Lifecycle actions on guests, as Proxmox defines them: which exist for which guest type, and the call that
 * carries each out. `reset` exists for VMs only; migration goes to another node of the same cluster.
 */
export const ACTIONS = ['start', 'stop', 'shutdown', 'reboot', 'reset', 'suspend', 'resume', 'migrate'] as const;
export type Action = (typeof ACTIONS)[number];
export type GuestType = 'qemu' | 'lxc';

const FOR_TYPE: Record<GuestType, readonly Action[]> = {
  qemu: ACTIONS,
  lxc: ['start', 'stop', 'shutdown', 'reboot', 'suspend', 'resume', 'migrate'],
};

export function parseAction(raw: string): Action {
  if (!(ACTIONS as readonly string[]).includes(raw)) {
    throw badRequest('unknown_action', `There is no action ${JSON.stringify(raw)}; use one of ${ACTIONS.join(', ')}.`);
  }
  return raw as Action;
}

export interface ActionBody {
  target?: string;
  online?: boolean;
}

/** Refuses an action the guest type does not have, and parameters that do not belong to the action. */
export function checkAction(action: Action, type: GuestType, body: ActionBody, currentNode: string): void {
  if (!FOR_TYPE[type].includes(action)) {
    const what = type === 'lxc' ? 'a container' : 'a virtual machine';
    throw badRequest(
      'action_not_supported',
      `${action} does not exist for ${what}; it has ${FOR_TYPE[type].join(', ')}.`,
    );
  }
  if (action === 'migrate') {
    if (!body.target) throw badRequest('missing_target', 'migrate needs a target node (body: {"target": "<node>"}).');
    if (body.target === currentNode) {
      throw badRequest('same_node', `The guest runs on ${currentNode} already; pick another node of its cluster.`);
    }
  } else if (body.target !== undefined || body.online !== undefined) {
    throw badRequest('unexpected_parameter', `target and online apply to migrate only, not to ${action}.`);
  }
}

/** The Proxmox call that starts the action (returns a UPID). */
export function proxmoxCall(
  action: Action,
  guest: { type: GuestType; node: string; vmid: number; status?: string },
  body: ActionBody,
): { path: (string | number)[]; params: Record<string, string | number | boolean> } {
  const base = ['nodes', guest.node, guest.type, guest.vmid];
  if (action === 'migrate') {
    const params: Record<string, string | number | boolean> = { target: body.target as string };
    const running = guest.status === 'running';
    if (guest.type === 'qemu') {
      if (body.online ?? running) params.online = true;
    } else if (running) {
      // A running container cannot move live: `restart` stops it, moves it and starts it again.
      if (body.online) params.online = true;
      else params.restart = true;
    }
    return { path: [...base, 'migrate'], params };
  }
  return { path: [...base, 'status', action], params: {} };
}

/** The Redis key that allows one action per guest at a time. */
export const actionLockKey = (prefix: string, cluster: string, vmid: number) =>
  `${prefix}action-lock:${cluster}:${vmid}`;
