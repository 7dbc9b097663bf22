import type { RegistryEntry } from '../../shared/registry/schema.ts';
import type { ClusterDocuments } from '../../shared/store/schemas.ts';
import { assignIdentities, type IdentityFacts, volumeName } from '../identity.ts';
import { agentAddresses } from '../normalize/agent.ts';
import {
  type NodeStatus,
  normalizeClusterStatus,
  normalizeHaStatus,
  normalizeNodeStatus,
  normalizeVersion,
} from '../normalize/cluster.ts';
import { normalizeContent } from '../normalize/content.ts';
import { type GuestConfig, normalizeGuestConfig } from '../normalize/guest-config.ts';
import { pveDocuments, type StorageListing } from '../normalize/pve-documents.ts';
import { type GuestResource, type StorageResource, splitResources } from '../normalize/resources.ts';
import type { PreviousCluster } from '../previous.ts';
import type { CrawlSession } from './session.ts';
import { tagNotes } from './tag-notes.ts';

/**
 * Collects one Proxmox VE cluster with as few calls as the data allows:
 *
 * - 4 cluster-wide calls: /version, /cluster/status, /cluster/ha/status/current and /cluster/resources (the
 *   last gives every guest with node and pool, every node, every storage per node with its capacity);
 * - per online node: /nodes/{n}/status (versions, CPU model);
 * - per guest: its config, the one call that has disks, NICs, notes, flags and the creation time;
 * - per storage holding disks or backups: its content, listed once for shared storage and once per node
 *   for local storage (no content filter: images, container volumes and backups in one answer);
 * - guest-agent addresses for a bounded share of running VMs with the agent on, the rest carried over.
 */

export interface PveCollectOptions {
  entry: RegistryEntry;
  date: number;
  previous: PreviousCluster;
  /** Previous disk volume names, read only when a guest has no MAC address to tell it by. */
  previousVolumes: () => Promise<Map<number, string[]>>;
  agentTimeoutMs: number;
  agentRefreshPercent: number;
}

const LISTED_CONTENT = ['images', 'rootdir', 'backup'];

/** Which storage listings to make: shared storage once (from a node that sees it), local storage per node. */
export function plannedListings(storages: StorageResource[], onlineNodes: Set<string>): StorageResource[] {
  const out: StorageResource[] = [];
  const sharedDone = new Set<string>();
  for (const s of storages) {
    if (!onlineNodes.has(s.node) || s.status !== 'available') continue;
    if (!s.content.some((c) => LISTED_CONTENT.includes(c))) continue;
    if (s.shared) {
      if (sharedDone.has(s.storage)) continue;
      sharedDone.add(s.storage);
    }
    out.push(s);
  }
  return out;
}

/**
 * Running VMs whose agent is asked this crawl: those never asked (or whose address list is empty) first,
 * then the longest unasked; at most `percent` of the cluster's guests (and at least one when any is due).
 */
export function agentCandidates(guests: GuestResource[], previous: PreviousCluster, percent: number): Set<number> {
  if (percent <= 0) return new Set();
  const running = guests.filter((g) => g.type === 'qemu' && g.status === 'running' && !g.template);
  const due = running.filter((g) => {
    const p = previous.guests.get(g.vmid);
    return !p || p.agent || p.type !== 'qemu';
  });
  const rank = (g: GuestResource) => {
    const p = previous.guests.get(g.vmid);
    if (p?.type !== 'qemu' || p.ipsAt === undefined) return 0;
    if (p.ips.length === 0) return 1;
    return 2 + p.ipsAt / 1e10;
  };
  due.sort((a, b) => rank(a) - rank(b) || a.vmid - b.vmid);
  const cap = Math.max(1, Math.ceil((guests.length * percent) / 100));
  return new Set(due.slice(0, cap).map((g) => g.vmid));
}

export async function collectPve(s: CrawlSession, o: PveCollectOptions): Promise<ClusterDocuments> {
  const cluster = o.entry.name;
  const [versionRaw, statusRaw, haRaw, resourcesRaw] = await Promise.all([
    s.get<unknown>('/version'),
    s.get<unknown>('/cluster/status'),
    s.tryGet<unknown>('HA status', '/cluster/ha/status/current'),
    s.get<unknown>('/cluster/resources'),
  ]);
  const status = normalizeClusterStatus(statusRaw);
  const resources = splitResources(resourcesRaw);
  const excluded = new Set(o.entry.excludeNodes);
  const offline = new Set<string>(status.nodes.filter((n) => !n.online).map((n) => n.name));
  for (const n of resources.nodes) if (n.status !== 'online') offline.add(n.node);
  const allNodes = new Set([...status.nodes.map((n) => n.name), ...resources.nodes.map((n) => n.node)]);
  const online = new Set([...allNodes].filter((n) => !offline.has(n) && !excluded.has(n)));
  for (const n of offline) if (!excluded.has(n)) s.warn(`node ${n} is offline: its guests' configs are not read`);

  s.sizeForNodes(online.size);

  const guests = resources.guests.filter((g) => !excluded.has(g.node));
  const agentDue = agentCandidates(guests, o.previous, o.agentRefreshPercent);
  const configs = new Map<number, GuestConfig>();
  const agentIps = new Map<number, { ips: string[]; at: number }>();
  const now = () => Math.floor(Date.now() / 1000);

  const nodeStatus = new Map<string, NodeStatus>();
  const nodeCalls = [...online].map(async (node) => {
    const raw = await s.tryGet<unknown>(`node ${node} status`, ['nodes', node, 'status'], { node });
    if (raw !== undefined) nodeStatus.set(node, normalizeNodeStatus(raw));
  });

  const listings: StorageListing[] = [];
  const listingCalls = plannedListings(resources.storages, online).map(async (st) => {
    const rows = await s.tryGet<unknown>(
      `storage ${st.storage} content on ${st.node}`,
      ['nodes', st.node, 'storage', st.storage, 'content'],
      { node: st.node },
    );
    if (rows !== undefined) {
      listings.push({
        storage: st.storage,
        node: st.node,
        shared: st.shared,
        volumes: normalizeContent(st.storage, rows),
      });
    }
  });

  const guestCalls = guests
    .filter((g) => online.has(g.node))
    .map(async (g) => {
      const raw = await s.tryGet<Record<string, unknown>>(
        `config of ${g.type} ${g.vmid}`,
        ['nodes', g.node, g.type, g.vmid, 'config'],
        { node: g.node },
      );
      if (!raw) return;
      const cfg = normalizeGuestConfig(g.type, raw);
      configs.set(g.vmid, cfg);
      if (agentDue.has(g.vmid) && cfg.agent) {
        const answer = await s.tryGet<unknown>(
          `agent of ${g.vmid}`,
          ['nodes', g.node, 'qemu', g.vmid, 'agent', 'network-get-interfaces'],
          { node: g.node, agent: true, quiet: true, timeoutMs: o.agentTimeoutMs },
        );
        if (answer !== undefined) agentIps.set(g.vmid, { ips: agentAddresses(answer), at: now() });
      }
    });

  await Promise.all([...nodeCalls, ...listingCalls, ...guestCalls]);
  listings.sort((a, b) => a.storage.localeCompare(b.storage) || a.node.localeCompare(b.node));

  // Addresses not refreshed this time are carried over from the last snapshot (when the guest still runs).
  for (const g of guests) {
    if (agentIps.has(g.vmid) || g.type !== 'qemu' || g.status !== 'running') continue;
    const p = o.previous.guests.get(g.vmid);
    if (p && p.type === 'qemu' && p.ipsAt !== undefined && configs.get(g.vmid)?.agent) {
      agentIps.set(g.vmid, { ips: p.ips, at: p.ipsAt });
    }
  }

  const identities = assignIdentities(cluster, o.date, await identityFacts(guests, configs, o), [
    ...o.previous.guests.values(),
  ]);
  if (o.entry.tagNotes) await tagNotes(s, guests, configs, identities);

  return pveDocuments({
    cluster,
    host: o.entry.host,
    groups: o.entry.groups,
    excludeNodes: o.entry.excludeNodes,
    version: normalizeVersion(versionRaw),
    status,
    ha: normalizeHaStatus(haRaw),
    resources,
    nodeStatus,
    configs,
    listings,
    identities,
    agentIps,
  });
}

async function identityFacts(
  guests: GuestResource[],
  configs: Map<number, GuestConfig>,
  o: PveCollectOptions,
): Promise<IdentityFacts[]> {
  const facts: IdentityFacts[] = guests.map((g) => {
    const cfg = configs.get(g.vmid);
    const f: IdentityFacts = {
      vmid: g.vmid,
      type: g.type,
      macs: (cfg?.nics ?? []).map((n) => n.mac).filter((m): m is string => Boolean(m)),
      volumes: (cfg?.disks ?? []).map((d) => volumeName(d.volid)),
    };
    if (cfg?.ctime) f.ctime = cfg.ctime;
    if (cfg?.notes) f.notes = cfg.notes;
    // A guest whose config could not be read keeps its previous uid as it is.
    if (!cfg) {
      const p = o.previous.guests.get(g.vmid);
      if (p && p.type === g.type) {
        f.macs = p.macs;
        f.volumes = p.volumes;
      }
    }
    return f;
  });
  // Volumes of the previous snapshot are read only when some guest has no MAC to be recognised by.
  const needsVolumes = facts.some(
    (f) => !(f.type === 'qemu' && f.ctime) && f.macs.length === 0 && o.previous.guests.has(f.vmid),
  );
  if (needsVolumes && o.previous.date !== null) {
    const volumes = await o.previousVolumes();
    for (const p of o.previous.guests.values()) p.volumes = volumes.get(p.vmid) ?? [];
  }
  return facts;
}
