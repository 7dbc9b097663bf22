import { ConflictError } from '../../shared/proxmox/index.ts';
import { type Identity, markerUid, withMarker } from '../identity.ts';
import { type GuestConfig, normalizeGuestConfig } from '../normalize/guest-config.ts';
import type { GuestResource } from '../normalize/resources.ts';
import type { CrawlSession } from './session.ts';

/**
 * Opt-in per cluster (`tagNotes`): writes the guest's uid as a marker line at the end of its notes, so the
 * guest can be followed when it moves to another cluster and its clones are recognised. The user's text
 * is kept; the write carries the config `digest`, and on a digest mismatch (someone edited the config
 * meanwhile) the config is read again and the write retried, so a concurrent edit is never lost.
 */

const ATTEMPTS = 3;

export async function tagNotes(
  s: CrawlSession,
  guests: GuestResource[],
  configs: Map<number, GuestConfig>,
  identities: Map<number, Identity>,
): Promise<number> {
  let written = 0;
  await Promise.all(
    guests.map(async (g) => {
      const cfg = configs.get(g.vmid);
      const id = identities.get(g.vmid);
      // A locked guest (backup, migration...) refuses config changes: it is tagged at a later crawl.
      if (!cfg || !id || cfg.lock || markerUid(cfg.notes) === id.uid) return;
      try {
        const fresh = await writeMarker(s, g, cfg, id.uid);
        if (fresh) {
          configs.set(g.vmid, fresh);
          written++;
        }
      } catch (e) {
        if (s.signal.aborted) throw e;
        s.warn(`notes marker of ${g.type} ${g.vmid}: ${(e as Error).message}`);
      }
    }),
  );
  return written;
}

async function writeMarker(
  s: CrawlSession,
  g: GuestResource,
  cfg: GuestConfig,
  uid: string,
): Promise<GuestConfig | undefined> {
  const path = ['nodes', g.node, g.type, g.vmid, 'config'];
  let current = cfg;
  for (let attempt = 1; ; attempt++) {
    if (markerUid(current.notes) === uid) return current;
    const description = withMarker(current.notes, uid);
    try {
      await s.client.put(
        path,
        { description, ...(current.digest ? { digest: current.digest } : {}) },
        { signal: s.signal },
      );
      // The write changed the config's digest; the new one is read at the next crawl.
      const { digest: _old, ...rest } = current;
      return { ...rest, notes: description };
    } catch (e) {
      if (!(e instanceof ConflictError) || attempt >= ATTEMPTS) throw e;
      const raw = await s.get<Record<string, unknown>>(path, { node: g.node });
      current = normalizeGuestConfig(g.type, raw);
    }
  }
}
