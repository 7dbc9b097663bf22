import type { Principal } from '../auth.ts';
import { configDigest, isDiskKey } from '../config-format.ts';
import { type ConfigValue, type GuestTruth, guestLock, guestTemplate } from '../estate.ts';
import { setRuntime, sortConfig, storageOnNode } from '../generate.ts';
import { dieError, HttpError } from '../http/errors.ts';
import type { Args } from '../http/params.ts';
import { pveSchema } from '../http/params.ts';
import { Rng } from '../rng.ts';
import type { ResolvedOptions } from '../runtime.ts';
import type { TaskRecord } from '../tasks.ts';
import { badRequest, type ClusterState } from './cluster-state.ts';

export interface ActionEnv {
  state: ClusterState;
  options: ResolvedOptions;
  offline(node: string): boolean;
}

const rng = new Rng(Date.now() & 0xffffffff);
const kindWord = (g: GuestTruth) => (g.type === 'qemu' ? 'VM' : 'CT');

function startTask(
  env: ActionEnv,
  p: Principal,
  node: string,
  type: string,
  id: string,
  log: string[],
  run: () => string | undefined,
): TaskRecord {
  const n = env.state.node(node);
  const task = env.state.tasks.start({
    node,
    type,
    id,
    user: p.tokenid ?? p.userid,
    pstart: Math.floor((n?.uptime ?? 1000) * 100) % 0xffffffff,
    log,
    run: () => {
      const err = run();
      env.state.changed();
      return err;
    },
  });
  if (p.tokenid) task.tokenid = p.tokenid.slice(p.tokenid.lastIndexOf('!') + 1);
  return task;
}

/** Applies a power state change to a guest (runtime figures follow the status). */
function setStatus(g: GuestTruth, status: GuestTruth['status']): void {
  const wasRunning = g.status !== 'stopped';
  g.status = status;
  if (status === 'stopped' || !wasRunning) setRuntime(g, rng);
}

const QEMU_TASK: Record<string, string> = {
  start: 'qmstart',
  stop: 'qmstop',
  shutdown: 'qmshutdown',
  reboot: 'qmreboot',
  reset: 'qmreset',
  suspend: 'qmpause',
  resume: 'qmresume',
};
const LXC_TASK: Record<string, string> = {
  start: 'vzstart',
  stop: 'vzstop',
  shutdown: 'vzshutdown',
  reboot: 'vzreboot',
  suspend: 'vzsuspend',
  resume: 'vzresume',
};

/**
 * POST .../status/{action}: returns the UPID. Errors follow PVE: templates cannot start (500), CT pre-checks are
 * synchronous 500s, QEMU checks fail inside the task. HA-managed guests get hastart/hastop tasks that only change
 * the requested HA state; the guest follows `haDelayMs` later.
 */
export function powerAction(env: ActionEnv, p: Principal, g: GuestTruth, action: string, args: Args): string {
  const word = kindWord(g);
  const running = g.status !== 'stopped';
  if (action === 'start' && guestTemplate(g)) throw dieError(`you can't start a vm if it's a template`);
  if (g.type === 'lxc') {
    if (action === 'start' && running) throw dieError(`CT ${g.vmid} already running`);
    if ((action === 'stop' || action === 'shutdown' || action === 'reboot' || action === 'suspend') && !running) {
      throw dieError(`CT ${g.vmid} not running`);
    }
  }
  if (g.ha && (action === 'start' || action === 'stop' || action === 'shutdown') && g.ha.state !== 'ignored') {
    const want = action === 'start' ? 'started' : 'stopped';
    const ha = g.ha;
    const task = startTask(
      env,
      p,
      g.node,
      action === 'start' ? 'hastart' : 'hastop',
      String(g.vmid),
      [`Requesting HA ${action === 'start' ? 'start' : 'stop'} for ${word} ${g.vmid}`],
      () => {
        ha.state = want;
        env.state.later(env.options.haDelayMs, () => {
          if (!env.state.guest(g.vmid) || g.ha !== ha || ha.state !== want) return;
          if (want === 'started' && g.status === 'stopped') setStatus(g, 'running');
          if (want === 'stopped' && g.status !== 'stopped') setStatus(g, 'stopped');
          env.state.changed();
        });
        return undefined;
      },
    );
    return task.upid;
  }
  const type = (g.type === 'qemu' ? QEMU_TASK : LXC_TASK)[action];
  if (!type)
    throw new HttpError(501, `Method 'POST /nodes/${g.node}/${g.type}/${g.vmid}/status/${action}' not implemented`);
  const skiplock = args.skiplock === true;
  const finalType = action === 'suspend' && args.todisk === true ? 'qmsuspend' : type;
  const task = startTask(env, p, g.node, finalType, String(g.vmid), [], () => {
    const lock = guestLock(g);
    if (lock && !skiplock && action !== 'stop' && !(action === 'resume' && lock === 'suspended'))
      return `${word} ${g.vmid} is locked (${lock})`;
    const isRunning = g.status !== 'stopped';
    switch (action) {
      case 'start':
        if (isRunning) return `${word} ${g.vmid} already running`;
        setStatus(g, 'running');
        return undefined;
      case 'stop':
        if (isRunning) setStatus(g, 'stopped');
        return undefined;
      case 'shutdown':
        if (!isRunning) return `${word} ${g.vmid} not running`;
        setStatus(g, 'stopped');
        return undefined;
      case 'reboot':
      case 'reset':
        if (!isRunning) return `${word} ${g.vmid} not running`;
        g.uptime = 0;
        return undefined;
      case 'suspend':
        if (!isRunning) return `${word} ${g.vmid} not running`;
        g.status = 'paused';
        return undefined;
      case 'resume':
        if (!isRunning) return `${word} ${g.vmid} not running`;
        g.status = 'running';
        return undefined;
      default:
        return `unknown action ${action}`;
    }
  });
  return task.upid;
}

/** POST .../migrate: validates like PVE, runs a qmigrate/vzmigrate (or hamigrate) task that moves the guest. */
export function migrate(env: ActionEnv, p: Principal, g: GuestTruth, args: Args): string {
  const target = String(args.target);
  const word = kindWord(g);
  if (target === g.node) throw badRequest({ target: 'target is local node.' });
  const targetNode = env.state.node(target);
  if (!targetNode) throw dieError(`no such cluster node '${target}'`);
  if (env.offline(target) || !targetNode.online) throw dieError(`target node '${target}' is not online`);
  const lock = guestLock(g);
  if (lock) throw dieError(`${word} ${g.vmid} is locked (${lock})`);
  const running = g.status !== 'stopped';
  if (g.type === 'qemu' && running && !args.online && !g.ha)
    throw dieError(`can't migrate running VM without --online`);
  if (g.type === 'lxc' && running && !g.ha) {
    if (args.online) throw dieError('lxc live migration is currently not implemented');
    if (!args.restart) throw dieError('running container can only be migrated in restart mode');
  }
  const move = (): string | undefined => {
    if (env.state.guest(g.vmid) !== g) return `${word} ${g.vmid} does not exist anymore`;
    for (const vol of env.state.truth.volumes) {
      if (vol.vmid !== g.vmid || !vol.node || vol.node !== g.node) continue;
      if (vol.content !== 'images' && vol.content !== 'rootdir') continue;
      const storage = env.state.storage(vol.storage);
      if (storage && !storageOnNode(storage, target))
        return `storage '${vol.storage}' is not available on node '${target}'`;
    }
    for (const vol of env.state.truth.volumes) {
      if (vol.vmid === g.vmid && vol.node === g.node && (vol.content === 'images' || vol.content === 'rootdir'))
        vol.node = target;
    }
    g.node = target;
    if (g.type === 'lxc' && running) g.uptime = 0;
    return undefined;
  };
  if (g.ha) {
    const task = startTask(
      env,
      p,
      g.node,
      'hamigrate',
      String(g.vmid),
      [`Requesting HA migration for ${word} ${g.vmid} to node ${target}`],
      () => {
        env.state.later(env.options.haDelayMs, () => {
          move();
          env.state.changed();
        });
        return undefined;
      },
    );
    return task.upid;
  }
  const task = startTask(
    env,
    p,
    g.node,
    g.type === 'qemu' ? 'qmigrate' : 'vzmigrate',
    String(g.vmid),
    [
      `${new Date().toISOString().slice(0, 19).replace('T', ' ')} starting migration of ${word} ${g.vmid} to node '${target}' (${targetNode.ip})`,
    ],
    move,
  );
  return task.upid;
}

/** Config keys set with PUT/POST; integer-typed keys keep numbers, the rest strings. */
function typedValue(type: 'qemu' | 'lxc', key: string, value: unknown): ConfigValue {
  const template = type === 'qemu' ? '/nodes/{node}/qemu/{vmid}/config' : '/nodes/{node}/lxc/{vmid}/config';
  const props = pveSchema()[template]?.PUT?.parameters?.properties ?? {};
  const prop = props[key] ?? props[`${key.replace(/\d+$/, '')}[n]`];
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (prop?.type === 'integer' || prop?.type === 'boolean') return Number(value);
  if (key === 'memory' && type === 'lxc') return Number(value);
  return String(value);
}

const CONTROL_KEYS = new Set(['node', 'vmid', 'digest', 'delete', 'revert', 'skiplock', 'background_delay', 'force']);

/** Applies a config update (PUT sync, or inside the qmconfig task for qemu POST); returns an error text or undefined. */
export function applyConfigUpdate(env: ActionEnv, g: GuestTruth, args: Args): string | undefined {
  const current = configDigest(g.config);
  if (typeof args.digest === 'string' && args.digest !== current) {
    return g.type === 'qemu'
      ? 'checksum mismatch (file change by other user?)'
      : 'detected modified configuration - file changed by other user? Try again.';
  }
  const lock = guestLock(g);
  const touchesLock =
    'lock' in args ||
    String(args.delete ?? '')
      .split(/[,;\s]+/)
      .includes('lock');
  if (lock && args.skiplock !== true && !touchesLock) return `${kindWord(g)} ${g.vmid} is locked (${lock})`;
  for (const key of String(args.delete ?? '')
    .split(/[,;\s]+/)
    .filter(Boolean)) {
    if (isDiskKey(g, key) && !key.startsWith('unused'))
      return `unable to delete '${key}': detaching disks is not simulated`;
    delete g.config[key];
  }
  for (const [key, value] of Object.entries(args)) {
    if (CONTROL_KEYS.has(key)) continue;
    if (isDiskKey(g, key)) return `changing '${key}' is not simulated (only options, notes and tags)`;
    if (key === 'description' && value === '') {
      delete g.config.description;
      continue;
    }
    g.config[key] = typedValue(g.type, key, value);
  }
  sortConfig(g);
  env.state.changed();
  return undefined;
}

export function configUpdateSync(env: ActionEnv, g: GuestTruth, args: Args): null {
  const err = applyConfigUpdate(env, g, args);
  if (err) throw dieError(err);
  return null;
}

export function configUpdateAsync(env: ActionEnv, p: Principal, g: GuestTruth, args: Args): string {
  const task = startTask(env, p, g.node, 'qmconfig', String(g.vmid), ['update VM config'], () =>
    applyConfigUpdate(env, g, args),
  );
  return task.upid;
}
