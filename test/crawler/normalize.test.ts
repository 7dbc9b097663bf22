import { describe, expect, it } from 'vitest';
import { agentAddresses } from '../../crawler/normalize/agent.ts';
import { normalizeClusterStatus, normalizeHaStatus, normalizeNodeStatus } from '../../crawler/normalize/cluster.ts';
import { backupIdentity, normalizeContent } from '../../crawler/normalize/content.ts';
import { normalizeGuestConfig } from '../../crawler/normalize/guest-config.ts';
import { normalizeSnapshots } from '../../crawler/normalize/pbs.ts';
import { parseMeta, parsePropertyString } from '../../crawler/normalize/property-string.ts';
import { splitResources } from '../../crawler/normalize/resources.ts';
import { normalizeMac, parseSize, splitTags, toBool, toNumber } from '../../crawler/normalize/values.ts';

// Shapes follow /work/shared/reference/proxmox-api.md and the PVE API schema subset.

describe('values', () => {
  it('reads numbers PVE sends as strings, and 0/1 booleans', () => {
    expect(toNumber('4096')).toBe(4096);
    expect(toNumber(' 1.5 ')).toBe(1.5);
    expect(toNumber('abc')).toBeUndefined();
    expect(toNumber('')).toBeUndefined();
    expect(toBool(1)).toBe(true);
    expect(toBool('0')).toBe(false);
    expect(toBool(true)).toBe(true);
    expect(toBool('maybe')).toBeUndefined();
  });

  it('turns Proxmox sizes into bytes with binary units', () => {
    expect(parseSize('32G')).toBe(32 * 1024 ** 3);
    expect(parseSize('4M')).toBe(4 * 1024 ** 2);
    expect(parseSize('512K')).toBe(512 * 1024);
    expect(parseSize('1T')).toBe(1024 ** 4);
    expect(parseSize('1.5G')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('1073741824')).toBe(1073741824);
    expect(parseSize(2048)).toBe(2048);
    expect(parseSize('huge')).toBeUndefined();
  });

  it('splits tags on ; , and spaces', () => {
    expect(splitTags('prod;web')).toEqual(['prod', 'web']);
    expect(splitTags('a, b c;;a')).toEqual(['a', 'b', 'c']);
    expect(splitTags(undefined)).toEqual([]);
  });

  it('normalises MAC addresses', () => {
    expect(normalizeMac('bc:24:11:aa:bb:cc')).toBe('BC:24:11:AA:BB:CC');
    expect(normalizeMac('not a mac')).toBeUndefined();
  });
});

describe('property strings', () => {
  it('parses a disk with its default key', () => {
    const p = parsePropertyString('local-lvm:vm-100-disk-0,iothread=1,size=32G');
    expect(p.bare).toBe('local-lvm:vm-100-disk-0');
    expect(p.pairs).toEqual({ iothread: '1', size: '32G' });
  });

  it('parses a NIC whose first key is the model', () => {
    const p = parsePropertyString('virtio=BC:24:11:AA:BB:CC,bridge=vmbr0,tag=20,firewall=1');
    expect(p.firstKey).toBe('virtio');
    expect(p.pairs.virtio).toBe('BC:24:11:AA:BB:CC');
    expect(p.pairs.tag).toBe('20');
  });

  it('keeps quoted commas', () => {
    expect(parsePropertyString('x,comment="a,b",y=2').pairs).toEqual({ comment: 'a,b', y: '2' });
  });

  it('reads meta', () => {
    expect(parseMeta('creation-qemu=9.0.2,ctime=1700000000')).toEqual({ creationQemu: '9.0.2', ctime: 1700000000 });
    expect(parseMeta(undefined)).toEqual({});
  });
});

describe('qemu config', () => {
  const config = {
    boot: 'order=scsi0;ide2;net0',
    cores: '2',
    sockets: 2,
    memory: '4096',
    balloon: 2048,
    name: 'web01',
    ostype: 'l26',
    scsihw: 'virtio-scsi-single',
    scsi0: 'local-lvm:vm-100-disk-0,iothread=1,size=32G',
    virtio1: 'ceph:vm-100-disk-2,discard=on,size=1T,backup=0',
    efidisk0: 'local-lvm:vm-100-disk-1,efitype=4m,pre-enrolled-keys=1,size=4M',
    tpmstate0: 'local-lvm:vm-100-disk-3,size=4M,version=v2.0',
    ide2: 'local:iso/debian-12.iso,media=cdrom,size=628M',
    ide0: 'none,media=cdrom',
    unused0: 'local-lvm:vm-100-disk-9',
    net0: 'virtio=BC:24:11:AA:BB:CC,bridge=vmbr0,firewall=1,tag=20',
    net1: 'e1000=bc:24:11:00:00:01,bridge=vmbr1,link_down=1',
    agent: 'enabled=1,fstrim_cloned_disks=1',
    onboot: 1,
    tags: 'prod;web',
    description: 'Web server\nowner: ops',
    meta: 'creation-qemu=9.0.2,ctime=1700000000',
    digest: '0123456789abcdef0123456789abcdef01234567',
  };
  const cfg = normalizeGuestConfig('qemu', config);

  it('reads disks with bus, storage, size in bytes and options; skips cdroms', () => {
    expect(cfg.disks.map((d) => d.key)).toEqual(['efidisk0', 'scsi0', 'tpmstate0', 'unused0', 'virtio1']);
    const scsi0 = cfg.disks.find((d) => d.key === 'scsi0')!;
    expect(scsi0).toMatchObject({
      bus: 'scsi',
      storage: 'local-lvm',
      volid: 'local-lvm:vm-100-disk-0',
      sizeBytes: 32 * 1024 ** 3,
    });
    expect(scsi0.options).toEqual({ iothread: true });
    expect(cfg.disks.find((d) => d.key === 'virtio1')).toMatchObject({
      bus: 'virtio',
      sizeBytes: 1024 ** 4,
      options: { discard: 'on', backup: false },
    });
    expect(cfg.disks.find((d) => d.key === 'efidisk0')!.sizeBytes).toBe(4 * 1024 ** 2);
    expect(cfg.disks.find((d) => d.key === 'unused0')).toMatchObject({ unused: true, storage: 'local-lvm' });
  });

  it('reads NICs with model, MAC, bridge, VLAN and flags', () => {
    expect(cfg.nics).toEqual([
      {
        key: 'net0',
        model: 'virtio',
        mac: 'BC:24:11:AA:BB:CC',
        bridge: 'vmbr0',
        vlan: 20,
        firewall: true,
        linkDown: false,
      },
      { key: 'net1', model: 'e1000', mac: 'BC:24:11:00:00:01', bridge: 'vmbr1', firewall: false, linkDown: true },
    ]);
  });

  it('reads CPU, memory, flags, notes and the creation time', () => {
    expect(cfg).toMatchObject({
      name: 'web01',
      sockets: 2,
      cores: 2,
      vcpus: 4,
      memoryBytes: 4096 * 1024 ** 2,
      balloonBytes: 2048 * 1024 ** 2,
      agent: true,
      onboot: true,
      template: false,
      tags: ['prod', 'web'],
      notes: 'Web server\nowner: ops',
      ctime: 1700000000,
      ostype: 'l26',
      digest: config.digest,
    });
  });

  it('knows the defaults and the newer memory form', () => {
    const bare = normalizeGuestConfig('qemu', { memory: 'current=2048', agent: '0' });
    expect(bare).toMatchObject({ vcpus: 1, memoryBytes: 2048 * 1024 ** 2, agent: false, onboot: false });
    expect(bare.ctime).toBeUndefined();
    expect(normalizeGuestConfig('qemu', {}).memoryBytes).toBe(512 * 1024 ** 2);
  });
});

describe('lxc config', () => {
  const cfg = normalizeGuestConfig('lxc', {
    arch: 'amd64',
    cores: 2,
    hostname: 'ct-db',
    memory: 1024,
    swap: 256,
    rootfs: 'local-lvm:vm-101-disk-0,size=8G',
    mp0: 'local-lvm:vm-101-disk-1,mp=/data,backup=1,size=10G',
    mp1: '/mnt/host/share,mp=/share',
    net0: 'name=eth0,bridge=vmbr0,firewall=1,hwaddr=BC:24:11:12:34:56,ip=10.0.0.5/24,gw=10.0.0.1,tag=30,type=veth',
    unprivileged: 1,
    ostype: 'debian',
    unused0: 'local-lvm:vm-101-disk-2',
  });

  it('reads rootfs and volume mount points, not bind mounts', () => {
    expect(cfg.disks.map((d) => [d.key, d.bus, d.sizeBytes, d.mountpoint])).toEqual([
      ['mp0', 'mp', 10 * 1024 ** 3, '/data'],
      ['rootfs', 'rootfs', 8 * 1024 ** 3, '/'],
      ['unused0', 'unused', undefined, undefined],
    ]);
  });

  it('reads the NIC with its static address', () => {
    expect(cfg.nics[0]).toEqual({
      key: 'net0',
      model: 'veth',
      mac: 'BC:24:11:12:34:56',
      bridge: 'vmbr0',
      vlan: 30,
      firewall: true,
      linkDown: false,
      name: 'eth0',
      ip: '10.0.0.5/24',
    });
  });

  it('reads CPU, memory and swap', () => {
    expect(cfg).toMatchObject({
      name: 'ct-db',
      vcpus: 2,
      memoryBytes: 1024 ** 3,
      swapBytes: 256 * 1024 ** 2,
      unprivileged: true,
      agent: false,
    });
  });
});

describe('cluster-wide answers', () => {
  it('splits /cluster/resources by type and converts values', () => {
    const r = splitResources([
      { id: '/pool/prod', pool: 'prod', type: 'pool' },
      {
        id: 'qemu/100',
        type: 'qemu',
        vmid: 100,
        node: 'pve1',
        name: 'web',
        status: 'running',
        template: 0,
        pool: 'prod',
        tags: 'a;b',
        maxcpu: 4,
        maxmem: 4294967296,
        hastate: 'started',
      },
      { id: 'lxc/101', type: 'lxc', vmid: '101', node: 'pve2', status: 'stopped', template: 1 },
      {
        id: 'node/pve1',
        type: 'node',
        node: 'pve1',
        status: 'online',
        maxcpu: 32,
        maxmem: 137438953472,
        mem: 1000,
        cpu: 0.1,
      },
      {
        id: 'storage/pve1/ceph',
        type: 'storage',
        storage: 'ceph',
        node: 'pve1',
        plugintype: 'rbd',
        shared: 1,
        content: 'images,rootdir',
        status: 'available',
        disk: 10,
        maxdisk: 100,
      },
      { id: 'sdn/pve1/localnetwork', type: 'sdn', sdn: 'localnetwork', node: 'pve1' },
    ]);
    expect(r.guests).toEqual([
      {
        type: 'qemu',
        vmid: 100,
        node: 'pve1',
        name: 'web',
        status: 'running',
        template: false,
        pool: 'prod',
        tags: ['a', 'b'],
        hastate: 'started',
        maxcpu: 4,
        maxmem: 4294967296,
      },
      { type: 'lxc', vmid: 101, node: 'pve2', status: 'stopped', template: true, tags: [] },
    ]);
    expect(r.nodes).toEqual([
      { node: 'pve1', status: 'online', cpu: 0.1, maxcpu: 32, mem: 1000, maxmem: 137438953472 },
    ]);
    expect(r.storages).toEqual([
      {
        storage: 'ceph',
        node: 'pve1',
        type: 'rbd',
        status: 'available',
        shared: true,
        content: ['images', 'rootdir'],
        disk: 10,
        maxdisk: 100,
      },
    ]);
  });

  it('reads /cluster/status for a cluster and for a standalone host', () => {
    const c = normalizeClusterStatus([
      { type: 'cluster', id: 'cluster', name: 'prod', nodes: 2, version: 4, quorate: 1 },
      { type: 'node', id: 'node/pve1', name: 'pve1', nodeid: 1, ip: '10.0.0.1', local: 1, online: 1, level: '' },
      { type: 'node', id: 'node/pve2', name: 'pve2', nodeid: 2, ip: '10.0.0.2', local: 0, online: 0, level: '' },
    ]);
    expect(c).toEqual({
      standalone: false,
      name: 'prod',
      quorate: true,
      nodes: [
        { name: 'pve1', nodeid: 1, ip: '10.0.0.1', online: true, local: true },
        { name: 'pve2', nodeid: 2, ip: '10.0.0.2', online: false, local: false },
      ],
    });
    const alone = normalizeClusterStatus([
      { type: 'node', id: 'node/pve', name: 'pve', nodeid: 0, local: 1, online: 1 },
    ]);
    expect(alone).toMatchObject({ standalone: true, quorate: true });
  });

  it('reads HA status rows', () => {
    const ha = normalizeHaStatus([
      { id: 'quorum', type: 'quorum', node: 'pve1', status: 'OK', quorate: 1 },
      { id: 'master', type: 'master', node: 'pve1', status: 'active', timestamp: 1 },
      { id: 'lrm:pve1', type: 'lrm', node: 'pve1', status: 'active' },
      {
        id: 'service:vm:100',
        type: 'service',
        sid: 'vm:100',
        node: 'pve1',
        crm_state: 'started',
        state: 'started',
        request_state: 'started',
        group: 'g1',
      },
      { id: 'service:ct:101', type: 'service', sid: 'ct:101', node: 'pve2', state: 'stopped' },
    ]);
    expect(ha.quorate).toBe(true);
    expect(ha.master).toBe('pve1');
    expect(ha.services.get(100)).toEqual({ state: 'started', group: 'g1', node: 'pve1', crmState: 'started' });
    expect(ha.services.get(101)).toEqual({ state: 'stopped', node: 'pve2' });
  });

  it('reads node status', () => {
    const s = normalizeNodeStatus({
      uptime: 12345,
      loadavg: ['0.10', '0.20', '0.30'],
      kversion: 'Linux 6.8.12-4-pve #1 SMP',
      'current-kernel': { sysname: 'Linux', release: '6.8.12-4-pve', version: '#1', machine: 'x86_64' },
      'boot-info': { mode: 'efi', secureboot: 0 },
      cpuinfo: { model: 'AMD EPYC 7302', sockets: 2, cpus: 64, cores: 16, mhz: '3000.000' },
      memory: { total: 1000, used: 400, free: 600 },
      swap: { total: 10, used: 0, free: 10 },
      rootfs: { total: 100, used: 20, avail: 80, free: 80 },
      pveversion: 'pve-manager/8.2.4/faa83925c9641325',
    });
    expect(s).toEqual({
      cpuModel: 'AMD EPYC 7302',
      cpuSockets: 2,
      cpuCores: 16,
      cpus: 64,
      cpuMhz: 3000,
      memTotalBytes: 1000,
      memUsedBytes: 400,
      swapTotalBytes: 10,
      rootfsTotalBytes: 100,
      rootfsUsedBytes: 20,
      loadavg: [0.1, 0.2, 0.3],
      pveVersion: '8.2.4',
      kernel: '6.8.12-4-pve',
      bootMode: 'efi',
      uptime: 12345,
    });
  });
});

describe('storage content and backups', () => {
  it('keeps images, container volumes and backups; drops ISOs', () => {
    const v = normalizeContent('local', [
      { volid: 'local:iso/debian.iso', content: 'iso', format: 'iso', size: 1 },
      {
        volid: 'local:backup/vzdump-qemu-100-2024_01_02-03_04_05.vma.zst',
        content: 'backup',
        format: 'vma.zst',
        size: '123',
        vmid: 100,
        ctime: 1704164645,
        subtype: 'qemu',
        protected: 1,
        notes: 'before upgrade',
      },
      {
        volid: 'local:100/vm-100-disk-0.qcow2',
        content: 'images',
        format: 'qcow2',
        size: 34359738368,
        vmid: 100,
        used: 1000,
      },
    ]);
    expect(v).toEqual([
      {
        volid: 'local:backup/vzdump-qemu-100-2024_01_02-03_04_05.vma.zst',
        storage: 'local',
        content: 'backup',
        format: 'vma.zst',
        sizeBytes: 123,
        vmid: 100,
        ctime: 1704164645,
        notes: 'before upgrade',
        protected: true,
        encrypted: false,
        subtype: 'qemu',
      },
      {
        volid: 'local:100/vm-100-disk-0.qcow2',
        storage: 'local',
        content: 'images',
        format: 'qcow2',
        sizeBytes: 34359738368,
        vmid: 100,
        protected: false,
        encrypted: false,
      },
    ]);
  });

  it('reads backup type and time from volume names', () => {
    expect(backupIdentity('local:backup/vzdump-lxc-101-2024_01_02-03_04_05.tar.zst')).toEqual({
      backupType: 'ct',
      time: 1704164645,
    });
    expect(backupIdentity('pbs:backup/vm/100/2024-01-02T03:04:05Z')).toEqual({ backupType: 'vm', time: 1704164645 });
  });

  it('reads PBS snapshots', () => {
    const docs = normalizeSnapshots('pbs1', 'pbs.example', 'store1', 'team-a', [
      {
        'backup-type': 'vm',
        'backup-id': '100',
        'backup-time': 1704164645,
        files: [
          { filename: 'index.json.blob', 'crypt-mode': 'none', size: 10 },
          { filename: 'drive-scsi0.img.fidx', 'crypt-mode': 'encrypt', size: 90 },
        ],
        verification: { state: 'ok', upid: 'UPID:x' },
        protected: false,
        owner: 'root@pam',
        comment: 'nightly',
      },
    ]);
    expect(docs).toEqual([
      {
        cluster: 'pbs1',
        source: 'pbs',
        storage: 'store1',
        node: 'pbs.example',
        namespace: 'team-a',
        volid: 'ns/team-a/vm/100/2024-01-02T03:04:05Z',
        vmid: 100,
        backupType: 'vm',
        backupTime: 1704164645,
        sizeBytes: 100,
        protected: false,
        encrypted: true,
        files: ['index.json.blob', 'drive-scsi0.img.fidx'],
        notes: 'nightly',
        verification: 'ok',
        owner: 'root@pam',
      },
    ]);
  });
});

describe('guest agent', () => {
  it('keeps routable addresses', () => {
    expect(
      agentAddresses({
        result: [
          {
            name: 'lo',
            'hardware-address': '00:00:00:00:00:00',
            'ip-addresses': [
              { 'ip-address': '127.0.0.1', 'ip-address-type': 'ipv4', prefix: 8 },
              { 'ip-address': '::1', 'ip-address-type': 'ipv6', prefix: 128 },
            ],
          },
          {
            name: 'eth0',
            'hardware-address': 'bc:24:11:aa:bb:cc',
            'ip-addresses': [
              { 'ip-address': '10.0.0.5', 'ip-address-type': 'ipv4', prefix: 24 },
              { 'ip-address': 'fe80::1', 'ip-address-type': 'ipv6', prefix: 64 },
              { 'ip-address': '2001:db8::5', 'ip-address-type': 'ipv6', prefix: 64 },
            ],
          },
        ],
      }),
    ).toEqual(['10.0.0.5', '2001:db8::5']);
    expect(agentAddresses(null)).toEqual([]);
  });
});
