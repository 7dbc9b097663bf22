import type { BackupDoc, StorageDoc, Unstamped } from '../../shared/store/schemas.ts';
import { toBool, toInt, toStr } from './values.ts';

/**
 * Proxmox Backup Server: `/admin/datastore`, `/status/datastore-usage`, `/admin/datastore/{store}/namespace`
 * and `/admin/datastore/{store}/snapshots?ns=`. PBS sends real JSON booleans and numbers.
 */

function rec(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export interface Datastore {
  store: string;
  comment?: string;
  maintenance?: string;
}

export function normalizeDatastores(rows: unknown): Datastore[] {
  const out: Datastore[] = [];
  for (const raw of Array.isArray(rows) ? rows : []) {
    const r = rec(raw);
    const store = toStr(r.store) ?? toStr(r.name);
    if (!store) continue;
    const d: Datastore = { store };
    const comment = toStr(r.comment);
    if (comment) d.comment = comment;
    const maintenance = toStr(r.maintenance);
    if (maintenance) d.maintenance = maintenance;
    out.push(d);
  }
  return out.sort((a, b) => a.store.localeCompare(b.store));
}

export interface DatastoreUsage {
  total: number;
  used: number;
  avail: number;
  estimatedFullDate?: number;
  gcStatus?: string;
  error?: string;
}

export function normalizeDatastoreUsage(rows: unknown): Map<string, DatastoreUsage> {
  const out = new Map<string, DatastoreUsage>();
  for (const raw of Array.isArray(rows) ? rows : []) {
    const r = rec(raw);
    const store = toStr(r.store);
    if (!store) continue;
    const u: DatastoreUsage = { total: toInt(r.total) ?? 0, used: toInt(r.used) ?? 0, avail: toInt(r.avail) ?? 0 };
    const full = toInt(r['estimated-full-date']);
    if (full !== undefined && full > 0) u.estimatedFullDate = full;
    const gc = r['gc-status'];
    const gcText = typeof gc === 'string' ? gc : toStr(rec(gc).upid) ? 'ok' : undefined;
    if (gcText) u.gcStatus = gcText;
    const error = toStr(r.error);
    if (error) u.error = error;
    out.set(store, u);
  }
  return out;
}

/** Namespace names from `/admin/datastore/{store}/namespace` (the root is `''`). */
export function normalizeNamespaces(rows: unknown): string[] {
  const names = new Set<string>(['']);
  for (const raw of Array.isArray(rows) ? rows : []) {
    const ns = rec(raw).ns;
    if (typeof ns === 'string') names.add(ns);
  }
  return [...names].sort();
}

export function datastoreDoc(
  cluster: string,
  node: string,
  ds: Datastore,
  usage: DatastoreUsage | undefined,
): Unstamped<StorageDoc> {
  const doc: Unstamped<StorageDoc> = {
    cluster,
    storage: ds.store,
    datastore: ds.store,
    node,
    nodes: [node],
    type: 'pbs-datastore',
    content: ['backup'],
    shared: false,
    status: usage?.error ? 'error' : ds.maintenance ? `maintenance:${ds.maintenance}` : 'available',
    active: !usage?.error && !ds.maintenance,
    totalBytes: usage?.total ?? 0,
    usedBytes: usage?.used ?? 0,
    availBytes: usage?.avail ?? 0,
  };
  if (usage?.gcStatus) doc.gcStatus = usage.gcStatus;
  if (usage?.estimatedFullDate) doc.estimatedFullDate = usage.estimatedFullDate;
  return doc;
}

function isoSeconds(epoch: number): string {
  return new Date(epoch * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function normalizeSnapshots(
  cluster: string,
  node: string,
  store: string,
  namespace: string,
  rows: unknown,
): Unstamped<BackupDoc>[] {
  const out: Unstamped<BackupDoc>[] = [];
  for (const raw of Array.isArray(rows) ? rows : []) {
    const r = rec(raw);
    const type = toStr(r['backup-type']);
    const id = toStr(r['backup-id']);
    const time = toInt(r['backup-time']);
    if (!type || !id || time === undefined) continue;
    const files = Array.isArray(r.files) ? r.files.map(rec) : [];
    const doc: Unstamped<BackupDoc> = {
      cluster,
      source: 'pbs',
      storage: store,
      node,
      volid: `${namespace ? `ns/${namespace}/` : ''}${type}/${id}/${isoSeconds(time)}`,
      backupTime: time,
      sizeBytes: toInt(r.size) ?? files.reduce((s, f) => s + (toInt(f.size) ?? 0), 0),
      protected: toBool(r.protected) ?? false,
      encrypted: files.some((f) => f['crypt-mode'] === 'encrypt'),
      files: files.map((f) => toStr(f.filename)).filter((f): f is string => Boolean(f)),
    };
    if (namespace) doc.namespace = namespace;
    if (type === 'vm' || type === 'ct' || type === 'host') doc.backupType = type;
    const vmid = /^\d+$/.test(id) ? Number(id) : undefined;
    if (vmid !== undefined && type !== 'host') doc.vmid = vmid;
    const comment = toStr(r.comment);
    if (comment) doc.notes = comment;
    const verification = toStr(rec(r.verification).state);
    if (verification) doc.verification = verification;
    const owner = toStr(r.owner);
    if (owner) doc.owner = owner;
    out.push(doc);
  }
  return out;
}
