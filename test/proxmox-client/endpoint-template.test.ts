import { describe, expect, it } from 'vitest';
import { endpointTemplate, joinPath } from '../../shared/proxmox/index.ts';

describe('endpoint templates', () => {
  it.each([
    ['/version', '/version'],
    ['/cluster/resources', '/cluster/resources'],
    ['/cluster/ha/status/current', '/cluster/ha/status/current'],
    ['/cluster/backup', '/cluster/backup'],
    ['/cluster/backup/backup-1a2b', '/cluster/backup/{id}'],
    ['/nodes', '/nodes'],
    ['/nodes/pve-1/status', '/nodes/{node}/status'],
    ['/nodes/pve1/qemu/100/status/current', '/nodes/{node}/qemu/{vmid}/status/current'],
    ['/nodes/pve1/lxc/200/config', '/nodes/{node}/lxc/{vmid}/config'],
    ['/nodes/pve1/qemu/100/agent/network-get-interfaces', '/nodes/{node}/qemu/{vmid}/agent/network-get-interfaces'],
    ['/nodes/pve1/storage/local-lvm/content', '/nodes/{node}/storage/{storage}/content'],
    ['/storage/nfs1', '/storage/{storage}'],
    ['/admin/datastore/store1/snapshots', '/admin/datastore/{store}/snapshots'],
    ['/status/datastore-usage', '/status/datastore-usage'],
    ['/access/ticket', '/access/ticket'],
  ])('%s → %s', (path, template) => {
    expect(endpointTemplate(path)).toBe(template);
  });

  it('keeps encoded ids with slashes and colons as one placeholder', () => {
    const upid = 'UPID:pve1:00001234:00005678:65A1B2C3:qmstart:100:root@pam:';
    expect(endpointTemplate(joinPath(['nodes', 'pve1', 'tasks', upid, 'status']))).toBe(
      '/nodes/{node}/tasks/{upid}/status',
    );
    expect(endpointTemplate(joinPath(['nodes', 'n', 'storage', 's', 'content', 'pbs:backup/vm/100/2024']))).toBe(
      '/nodes/{node}/storage/{storage}/content/{volume}',
    );
  });

  it('replaces unknown numeric ids', () => {
    expect(endpointTemplate('/cluster/mapping/x/42')).toBe('/cluster/mapping/x/{id}');
  });
});
