import type { AuthRealm } from '../auth.ts';
import type { SimCertificate } from '../certs.ts';
import { configDigest } from '../config-format.ts';
import { agentAnswers, agentEnabled, type GuestTruth, guestName, type NodeTruth } from '../estate.ts';
import { storageOnNode } from '../generate.ts';
import { dieError, HttpError } from '../http/errors.ts';
import { Router } from '../http/router.ts';
import type { ResolvedOptions, RouteCtx, RouteDef } from '../runtime.ts';
import type { TaskRecord } from '../tasks.ts';
import { parsePveUpid } from '../upid.ts';
import { type ActionEnv, configUpdateAsync, configUpdateSync, migrate, powerAction } from './actions.ts';
import { badRequest, type ClusterState } from './cluster-state.ts';
import { addMonitoringRoutes } from './monitoring-routes.ts';
import {
  clusterResources,
  haStatus,
  lxcListRow,
  nodeUptime,
  type PveView,
  qemuListRow,
  statusCurrent,
  storageContent,
  storageListRow,
  storageUsage,
} from './views.ts';

export interface PveEnv extends PveView, ActionEnv {
  state: ClusterState;
  realm: AuthRealm;
  options: ResolvedOptions;
  /** The node whose certificate the cluster listener serves (its fingerprint in /nodes and certificates/info). */
  entryNode: string;
  /** The node this listener answers as: `local: 1` in /cluster/status. */
  localNode: string;
  certificate(): SimCertificate;
}

const bool = (b: boolean) => (b ? 1 : 0);
const vmPath = (ctx: RouteCtx) => `/vms/${ctx.args.vmid}`;

export function pveRoutes(env: PveEnv): Router<RouteDef> {
  const router = new Router<RouteDef>();
  const add = (
    method: RouteDef['method'],
    template: string,
    handler: RouteDef['handler'],
    extra: Partial<RouteDef> = {},
  ) => router.add(method, template, { method, template, handler, ...extra });
  const state = env.state;
  const t = () => state.truth;
  const nodeOf = (ctx: RouteCtx) => state.node(String(ctx.args.node)) as NodeTruth;
  const guest = (ctx: RouteCtx, type: 'qemu' | 'lxc') =>
    state.guestOn(String(ctx.args.node), type, Number(ctx.args.vmid));

  // --- access ---------------------------------------------------------------------------------------------------
  add('GET', '/access/ticket', () => null, { noAuth: true });
  add(
    'POST',
    '/access/ticket',
    (ctx) => {
      if (/(?:^|\s)PVEAPIToken(?:=| )/.test(ctx.headers.authorization ?? '')) {
        throw new HttpError(403, `URI '/access/ticket' not available with API token, need proper ticket.`);
      }
      let username = String(ctx.args.username);
      if (ctx.args.realm && !username.includes('@')) username = `${username}@${ctx.args.realm}`;
      const account = env.realm.login(username, String(ctx.args.password));
      if (!account) throw new AuthFailure();
      const { ticket, csrf } = env.realm.issueTicket(account.userid);
      const admin = account.role === 'admin';
      const privs = (names: string[]) => Object.fromEntries(names.map((n) => [n, 1]));
      return {
        username: account.userid,
        ticket,
        CSRFPreventionToken: csrf,
        clustername: t().name,
        cap: {
          vms: privs(
            admin ? ['VM.Audit', 'VM.PowerMgmt', 'VM.Config.Options', 'VM.Migrate', 'VM.Monitor'] : ['VM.Audit'],
          ),
          storage: privs(admin ? ['Datastore.Audit', 'Datastore.Allocate'] : ['Datastore.Audit']),
          nodes: privs(admin ? ['Sys.Audit', 'Sys.Modify', 'Sys.PowerMgmt'] : ['Sys.Audit']),
          access: privs(admin ? ['User.Modify', 'Permissions.Modify'] : []),
          dc: privs(admin ? ['Sys.Audit', 'SDN.Audit'] : ['Sys.Audit']),
          sdn: privs(['SDN.Audit']),
        },
      };
    },
    { noAuth: true },
  );

  // --- cluster ----------------------------------------------------------------------------------------------------
  add('GET', '/version', () => ({ ...t().version, console: 'html5' }));
  add('GET', '/cluster/status', () => {
    const nodes = t().nodes;
    const online = nodes.filter((n) => n.online && !env.offline(n.name)).length;
    return [
      {
        type: 'cluster',
        id: 'cluster',
        name: t().name,
        nodes: nodes.length,
        version: state.configVersion,
        quorate: bool(online * 2 > nodes.length),
      },
      ...nodes.map((n) => ({
        type: 'node',
        id: `node/${n.name}`,
        name: n.name,
        nodeid: n.nodeid,
        ip: n.ip,
        local: bool(n.name === env.localNode),
        online: bool(n.online && !env.offline(n.name)),
        level: '',
      })),
    ];
  });
  add('GET', '/cluster/resources', (ctx) => clusterResources(env, ctx.args.type as string | undefined));
  add('GET', '/cluster/nextid', () => {
    let id = 100;
    while (state.guest(id)) id++;
    return id;
  });
  add('GET', '/cluster/ha/resources', (ctx) =>
    t()
      .guests.filter((g) => g.ha && (!ctx.args.type || ctx.args.type === (g.type === 'qemu' ? 'vm' : 'ct')))
      .sort((a, b) => a.vmid - b.vmid)
      .map((g) => {
        const ha = g.ha!;
        const row: Record<string, unknown> = {
          sid: `${g.type === 'qemu' ? 'vm' : 'ct'}:${g.vmid}`,
          type: g.type === 'qemu' ? 'vm' : 'ct',
          state: ha.state,
          max_restart: ha.maxRestart,
          max_relocate: ha.maxRelocate,
          digest: configDigest({ ha: JSON.stringify(ha), vmid: g.vmid }),
        };
        if (ha.group) row.group = ha.group;
        if (ha.comment) row.comment = ha.comment;
        return row;
      }),
  );
  add('GET', '/cluster/ha/status/current', () => {
    const now = env.estateTime();
    const nodes = t().nodes;
    const master = nodes.find((n) => n.online && !env.offline(n.name)) ?? nodes[0]!;
    const rows: Record<string, unknown>[] = [
      { id: 'quorum', type: 'quorum', node: master.name, status: 'OK', quorate: 1 },
      {
        id: 'master',
        type: 'master',
        node: master.name,
        status: `${master.name} (active, ${new Date(now * 1000).toUTCString()})`,
        timestamp: now,
      },
    ];
    const haGuests = t().guests.filter((g) => g.ha);
    for (const n of nodes) {
      const active = haGuests.some((g) => g.node === n.name);
      const off = env.offline(n.name) || !n.online;
      rows.push({
        id: `lrm:${n.name}`,
        type: 'lrm',
        node: n.name,
        status: off
          ? `${n.name} (old timestamp - dead?, ${new Date(now * 1000).toUTCString()})`
          : `${n.name} (${active ? 'active' : 'idle'}, ${new Date(now * 1000).toUTCString()})`,
        timestamp: now,
      });
    }
    for (const g of haGuests.sort((a, b) => a.vmid - b.vmid)) {
      const ha = g.ha!;
      const sid = `${g.type === 'qemu' ? 'vm' : 'ct'}:${g.vmid}`;
      const actual = g.status === 'stopped' ? 'stopped' : 'started';
      const st = ha.state === actual ? actual : ha.state === 'started' ? 'starting' : 'stopping';
      const row: Record<string, unknown> = {
        id: `service:${sid}`,
        type: 'service',
        sid,
        node: g.node,
        crm_state: st,
        state: st,
        request_state: ha.state,
        status: `${sid} (${g.node}, ${st})`,
        max_restart: ha.maxRestart,
        max_relocate: ha.maxRelocate,
        failback: 1,
      };
      if (ha.group) row.group = ha.group;
      if (ha.comment) row.comment = ha.comment;
      rows.push(row);
    }
    return rows;
  });
  add('GET', '/cluster/backup', () =>
    t().backupJobs.map((j) => {
      const row: Record<string, unknown> = {
        id: j.id,
        type: 'vzdump',
        schedule: j.schedule,
        storage: j.storage,
        enabled: bool(j.enabled),
        mode: j.mode,
        compress: j.compress,
        'notes-template': j.notesTemplate,
        'prune-backups': { 'keep-daily': j.keepDaily, 'keep-weekly': j.keepWeekly },
        fleecing: { enabled: 0 },
        'next-run': nextRun(env.estateTime(), j.schedule),
        'repeat-missed': 0,
      };
      if (j.all) row.all = 1;
      if (j.vmid) row.vmid = j.vmid;
      if (j.pool) row.pool = j.pool;
      if (j.node) row.node = j.node;
      if (j.comment) row.comment = j.comment;
      return row;
    }),
  );
  add('GET', '/pools', (ctx) => {
    const pools = t().pools.filter((p) => !ctx.args.poolid || p.poolid === ctx.args.poolid);
    if (ctx.args.poolid && pools.length === 0) throw dieError(`pool '${ctx.args.poolid}' does not exist`);
    return pools.map((p) => {
      const row: Record<string, unknown> = { poolid: p.poolid };
      if (p.comment) row.comment = p.comment;
      if (ctx.args.poolid) row.members = poolMembers(env, p.poolid);
      return row;
    });
  });
  add(
    'GET',
    '/pools/{poolid}',
    (ctx) => {
      const p = t().pools.find((x) => x.poolid === ctx.args.poolid);
      if (!p) throw dieError(`pool '${ctx.args.poolid}' does not exist`);
      return { ...(p.comment ? { comment: p.comment } : {}), members: poolMembers(env, p.poolid) };
    },
    { validate: false },
  );
  add('GET', '/storage', (ctx) =>
    t()
      .storages.filter((s) => !ctx.args.type || s.type === ctx.args.type)
      .map((s) => {
        const row: Record<string, unknown> = {
          storage: s.storage,
          type: s.type,
          content: s.content.join(','),
          digest: configDigest({ s: JSON.stringify(t().storages) }),
          ...s.extra,
        };
        if (s.shared && s.type !== 'pbs') row.shared = 1;
        if (s.nodes) row.nodes = s.nodes.join(',');
        if (s.pbs) {
          const pbs = env.pbsFor(s);
          row.datastore = s.pbs.datastore;
          row.namespace = s.pbs.namespace;
          row.server = pbs?.host ?? s.pbs.server;
          if (pbs) {
            row.port = pbs.port;
            row.fingerprint = pbs.fingerprint;
          }
          row['prune-backups'] = 'keep-all=1';
        }
        return row;
      }),
  );

  // --- nodes ------------------------------------------------------------------------------------------------------
  add('GET', '/nodes', () =>
    t().nodes.map((n) => {
      const fp = n.name === env.entryNode ? env.certificate().fingerprint : n.sslFingerprint;
      if (env.offline(n.name) || !n.online)
        return { node: n.name, status: 'offline', id: `node/${n.name}`, type: 'node', ssl_fingerprint: fp, level: '' };
      return {
        node: n.name,
        status: 'online',
        cpu: n.cpu,
        maxcpu: n.cpus,
        mem: n.mem,
        maxmem: n.maxmem,
        disk: n.disk,
        maxdisk: n.maxdisk,
        uptime: nodeUptime(env, n),
        level: '',
        id: `node/${n.name}`,
        type: 'node',
        ssl_fingerprint: fp,
      };
    }),
  );
  add(
    'GET',
    '/nodes/{node}',
    () =>
      [
        'apt',
        'capabilities',
        'ceph',
        'certificates',
        'disks',
        'lxc',
        'network',
        'qemu',
        'status',
        'storage',
        'tasks',
        'version',
      ].map((subdir) => ({ name: subdir })),
    { validate: false },
  );
  add('GET', '/nodes/{node}/version', () => ({ ...t().version }));
  add('GET', '/nodes/{node}/status', (ctx) => {
    const n = nodeOf(ctx);
    const load = [n.cpu * n.cpus * 0.9, n.cpu * n.cpus, n.cpu * n.cpus * 1.1].map((x) => x.toFixed(2));
    return {
      uptime: nodeUptime(env, n),
      idle: 0,
      loadavg: load,
      kversion: n.kversion,
      'current-kernel': {
        sysname: 'Linux',
        release: n.kernelRelease,
        version: n.kversion.replace(/^Linux \S+ /, ''),
        machine: 'x86_64',
      },
      'boot-info': { mode: 'efi', secureboot: 0 },
      cpuinfo: {
        model: n.cpuModel,
        sockets: n.sockets,
        cores: n.cores,
        cpus: n.cpus,
        mhz: n.mhz,
        user_hz: 100,
        hvm: '1',
        flags:
          'fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx lm constant_tsc aes avx avx2',
        vendor: n.cpuModel.includes('AMD') ? 'AuthenticAMD' : 'GenuineIntel',
        family: n.cpuModel.includes('AMD') ? '25' : '6',
      },
      cpu: n.cpu,
      wait: 0.0012,
      memory: { total: n.maxmem, used: n.mem, free: n.maxmem - n.mem, available: n.maxmem - n.mem },
      ksm: { shared: 0 },
      swap: { total: 8 * 1024 ** 3, used: 0, free: 8 * 1024 ** 3 },
      rootfs: { total: n.maxdisk, used: n.disk, avail: n.maxdisk - n.disk, free: n.maxdisk - n.disk },
      pveversion: n.pveversion,
    };
  });
  add('GET', '/nodes/{node}/certificates/info', (ctx) => {
    const n = nodeOf(ctx);
    const cert = env.certificate();
    const leaf =
      n.name === env.entryNode
        ? {
            filename: 'pve-ssl.pem',
            fingerprint: cert.fingerprint,
            subject: cert.subject,
            issuer: cert.issuer,
            notbefore: cert.notBefore,
            notafter: cert.notAfter,
            san: cert.san,
            'public-key-type': 'id-ecPublicKey',
            'public-key-bits': 256,
            pem: cert.certPem,
          }
        : {
            filename: 'pve-ssl.pem',
            fingerprint: n.sslFingerprint,
            subject: `/OU=PVE Cluster Node/O=Proxmox Virtual Environment/CN=${n.name}`,
            issuer: `/CN=Proxmox Virtual Environment/OU=${t().name}/O=PVE Cluster Manager CA`,
            notbefore: cert.notBefore,
            notafter: cert.notAfter,
            san: ['127.0.0.1', 'localhost', n.name, n.ip],
            'public-key-type': 'rsaEncryption',
            'public-key-bits': 2048,
          };
    return [
      {
        filename: 'pve-root-ca.pem',
        subject: `/CN=Proxmox Virtual Environment/OU=${t().name}/O=PVE Cluster Manager CA`,
        issuer: `/CN=Proxmox Virtual Environment/OU=${t().name}/O=PVE Cluster Manager CA`,
        notbefore: cert.notBefore,
        notafter: cert.notAfter + 8 * 365 * 86400,
        'public-key-type': 'rsaEncryption',
        'public-key-bits': 4096,
        fingerprint: n.sslFingerprint.split(':').reverse().join(':'),
      },
      leaf,
    ];
  });

  // --- guests -----------------------------------------------------------------------------------------------------
  const onNode = (ctx: RouteCtx, type: 'qemu' | 'lxc') =>
    t()
      .guests.filter((g) => g.node === ctx.args.node && g.type === type)
      .sort((a, b) => a.vmid - b.vmid);
  add('GET', '/nodes/{node}/qemu', (ctx) =>
    onNode(ctx, 'qemu').map((g) => qemuListRow(env, g, ctx.args.full === true)),
  );
  add('GET', '/nodes/{node}/lxc', (ctx) => onNode(ctx, 'lxc').map((g) => lxcListRow(env, g)));
  for (const type of ['qemu', 'lxc'] as const) {
    const base = `/nodes/{node}/${type}/{vmid}`;
    add('GET', base, (ctx) => {
      guest(ctx, type);
      const subdirs =
        type === 'qemu'
          ? ['config', 'pending', 'status', 'agent', 'migrate', 'snapshot', 'rrd', 'firewall']
          : ['config', 'pending', 'status', 'migrate', 'snapshot', 'rrd', 'firewall', 'interfaces'];
      return subdirs.map((subdir) => ({ subdir }));
    });
    add('GET', `${base}/config`, (ctx) => {
      const g = guest(ctx, type);
      if (ctx.args.snapshot) throw dieError(`snapshot '${ctx.args.snapshot}' does not exist`);
      return { ...g.config, digest: configDigest(g.config) };
    });
    add('PUT', `${base}/config`, (ctx) => configUpdateSync(env, guest(ctx, type), ctx.args), {
      priv: (ctx) => [vmPath(ctx), 'VM.Config.Options'],
    });
    if (type === 'qemu') {
      add('POST', `${base}/config`, (ctx) => configUpdateAsync(env, ctx.principal, guest(ctx, type), ctx.args), {
        priv: (ctx) => [vmPath(ctx), 'VM.Config.Options'],
      });
    }
    add('GET', `${base}/status/current`, (ctx) => statusCurrent(env, guest(ctx, type)));
    add(
      'GET',
      `${base}/status`,
      (ctx) => {
        guest(ctx, type);
        const actions =
          type === 'qemu'
            ? ['current', 'reboot', 'reset', 'resume', 'shutdown', 'start', 'stop', 'suspend']
            : ['current', 'reboot', 'resume', 'shutdown', 'start', 'stop', 'suspend'];
        return actions.map((subdir) => ({ subdir }));
      },
      { validate: false },
    );
    const actions =
      type === 'qemu'
        ? ['start', 'stop', 'shutdown', 'reboot', 'reset', 'suspend', 'resume']
        : ['start', 'stop', 'shutdown', 'reboot', 'suspend', 'resume'];
    for (const action of actions) {
      add(
        'POST',
        `${base}/status/${action}`,
        (ctx) => powerAction(env, ctx.principal, guest(ctx, type), action, ctx.args),
        {
          priv: (ctx) => [vmPath(ctx), 'VM.PowerMgmt'],
        },
      );
    }
    add('GET', `${base}/migrate`, (ctx) => {
      const g = guest(ctx, type);
      const allowed = t()
        .nodes.filter((n) => n.name !== g.node && n.online && !env.offline(n.name))
        .map((n) => n.name);
      if (type === 'lxc') return { running: bool(g.status !== 'stopped'), 'allowed-nodes': allowed };
      return {
        running: bool(g.status !== 'stopped'),
        allowed_nodes: allowed,
        local_disks: [],
        local_resources: [],
        'mapped-resources': [],
        'mapped-resource-info': {},
        'has-dbus-vmstate': 0,
      };
    });
    add('POST', `${base}/migrate`, (ctx) => migrate(env, ctx.principal, guest(ctx, type), ctx.args), {
      priv: (ctx) => [vmPath(ctx), 'VM.Migrate'],
    });
    add('GET', `${base}/snapshot`, (ctx) => {
      const g = guest(ctx, type);
      const row: Record<string, unknown> = {
        name: 'current',
        description: 'You are here!',
        digest: configDigest(g.config),
      };
      if (g.status !== 'stopped') row.running = 1;
      return [row];
    });
  }
  add('GET', '/nodes/{node}/qemu/{vmid}/agent/network-get-interfaces', (ctx) => {
    const g = guest(ctx, 'qemu');
    if (!agentEnabled(g)) throw dieError('No QEMU guest agent configured');
    if (g.status === 'stopped') throw dieError(`VM ${g.vmid} is not running`);
    if (!agentAnswers(g)) throw dieError('QEMU guest agent is not running');
    return {
      result: g.agentInterfaces.map((i) => ({
        name: i.name,
        'hardware-address': i.mac,
        'ip-addresses': i.ips.map((ip) => ({
          'ip-address': ip.address,
          'ip-address-type': ip.type,
          prefix: ip.prefix,
        })),
        statistics: {
          'rx-bytes': g.netin,
          'rx-packets': Math.floor(g.netin / 900),
          'rx-errs': 0,
          'rx-dropped': 0,
          'tx-bytes': g.netout,
          'tx-packets': Math.floor(g.netout / 900),
          'tx-errs': 0,
          'tx-dropped': 0,
        },
      })),
    };
  });
  add('GET', '/nodes/{node}/lxc/{vmid}/interfaces', (ctx) => {
    const g = guest(ctx, 'lxc');
    if (g.status === 'stopped') throw dieError(`CT ${g.vmid} not running`);
    const rows = [
      {
        name: 'lo',
        hwaddr: '00:00:00:00:00:00',
        'hardware-address': '00:00:00:00:00:00',
        inet: '127.0.0.1/8',
        inet6: '::1/128',
        'ip-addresses': [{ 'ip-address': '127.0.0.1', 'ip-address-type': 'inet', prefix: 8 }],
      },
    ];
    for (const [key, value] of Object.entries(g.config)) {
      if (!/^net\d+$/.test(key)) continue;
      const v = String(value);
      const name = /name=([^,]+)/.exec(v)?.[1] ?? 'eth0';
      const mac = (/hwaddr=([^,]+)/.exec(v)?.[1] ?? '').toLowerCase();
      const ip = /ip=([^,]+)/.exec(v)?.[1];
      const row: Record<string, unknown> = { name, hwaddr: mac, 'hardware-address': mac, 'ip-addresses': [] };
      if (ip && ip !== 'dhcp') {
        row.inet = ip;
        row['ip-addresses'] = [
          { 'ip-address': ip.split('/')[0], 'ip-address-type': 'inet', prefix: Number(ip.split('/')[1] ?? 24) },
        ];
      }
      rows.push(row as (typeof rows)[number]);
    }
    return rows;
  });

  // --- storage ----------------------------------------------------------------------------------------------------
  add('GET', '/nodes/{node}/storage', (ctx) => {
    const node = String(ctx.args.node);
    return t()
      .storages.filter((s) => storageOnNode(s, node))
      .filter((s) => !ctx.args.storage || s.storage === ctx.args.storage)
      .filter(
        (s) =>
          !ctx.args.content ||
          String(ctx.args.content)
            .split(',')
            .every((c) => s.content.includes(c)),
      )
      .map((s) => storageListRow(env, s, node));
  });
  add(
    'GET',
    '/nodes/{node}/storage/{storage}',
    (ctx) => {
      state.storageOn(String(ctx.args.node), String(ctx.args.storage));
      return [
        'content',
        'download-url',
        'file-restore',
        'import-metadata',
        'prunebackups',
        'rrd',
        'rrddata',
        'status',
        'upload',
      ].map((subdir) => ({ subdir }));
    },
    { validate: false },
  );
  add('GET', '/nodes/{node}/storage/{storage}/status', (ctx) => {
    const node = String(ctx.args.node);
    const s = state.storageOn(node, String(ctx.args.storage));
    const usage = storageUsage(env, s, node);
    const row: Record<string, unknown> = {
      type: s.type,
      content: s.content.join(','),
      enabled: 1,
      active: bool(Boolean(usage)),
      shared: bool(s.shared),
    };
    if (usage) Object.assign(row, { total: usage.total, used: usage.used, avail: usage.avail });
    return row;
  });
  add('GET', '/nodes/{node}/storage/{storage}/content', (ctx) => {
    const node = String(ctx.args.node);
    const s = state.storageOn(node, String(ctx.args.storage));
    if (s.type === 'pbs') {
      const pbs = env.pbsFor(s);
      if (pbs && !pbs.reachable)
        throw dieError(`error fetching datastores - 500 Can't connect to ${pbs.host}:${pbs.port} (Connection refused)`);
    }
    return storageContent(env, s, node, ctx.args.content as string | undefined, ctx.args.vmid as number | undefined);
  });

  // --- tasks ------------------------------------------------------------------------------------------------------
  const task = (ctx: RouteCtx): TaskRecord => {
    const upid = String(ctx.args.upid);
    const parsed = parsePveUpid(upid);
    if (!parsed) throw badRequest({ upid: 'unable to parse worker upid' });
    const rec = state.tasks.get(upid);
    if (!rec || rec.node !== ctx.args.node) {
      throw dieError(
        `unable to open file '/var/log/pve/tasks/${parsed.starttime.toString(16).toUpperCase().slice(-1)}/${upid}' - No such file or directory`,
      );
    }
    return rec;
  };
  add('GET', '/nodes/{node}/tasks', (ctx) => {
    const limit = Number(ctx.args.limit ?? 50);
    const start = Number(ctx.args.start ?? 0);
    return state.tasks
      .list(String(ctx.args.node))
      .filter((r) => ctx.args.vmid === undefined || r.id === String(ctx.args.vmid))
      .filter((r) => !ctx.args.typefilter || r.type === ctx.args.typefilter)
      .slice(start, start + limit)
      .map((r) => {
        const row: Record<string, unknown> = {
          upid: r.upid,
          node: r.node,
          pid: r.pid,
          pstart: r.pstart,
          starttime: r.starttime,
          type: r.type,
          id: r.id,
          user: r.user,
        };
        if (r.status === 'stopped') {
          row.status = r.exitstatus;
          row.endtime = r.endtime;
        }
        return row;
      });
  });
  add(
    'GET',
    '/nodes/{node}/tasks/{upid}',
    (ctx) => {
      task(ctx);
      return [{ name: 'log' }, { name: 'status' }];
    },
    { validate: false },
  );
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
      user: r.user.includes('!') ? r.user.slice(0, r.user.indexOf('!')) : r.user,
      status: r.status,
    };
    if (r.tokenid) row.tokenid = r.tokenid;
    if (r.status === 'stopped') row.exitstatus = r.exitstatus;
    return row;
  });
  add('GET', '/nodes/{node}/tasks/{upid}/log', (ctx) => {
    const r = task(ctx);
    const start = Number(ctx.args.start ?? 0);
    const limit = Number(ctx.args.limit ?? 50);
    const lines = r.log.length > 0 ? r.log : ['no content'];
    return lines.slice(start, start + limit).map((text, i) => ({ n: start + i + 1, t: text }));
  });

  addMonitoringRoutes(add, env);
  return router;
}

/** 401 "authentication failure" (login), answered with the usual delay and an empty body. */
class AuthFailure extends HttpError {
  constructor() {
    super(401, 'authentication failure', undefined, true);
  }
}

function poolMembers(env: PveEnv, poolid: string): Record<string, unknown>[] {
  return env.state.truth.guests
    .filter((g) => g.pool === poolid)
    .sort((a, b) => a.vmid - b.vmid)
    .map((g: GuestTruth) => ({
      id: `${g.type}/${g.vmid}`,
      type: g.type,
      vmid: g.vmid,
      node: g.node,
      name: guestName(g),
      status: env.offline(g.node) ? 'unknown' : g.status === 'paused' ? 'paused' : g.status,
      template: g.config.template === 1 ? 1 : 0,
      ...(g.ha ? { hastate: haStatus(g).state } : {}),
    }));
}

/** Next run of a simple schedule ("01:00", "mon..fri 02:00", "sat 03:30") after an epoch time. */
function nextRun(now: number, schedule: string): number {
  const m = /(\d{2}):(\d{2})$/.exec(schedule);
  const h = Number(m?.[1] ?? 1);
  const min = Number(m?.[2] ?? 0);
  const day = Math.floor(now / 86400) * 86400;
  let next = day + h * 3600 + min * 60;
  if (next <= now) next += 86400;
  return next;
}
