import type { AuthRealm } from '../auth.ts';
import type { DatastoreTruth, PbsSnapshotTruth, PbsTruth } from '../estate.ts';
import { HttpError } from '../http/errors.ts';
import { Router } from '../http/router.ts';
import { datastoreUsed } from '../pve/views.ts';
import type { RouteCtx, RouteDef } from '../runtime.ts';
import type { TaskRegistry } from '../tasks.ts';
import { parsePbsUpid } from '../upid.ts';

export interface PbsEnv {
  truth(): PbsTruth;
  realm: AuthRealm;
  tasks: TaskRegistry;
  estateTime(): number;
}

/** PBS errors: plain-text body, status 400 for generic failures. */
const fail = (message: string, status = 400) => new HttpError(status, message);

function boolArg(ctx: RouteCtx, name: string): boolean | undefined {
  const v = ctx.args[name];
  if (v === undefined) return undefined;
  if (v === true || v === 1 || v === '1' || v === 'true' || v === 'yes' || v === 'on') return true;
  if (v === false || v === 0 || v === '0' || v === 'false' || v === 'no' || v === 'off') return false;
  throw fail(`parameter verification failed - '${name}': value '${v}' is not a valid boolean`);
}

export function pbsRoutes(env: PbsEnv): Router<RouteDef> {
  const router = new Router<RouteDef>();
  const add = (
    method: RouteDef['method'],
    template: string,
    handler: RouteDef['handler'],
    extra: Partial<RouteDef> = {},
  ) => router.add(method, template, { method, template, handler, validate: false, ...extra });
  const store = (ctx: RouteCtx): DatastoreTruth => {
    const name = String(ctx.args.store);
    const d = env.truth().datastores.find((x) => x.store === name);
    if (!d) throw fail(`no such datastore '${name}'`);
    return d;
  };
  const namespace = (ctx: RouteCtx, d: DatastoreTruth): string => {
    const ns = ctx.args.ns === undefined ? '' : String(ctx.args.ns);
    if (ns !== '' && !d.namespaces.includes(ns)) throw fail(`namespace '${ns}' does not exist`);
    return ns;
  };

  add('GET', '/version', () => ({ ...env.truth().version }));
  add('GET', '/access/ticket', () => null, { noAuth: true });
  add(
    'POST',
    '/access/ticket',
    (ctx) => {
      let username = String(ctx.args.username ?? '');
      if (ctx.args.realm && !username.includes('@')) username = `${username}@${ctx.args.realm}`;
      const account = env.realm.login(username, String(ctx.args.password ?? ''));
      if (!account) throw new HttpError(401, 'authentication failed - invalid credentials', undefined, false);
      const { ticket, csrf } = env.realm.issueTicket(account.userid);
      return { username: account.userid, ticket, CSRFPreventionToken: csrf };
    },
    { noAuth: true },
  );
  add('GET', '/admin/datastore', () =>
    env.truth().datastores.map((d) => {
      const row: Record<string, unknown> = { store: d.store, comment: d.comment };
      if (d.maintenance) row.maintenance = d.maintenance;
      return row;
    }),
  );
  add('GET', '/admin/datastore/{store}/namespace', (ctx) => {
    const d = store(ctx);
    const parent = ctx.args.parent === undefined ? '' : String(ctx.args.parent);
    const maxDepth = ctx.args['max-depth'] === undefined ? 7 : Number(ctx.args['max-depth']);
    const depth = (ns: string) => (ns === '' ? 0 : ns.split('/').length);
    return ['', ...d.namespaces]
      .filter((ns) => parent === '' || ns === parent || ns.startsWith(`${parent}/`))
      .filter((ns) => depth(ns) - depth(parent) <= maxDepth)
      .sort()
      .map((ns) => ({ ns }));
  });
  add('GET', '/admin/datastore/{store}/snapshots', (ctx) => {
    const d = store(ctx);
    const ns = namespace(ctx, d);
    const type = ctx.args['backup-type'];
    const id = ctx.args['backup-id'];
    return d.snapshots
      .filter(
        (s) =>
          s.ns === ns &&
          (type === undefined || s.backupType === type) &&
          (id === undefined || s.backupId === String(id)),
      )
      .map(snapshotRow);
  });
  add('GET', '/admin/datastore/{store}/groups', (ctx) => {
    const d = store(ctx);
    const ns = namespace(ctx, d);
    const groups = new Map<string, PbsSnapshotTruth[]>();
    for (const s of d.snapshots) {
      if (s.ns !== ns) continue;
      const key = `${s.backupType}/${s.backupId}`;
      groups.set(key, [...(groups.get(key) ?? []), s]);
    }
    return [...groups.values()].map((snaps) => {
      const last = snaps.reduce((a, b) => (b.backupTime > a.backupTime ? b : a));
      const row: Record<string, unknown> = {
        'backup-type': last.backupType,
        'backup-id': last.backupId,
        'last-backup': last.backupTime,
        'backup-count': snaps.length,
        files: last.files.map((f) => f.filename),
        owner: last.owner,
      };
      if (last.comment) row.comment = last.comment;
      return row;
    });
  });
  add('GET', '/status/datastore-usage', () =>
    env.truth().datastores.map((d) => {
      const used = datastoreUsed(d);
      const history = Array.from({ length: 30 }, (_, i) =>
        Math.max(0, (used - (29 - i) * (d.total * 0.001)) / d.total),
      );
      return {
        store: d.store,
        total: d.total,
        used,
        avail: d.total - used,
        history,
        'history-start': env.estateTime() - 30 * 86400,
        'history-delta': 86400,
        'estimated-full-date': env.estateTime() + 400 * 86400,
        'gc-status': {
          'disk-bytes': used,
          'disk-chunks': Math.floor(used / 2_500_000),
          'index-data-bytes': used * 5,
          'index-file-count': d.snapshots.length,
          'removed-bytes': 0,
          'removed-chunks': 0,
          'pending-bytes': 0,
          'pending-chunks': 0,
          'removed-bad': 0,
          'still-bad': 0,
        },
      };
    }),
  );
  const datastoreTask = (type: 'garbage_collection' | 'verify') => (ctx: RouteCtx) => {
    const d = store(ctx);
    if (ctx.args['ignore-verified'] !== undefined) boolArg(ctx, 'ignore-verified');
    const task = env.tasks.start({
      node: env.truth().name,
      type,
      id: d.store,
      user: ctx.principal.tokenid ?? ctx.principal.userid,
      pstart: 1234567,
      log: [`starting ${type === 'verify' ? 'verification' : 'garbage collection'} on store ${d.store}`],
    });
    return task.upid;
  };
  const admin = (ctx: RouteCtx): [string, string] => [`/datastore/${ctx.args.store}`, 'Datastore.Modify'];
  add('POST', '/admin/datastore/{store}/gc', datastoreTask('garbage_collection'), { priv: admin });
  add('POST', '/admin/datastore/{store}/verify', datastoreTask('verify'), { priv: admin });

  const task = (ctx: RouteCtx) => {
    const upid = String(ctx.args.upid);
    if (!parsePbsUpid(upid)) throw fail(`parameter verification failed - 'upid': unable to parse UPID '${upid}'`);
    const rec = env.tasks.get(upid);
    if (!rec) throw fail(`unable to open file '/var/log/proxmox-backup/tasks/active' - task not found`);
    return rec;
  };
  add('GET', '/nodes/{node}/tasks/{upid}/status', (ctx) => {
    const r = task(ctx);
    const row: Record<string, unknown> = {
      upid: r.upid,
      node: r.node,
      pid: r.pid,
      pstart: r.pstart,
      starttime: r.starttime,
      type: r.type,
      id: r.id,
      user: r.user,
      status: r.status,
    };
    if (r.user.includes('!')) row.tokenid = r.user.slice(r.user.indexOf('!') + 1);
    if (r.status === 'stopped') row.exitstatus = r.exitstatus;
    return row;
  });
  add('GET', '/nodes/{node}/tasks/{upid}/log', (ctx) => {
    const r = task(ctx);
    return r.log.map((t, i) => ({ n: i + 1, t }));
  });
  return router;
}

function snapshotRow(s: PbsSnapshotTruth): Record<string, unknown> {
  const row: Record<string, unknown> = {
    'backup-type': s.backupType,
    'backup-id': s.backupId,
    'backup-time': s.backupTime,
    files: s.files.map((f) => ({ filename: f.filename, 'crypt-mode': f.cryptMode, size: f.size })),
    size: s.size,
    owner: s.owner,
    protected: s.protected,
  };
  if (s.comment) row.comment = s.comment;
  if (s.verification) row.verification = { ...s.verification };
  if (s.fingerprint) row.fingerprint = s.fingerprint;
  return row;
}
