import type {
  BackupDoc,
  ClusterDocuments,
  DiskDoc,
  InstanceDoc,
  NodeDoc,
  StorageDoc,
  Unstamped,
} from '../../shared/store/schemas.ts';

/**
 * A small, exactly known estate in the store's shapes, in two generations that differ in known ways:
 * eu (pve, nodes pve1 and pve2), us (pve, one node) and pbs1 (a Backup Server).
 * Generation 1: guest 100 migrated to pve2 and got more memory, its disk grew; 101 deleted; 103 created;
 * ceph filled up; a new backup of 100, the backup of 101 pruned.
 */
export const GiB = 1024 ** 3;

const node = (name: string, over: Partial<Unstamped<NodeDoc>> = {}): Unstamped<NodeDoc> => ({
  cluster: over.cluster ?? 'eu',
  node: name,
  status: 'online',
  online: true,
  cpus: 16,
  memTotalBytes: 64 * GiB,
  memUsedBytes: 20 * GiB,
  ...over,
});

const guest = (over: Partial<Unstamped<InstanceDoc>> & { vmid: number }): Unstamped<InstanceDoc> => ({
  cluster: 'eu',
  node: 'pve1',
  uid: `u-eu-${over.vmid}`,
  uidSource: 'ctime',
  type: 'qemu',
  name: `vm${over.vmid}`,
  status: 'running',
  template: false,
  tags: [],
  onboot: true,
  agent: false,
  ctime: 1_700_000_000,
  vcpus: 2,
  memoryBytes: 4 * GiB,
  diskBytes: 32 * GiB,
  disks: 1,
  nics: [],
  ips: [],
  ...over,
});

const disk = (over: Partial<Unstamped<DiskDoc>> & { volid: string }): Unstamped<DiskDoc> => ({
  cluster: 'eu',
  node: 'pve1',
  storage: over.volid.split(':')[0],
  sizeBytes: 32 * GiB,
  attached: true,
  unused: false,
  options: {},
  ...over,
});

const storage = (over: Partial<Unstamped<StorageDoc>> & { storage: string }): Unstamped<StorageDoc> => ({
  cluster: 'eu',
  nodes: ['pve1', 'pve2'],
  type: 'dir',
  content: ['images', 'rootdir'],
  shared: false,
  status: 'available',
  active: true,
  totalBytes: 1000 * GiB,
  usedBytes: 100 * GiB,
  availBytes: 900 * GiB,
  ...over,
});

const backup = (over: Partial<Unstamped<BackupDoc>> & { volid: string }): Unstamped<BackupDoc> => ({
  cluster: 'eu',
  source: 'pve-storage',
  storage: 'nfs',
  backupType: 'vm',
  sizeBytes: GiB,
  protected: false,
  encrypted: false,
  ...over,
});

export function fixtureEstate(
  date: number,
  generation: 0 | 1,
): { eu: ClusterDocuments; us: ClusterDocuments; pbs1: ClusterDocuments } {
  const g1 = generation === 1;
  const eu: ClusterDocuments = {
    cluster: {
      cluster: 'eu',
      kind: 'pve',
      clusterName: 'eu-prod',
      host: '127.0.0.1',
      version: '9.1.2',
      quorate: true,
      standalone: false,
      nodes: 2,
      nodesOnline: 2,
      ha: { quorate: true, master: 'pve1', services: 1 },
      groups: ['europe'],
    },
    nodes: [node('pve1'), node('pve2', { memUsedBytes: 10 * GiB })],
    instances: [
      guest({
        vmid: 100,
        name: 'web01',
        node: g1 ? 'pve2' : 'pve1',
        memoryBytes: g1 ? 8 * GiB : 4 * GiB,
        diskBytes: g1 ? 40 * GiB : 32 * GiB,
        tags: ['prod', 'web'],
        pool: 'prod',
        agent: true,
        nics: [
          { key: 'net0', model: 'virtio', mac: 'BC:24:11:00:01:00', bridge: 'vmbr0', firewall: true, linkDown: false },
        ],
        ips: ['10.0.1.100'],
      }),
      ...(g1 ? [] : [guest({ vmid: 101, name: 'web02', node: 'pve2', status: 'stopped', tags: ['test', 'web'] })]),
      guest({
        vmid: 102,
        name: 'ct-db',
        type: 'lxc',
        uidSource: 'carried',
        ctime: undefined,
        vcpus: 1,
        memoryBytes: 2 * GiB,
        diskBytes: 8 * GiB,
        nics: [
          {
            key: 'net0',
            mac: 'BC:24:11:00:01:02',
            bridge: 'vmbr0',
            firewall: false,
            linkDown: false,
            ip: '10.0.1.102/24',
          },
        ],
      }),
      guest({ vmid: 9000, name: 'tmpl-debian', template: true, status: 'stopped' }),
      ...(g1 ? [guest({ vmid: 103, name: 'web03', node: 'pve1', ctime: date - 600, tags: ['prod', 'web'] })] : []),
    ],
    disks: [
      disk({
        volid: 'ceph:vm-100-disk-0',
        vmid: 100,
        uid: 'u-eu-100',
        key: 'scsi0',
        shared: true,
        node: g1 ? 'pve2' : 'pve1',
        sizeBytes: g1 ? 40 * GiB : 32 * GiB,
      }),
      ...(g1
        ? []
        : [
            disk({
              volid: 'local-lvm:vm-101-disk-0',
              vmid: 101,
              uid: 'u-eu-101',
              key: 'scsi0',
              shared: false,
              node: 'pve2',
            }),
          ]),
      disk({
        volid: 'ceph:subvol-102-disk-0',
        vmid: 102,
        uid: 'u-eu-102',
        key: 'rootfs',
        shared: true,
        sizeBytes: 8 * GiB,
      }),
      disk({ volid: 'local-lvm:vm-999-disk-0', attached: false, shared: false, sizeBytes: 5 * GiB }),
      ...(g1 ? [disk({ volid: 'ceph:vm-103-disk-0', vmid: 103, uid: 'u-eu-103', key: 'scsi0', shared: true })] : []),
    ],
    storages: [
      storage({ storage: 'ceph', type: 'rbd', shared: true, usedBytes: g1 ? 300 * GiB : 200 * GiB }),
      storage({ storage: 'local-lvm', type: 'lvmthin', node: 'pve1', nodes: ['pve1'], totalBytes: 500 * GiB }),
      storage({ storage: 'local-lvm', type: 'lvmthin', node: 'pve2', nodes: ['pve2'], totalBytes: 500 * GiB }),
      storage({ storage: 'nfs', type: 'nfs', shared: true, content: ['backup'] }),
    ],
    backups: [
      backup({ volid: 'nfs:backup/vzdump-qemu-100-old.vma.zst', vmid: 100, backupTime: date - 30 * 3600 }),
      ...(g1
        ? [backup({ volid: 'nfs:backup/vzdump-qemu-100-new.vma.zst', vmid: 100, backupTime: date - 2 * 3600 })]
        : []),
      ...(g1
        ? []
        : [backup({ volid: 'nfs:backup/vzdump-qemu-101.vma.zst', vmid: 101, backupTime: date - 100 * 3600 })]),
      backup({ volid: 'nfs:backup/vzdump-qemu-555.vma.zst', vmid: 555, backupTime: date - 10 * 3600 }),
    ],
  };
  const us: ClusterDocuments = {
    cluster: {
      cluster: 'us',
      kind: 'pve',
      host: '127.0.0.2',
      version: '8.4.1',
      quorate: true,
      standalone: true,
      nodes: 1,
      nodesOnline: 1,
      groups: ['america'],
    },
    nodes: [node('pve1', { cluster: 'us', cpus: 8, memTotalBytes: 32 * GiB })],
    instances: [guest({ vmid: 200, cluster: 'us', uid: 'u-us-200', name: 'app01', vcpus: 4, memoryBytes: 16 * GiB })],
    disks: [
      disk({
        volid: 'local-lvm:vm-200-disk-0',
        cluster: 'us',
        vmid: 200,
        uid: 'u-us-200',
        key: 'virtio0',
        shared: false,
      }),
    ],
    storages: [storage({ storage: 'local-lvm', cluster: 'us', node: 'pve1', nodes: ['pve1'] })],
    // The PBS snapshot below as PVE lists it on its pbs storage: a guest's backups are those its cluster lists.
    backups: [
      backup({
        cluster: 'us',
        storage: 'backup-pbs',
        volid: 'backup-pbs:backup/vm/200/2026-11-20T00:00:00Z',
        vmid: 200,
        backupTime: date - 5 * 3600,
      }),
    ],
  };
  const pbs1: ClusterDocuments = {
    cluster: {
      cluster: 'pbs1',
      kind: 'pbs',
      host: '127.0.0.3',
      version: '3.2.4',
      standalone: true,
      nodes: 1,
      nodesOnline: 1,
      groups: [],
    },
    nodes: [],
    instances: [],
    disks: [],
    storages: [
      storage({
        storage: 'store1',
        cluster: 'pbs1',
        type: 'pbs',
        datastore: 'store1',
        shared: true,
        nodes: [],
        content: ['backup'],
      }),
    ],
    backups: [
      backup({
        cluster: 'pbs1',
        source: 'pbs',
        storage: 'store1',
        volid: 'store1:vm/200/2026-11-20T00:00:00Z',
        vmid: 200,
        backupTime: date - 5 * 3600,
      }),
    ],
  };
  return { eu, us, pbs1 };
}
