/** Documents shaped like the store's, for unit tests of the pure query logic. */
import type { Doc } from '../../api/query/guest-fields.ts';

export const D1 = 1714060800;
export const D2 = D1 + 900;

let seq = 0;
const oid = () => (++seq).toString(16).padStart(24, '0');

export function guest(over: Doc): Doc {
  return {
    _id: oid(),
    date: D1,
    cluster: 'eu',
    node: 'pve1',
    vmid: 100,
    uid: `eu:${String(over.vmid ?? 100)}:1700000000`,
    type: 'qemu',
    name: 'web01',
    status: 'running',
    template: false,
    uidSource: 'ctime',
    vcpus: 2,
    memoryBytes: 2 * 1024 ** 3,
    diskBytes: 32 * 1024 ** 3,
    disks: 1,
    onboot: true,
    agent: true,
    pool: 'prod',
    tags: ['prod', 'web'],
    ctime: 1700000000,
    nics: [
      { key: 'net0', model: 'virtio', mac: 'BC:24:11:AA:00:01', bridge: 'vmbr0', firewall: false, linkDown: false },
    ],
    ips: ['10.0.1.5', 'fe80::1'],
    ...over,
  };
}

export function disk(over: Doc): Doc {
  return {
    _id: oid(),
    date: D1,
    cluster: 'eu',
    node: 'pve1',
    vmid: 100,
    volid: 'ceph:vm-100-disk-0',
    storage: 'ceph',
    shared: true,
    attached: true,
    unused: false,
    options: {},
    sizeBytes: 32 * 1024 ** 3,
    ...over,
  };
}

export function storage(over: Doc): Doc {
  return {
    _id: oid(),
    date: D1,
    cluster: 'eu',
    node: 'pve1',
    nodes: ['pve1'],
    storage: 'local',
    type: 'dir',
    shared: false,
    totalBytes: 1000,
    usedBytes: 100,
    availBytes: 900,
    ...over,
  };
}

export function backup(over: Doc): Doc {
  return {
    _id: oid(),
    date: D1,
    cluster: 'eu',
    source: 'pve-storage',
    storage: 'nfs',
    vmid: 100,
    backupType: 'vm',
    volid: 'nfs:backup/vzdump-qemu-100-2024_04_25-00_00_00.vma.zst',
    backupTime: D1 - 3600,
    sizeBytes: 1000,
    protected: false,
    encrypted: false,
    ...over,
  };
}
