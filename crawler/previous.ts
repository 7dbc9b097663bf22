import type { Db } from 'mongodb';
import { inventory } from '../shared/store/collections.ts';
import { lastGoodDateOf } from '../shared/store/snapshots.ts';
import type { PreviousGuest } from './identity.ts';
import { volumeName } from './identity.ts';

/**
 * What a crawl carries over from the last published snapshot in which a cluster was crawled: guest uids
 * (identity) and guest-agent addresses. One query per snapshot date, shared by the clusters of a run (on
 * FerretDB every query scans the collection, so fewer and wider is cheaper than one per cluster).
 */

export interface PreviousInstance extends PreviousGuest {
  node: string;
  agent: boolean;
  ips: string[];
  ipsAt?: number;
}

export interface PreviousCluster {
  date: number | null;
  guests: Map<number, PreviousInstance>;
}

type Row = {
  cluster: string;
  vmid: number;
  type: 'qemu' | 'lxc';
  uid: string;
  node: string;
  agent?: boolean;
  ips?: string[];
  ipsAt?: number;
  nics?: { mac?: string }[];
};

export class PreviousState {
  readonly #byDate = new Map<number, Promise<Map<string, PreviousInstance[]>>>();

  constructor(private readonly db: Db) {}

  async forCluster(cluster: string, date: number): Promise<PreviousCluster> {
    const prev = await lastGoodDateOf(this.db, cluster, date);
    if (prev === null) return { date: null, guests: new Map() };
    let loading = this.#byDate.get(prev);
    if (!loading) {
      loading = this.load(prev);
      this.#byDate.set(prev, loading);
    }
    const list = (await loading).get(cluster) ?? [];
    return { date: prev, guests: new Map(list.map((g) => [g.vmid, g])) };
  }

  /** Disk volume names of the previous snapshot's guests (only needed for guests without a MAC address). */
  async volumes(cluster: string, date: number): Promise<Map<number, string[]>> {
    const out = new Map<number, string[]>();
    const rows = await inventory(this.db, 'disks')
      .find({ date, cluster }, { projection: { _id: 0, vmid: 1, volid: 1, attached: 1, unused: 1 } })
      .toArray();
    for (const r of rows) {
      if (r.vmid === undefined || (!r.attached && !r.unused)) continue;
      const list = out.get(r.vmid) ?? [];
      list.push(volumeName(r.volid));
      out.set(r.vmid, list);
    }
    return out;
  }

  private async load(date: number): Promise<Map<string, PreviousInstance[]>> {
    const rows = (await inventory(this.db, 'instances')
      .find(
        { date },
        {
          projection: {
            _id: 0,
            cluster: 1,
            vmid: 1,
            type: 1,
            uid: 1,
            node: 1,
            agent: 1,
            ips: 1,
            ipsAt: 1,
            'nics.mac': 1,
          },
        },
      )
      .toArray()) as unknown as Row[];
    const out = new Map<string, PreviousInstance[]>();
    for (const r of rows) {
      const g: PreviousInstance = {
        vmid: r.vmid,
        type: r.type,
        uid: r.uid,
        node: r.node,
        agent: r.agent ?? false,
        ips: r.ips ?? [],
        macs: (r.nics ?? []).map((n) => n.mac).filter((m): m is string => Boolean(m)),
        volumes: [],
      };
      if (r.ipsAt !== undefined) g.ipsAt = r.ipsAt;
      const list = out.get(r.cluster) ?? [];
      list.push(g);
      out.set(r.cluster, list);
    }
    return out;
  }
}
