import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, del, get, patch, post } from '../../api.ts';
import { Badge, Empty, ErrorBox, Loading, Section } from '../../components/common.ts';
import { ConfirmDialog, Dialog } from '../../components/dialog.ts';
import { errorText, useApi } from '../../hooks.ts';
import { dateTime } from '../../lib/format.ts';

interface Cluster {
  name: string;
  kind: 'pve' | 'pbs';
  host: string;
  port?: number;
  fallbackHosts?: string[];
  credentials?: { tokenId?: string; username?: string; secretSet?: boolean };
  fingerprint?: string;
  groups?: string[];
  enabled?: boolean;
}

interface TestAnswer {
  version?: string | null;
  fingerprint: string;
  fingerprintMatches: boolean | null;
  authenticated?: boolean;
  error?: string;
}

const asList = (d: unknown): Cluster[] =>
  Array.isArray(d)
    ? (d as Cluster[])
    : Array.isArray((d as { items?: unknown })?.items)
      ? (d as { items: Cluster[] }).items
      : [];

/** The cluster registry: add (with a connection test and fingerprint confirmation), edit, disable, delete, crawl now. */
export function ClustersPage() {
  const list = useApi<unknown>('/admin/clusters');
  const [editing, setEditing] = useState<Cluster | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Cluster | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [crawls, setCrawls] = useState<{ id: string; cluster: string }[]>([]);

  const crawlNow = async (name: string) => {
    setError(null);
    try {
      const r = await post<{ id?: string }>(`/admin/clusters/${encodeURIComponent(name)}/crawl`);
      if (r.id) setCrawls((old) => [{ id: r.id!, cluster: name }, ...old.filter((x) => x.cluster !== name)]);
      else setMessage(`A crawl of ${name} was requested.`);
    } catch (e) {
      setError(errorText(e));
    }
  };

  const act = async (fn: () => Promise<unknown>, done: string) => {
    setError(null);
    setMessage(null);
    try {
      await fn();
      setMessage(done);
      list.reload();
    } catch (e) {
      setError(errorText(e));
    }
  };
  const clusters = asList(list.data);
  return html`<div class="page">
    <div class="page-head"><h1>Clusters</h1></div>
    <${Section}
      title="Registered clusters and backup servers"
      id="h-clusters"
      actions=${html`<button type="button" class="btn primary" onClick=${() => setEditing('new')}>Add cluster</button>`}
    >
      <${ErrorBox} error=${list.error} onRetry=${list.reload} />
      ${message && html`<p class="notice" role="status">${message}</p>`}
      ${error && html`<p class="error-text" role="alert">${error}</p>`}
      ${crawls.map((r) => html`<${CrawlRequest} key=${r.id} id=${r.id} cluster=${r.cluster} />`)}
      ${list.loading && html`<${Loading} />`}
      ${
        list.data &&
        (clusters.length === 0
          ? html`<${Empty}>No cluster yet. Add one to start crawling.<//>`
          : html`<div class="table-wrap"><table class="table" data-testid="clusters-table">
            <thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Host</th><th scope="col">Credentials</th><th scope="col">Groups</th><th scope="col">State</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              ${clusters.map(
                (c) => html`<tr key=${c.name} data-cluster=${c.name}>
                  <th scope="row">${c.name}</th>
                  <td>${c.kind.toUpperCase()}</td>
                  <td class="mono small">${c.host}${c.port ? `:${c.port}` : ''}${c.fallbackHosts?.length ? html`<div class="muted">+ ${c.fallbackHosts.join(', ')}</div>` : ''}</td>
                  <td class="small">${c.credentials?.tokenId ?? c.credentials?.username ?? ''}${c.credentials?.secretSet === false ? html` <${Badge} value="no secret" tone="bad" />` : ''}</td>
                  <td>${(c.groups ?? []).join(', ')}</td>
                  <td><${Badge} value=${c.enabled === false ? 'disabled' : 'enabled'} tone=${c.enabled === false ? 'muted' : 'ok'} /></td>
                  <td class="row-actions">
                    <button type="button" class="btn small" onClick=${() => crawlNow(c.name)}>Crawl now</button>
                    <button type="button" class="btn small" onClick=${() => setEditing(c)}>Edit</button>
                    <button type="button" class="btn small" onClick=${() =>
                      act(
                        () => patch(`/admin/clusters/${encodeURIComponent(c.name)}`, { enabled: c.enabled === false }),
                        `${c.name} is ${c.enabled === false ? 'enabled' : 'disabled'}.`,
                      )}>${c.enabled === false ? 'Enable' : 'Disable'}</button>
                    <button type="button" class="btn small danger-outline" onClick=${() => setDeleting(c)}>Delete</button>
                  </td>
                </tr>`,
              )}
            </tbody>
          </table></div>`)
      }
    <//>
    ${
      editing &&
      html`<${ClusterForm}
      cluster=${editing === 'new' ? null : editing}
      onClose=${() => setEditing(null)}
      onSaved=${(name: string, isNew: boolean) => {
        setEditing(null);
        setMessage(
          isNew ? `${name} was added; it is crawled from the next run (or use Crawl now).` : `${name} was saved.`,
        );
        list.reload();
      }}
    />`
    }
    ${
      deleting &&
      html`<${ConfirmDialog}
      title=${`Delete ${deleting.name}?`}
      confirmLabel="Delete"
      danger
      onConfirm=${() => {
        const c = deleting;
        setDeleting(null);
        act(() => del(`/admin/clusters/${encodeURIComponent(c.name)}`), `${c.name} was deleted.`);
      }}
      onCancel=${() => setDeleting(null)}
    >
      <p>Strata stops crawling <strong>${deleting.name}</strong> and forgets its credentials. Snapshots already taken stay until they are purged.</p>
    <//>`
    }
  </div>`;
}

/**
 * Add or edit a cluster. The connection is tested first; the certificate fingerprint the server presented is
 * shown and must be confirmed by the admin before it is stored (trust on first use, made explicit).
 */
function ClusterForm(props: {
  cluster: Cluster | null;
  onClose: () => void;
  onSaved: (name: string, isNew: boolean) => void;
}) {
  const c = props.cluster;
  const isNew = c === null;
  const [name, setName] = useState(c?.name ?? '');
  const [kind, setKind] = useState<'pve' | 'pbs'>(c?.kind ?? 'pve');
  const [host, setHost] = useState(c?.host ?? '');
  const [port, setPort] = useState(c?.port ? String(c.port) : '');
  const [fallback, setFallback] = useState((c?.fallbackHosts ?? []).join(', '));
  const [authType, setAuthType] = useState<'token' | 'password'>(c?.credentials?.username ? 'password' : 'token');
  const [principal, setPrincipal] = useState(c?.credentials?.tokenId ?? c?.credentials?.username ?? '');
  const [secret, setSecret] = useState('');
  const [groups, setGroups] = useState((c?.groups ?? []).join(', '));
  const [enabled, setEnabled] = useState(c?.enabled !== false);
  const [test, setTest] = useState<TestAnswer | null>(null);
  const [confirmed, setConfirmed] = useState(false);
  /** The second test, made with the confirmed fingerprint: only then are credentials sent to the server. */
  const [verify, setVerify] = useState<TestAnswer | null>(null);
  const [busy, setBusy] = useState<'test' | 'save' | null>(null);
  const [error, setError] = useState<string | null>(null);

  const connectionChanged = isNew || host !== c.host || String(c.port ?? '') !== port || kind !== c.kind;
  const credentials = () => {
    if (!secret) return undefined;
    return authType === 'token'
      ? { tokenId: principal.trim(), secret }
      : { username: principal.trim(), password: secret };
  };
  const resetTest = () => {
    setTest(null);
    setConfirmed(false);
    setVerify(null);
  };
  const list = (s: string) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);

  const testBody = (fingerprint?: string) => {
    const body: Record<string, unknown> = { host: host.trim(), kind };
    if (port) body.port = Number(port);
    const cred = credentials();
    if (cred) body.credentials = cred;
    if (fingerprint) body.fingerprint = fingerprint;
    return body;
  };
  const runTest = async () => {
    setBusy('test');
    setError(null);
    resetTest();
    try {
      const first = await post<TestAnswer>('/admin/clusters/test', testBody());
      setTest(first);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(null);
    }
  };
  const confirmFingerprint = async (yes: boolean) => {
    setConfirmed(yes);
    setVerify(null);
    if (!yes || !test || !credentials()) return;
    setBusy('test');
    try {
      setVerify(await post<TestAnswer>('/admin/clusters/test', testBody(test.fingerprint)));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(null);
    }
  };

  const needsTest = connectionChanged && !(test && confirmed);
  const save = async () => {
    if (needsTest) {
      setError(test ? 'Confirm the certificate fingerprint first.' : 'Test the connection first.');
      return;
    }
    setBusy('save');
    setError(null);
    const body: Record<string, unknown> = {
      kind,
      host: host.trim(),
      fallbackHosts: list(fallback),
      groups: list(groups),
      enabled,
    };
    if (port) body.port = Number(port);
    const cred = credentials();
    if (cred) body.credentials = cred;
    if (test && confirmed) body.fingerprint = test.fingerprint;
    try {
      if (isNew) {
        if (!cred) throw new Error('Enter the credentials Strata should use.');
        await post('/admin/clusters', { name: name.trim(), ...body });
      } else {
        await patch(`/admin/clusters/${encodeURIComponent(c.name)}`, body);
      }
      props.onSaved(isNew ? name.trim() : c.name, isNew);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        const b = (e.body as { error?: { expected?: string; presented?: string } })?.error;
        setError(`${e.message}${b?.expected ? ` Stored: ${b.expected}. Presented: ${b.presented ?? '?'}.` : ''}`);
        resetTest();
      } else setError(errorText(e));
    } finally {
      setBusy(null);
    }
  };
  const input =
    (set: (v: string) => void, resets = false) =>
    (e: Event) => {
      set((e.target as HTMLInputElement).value);
      if (resets) resetTest();
    };

  return html`<${Dialog}
    title=${isNew ? 'Add a cluster' : `Edit ${c.name}`}
    wide
    onClose=${props.onClose}
    onSubmit=${save}
    actions=${html`
      <button type="button" class="btn" onClick=${props.onClose}>Cancel</button>
      <button type="button" class="btn" onClick=${runTest} disabled=${!host.trim() || busy !== null}>
        ${busy === 'test' ? 'Testing…' : 'Test connection'}
      </button>
      <button type="submit" class="btn primary" disabled=${busy !== null || needsTest}>${busy === 'save' ? 'Saving…' : 'Save'}</button>
    `}
  >
    <div class="form-grid">
      <label class="field"><span>Name</span><input name="name" value=${name} onInput=${input(setName)} disabled=${!isNew} required pattern="[A-Za-z0-9][A-Za-z0-9._-]{0,63}" /></label>
      <label class="field"><span>Kind</span>
        <select name="kind" value=${kind} onChange=${(e: Event) => {
          setKind((e.target as HTMLSelectElement).value as 'pve' | 'pbs');
          resetTest();
        }}>
          <option value="pve">Proxmox VE</option>
          <option value="pbs">Proxmox Backup Server</option>
        </select>
      </label>
      <label class="field"><span>Host</span><input name="host" value=${host} onInput=${input(setHost, true)} required placeholder="pve1.example.org" /></label>
      <label class="field"><span>Port</span><input name="port" type="number" min="1" max="65535" value=${port} onInput=${input(setPort, true)} placeholder=${kind === 'pve' ? '8006' : '8007'} /></label>
      <label class="field span2"><span>Fallback hosts (comma-separated)</span><input name="fallbackHosts" value=${fallback} onInput=${input(setFallback)} /></label>
      <fieldset class="radios span2">
        <legend>Authentication</legend>
        <label class="check"><input type="radio" name="auth" checked=${authType === 'token'} onChange=${() => setAuthType('token')} /> <span>API token</span></label>
        <label class="check"><input type="radio" name="auth" checked=${authType === 'password'} onChange=${() => setAuthType('password')} /> <span>User and password</span></label>
      </fieldset>
      <label class="field"><span>${authType === 'token' ? 'Token ID (user@realm!name)' : 'User (user@realm)'}</span>
        <input name="principal" value=${principal} onInput=${input(setPrincipal)} autocomplete="off" /></label>
      <label class="field"><span>${authType === 'token' ? 'Token secret' : 'Password'}${!isNew && c.credentials?.secretSet ? ' (empty: keep)' : ''}</span>
        <input name="secret" type="password" value=${secret} onInput=${input(setSecret)} autocomplete="new-password" /></label>
      <label class="field"><span>Cluster groups (comma-separated)</span><input name="groups" value=${groups} onInput=${input(setGroups)} /></label>
      <label class="check"><input type="checkbox" checked=${enabled} onChange=${(e: Event) => setEnabled((e.target as HTMLInputElement).checked)} /> <span>Crawl this cluster</span></label>
    </div>
    ${
      test &&
      html`<div class="fingerprint" data-testid="fingerprint">
      <p>The server presented this certificate (SHA-256 fingerprint):</p>
      <code class="mono fp">${test.fingerprint}</code>
      ${test.fingerprintMatches === true && html`<p><${Badge} value="matches the stored fingerprint" tone="ok" /></p>`}
      ${
        test.fingerprintMatches === false &&
        html`<p class="error-text">This is NOT the fingerprint stored for this cluster${c?.fingerprint ? ` (${c.fingerprint})` : ''}. Only accept it if the certificate was replaced on purpose.</p>`
      }
      <label class="check confirm">
        <input type="checkbox" checked=${confirmed} onChange=${(e: Event) => confirmFingerprint((e.target as HTMLInputElement).checked)} data-testid="confirm-fingerprint" />
        <span>I have compared this fingerprint with the one the server shows (Proxmox: node → System → Certificates) and trust it.</span>
      </label>
      ${confirmed && !credentials() && html`<p class="muted small">Enter the credentials to check the login too.</p>`}
      ${
        verify?.authenticated &&
        html`<p data-testid="login-ok"><${Badge} value="login works" tone="ok" /> ${verify.version ? `Proxmox ${verify.version}` : ''}</p>`
      }
      ${verify && !verify.authenticated && html`<p class="error-text">${verify.error ?? 'The login was refused.'}</p>`}
    </div>`
    }
    ${!isNew && !connectionChanged && !test && html`<p class="muted small">Host and port are unchanged, so the stored fingerprint stays.</p>`}
    ${error && html`<p class="error-text" role="alert">${error}</p>`}
  <//>`;
}

interface CrawlState {
  state: 'queued' | 'running' | 'done' | 'failed';
  date?: number;
  status?: string;
  error?: string;
}

/** An on-demand crawl, followed until it is done or failed. */
function CrawlRequest(props: { id: string; cluster: string }) {
  const [r, setR] = useState<CrawlState | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const s = await get<CrawlState>(`/admin/crawl-requests/${encodeURIComponent(props.id)}`);
        if (stop) return;
        setR(s);
        if (s.state === 'queued' || s.state === 'running') timer = setTimeout(poll, 1500);
      } catch (e) {
        if (!stop) setError(errorText(e));
      }
    };
    poll();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [props.id]);
  const busy = !r || r.state === 'queued' || r.state === 'running';
  return html`<div class=${`task ${busy ? 'running' : r?.state === 'failed' ? 'bad' : 'ok'}`} role="status" data-testid="crawl-request">
    <div class="task-head">
      <strong>Crawl of ${props.cluster}</strong>
      <${Badge} value=${r?.state ?? 'requested'} tone=${busy ? 'warn' : r?.state === 'failed' ? 'bad' : 'ok'} />
    </div>
    ${busy && html`<div class="progress indeterminate" aria-hidden="true"><span></span></div>`}
    ${r?.date && html`<p class="small">Snapshot ${dateTime(r.date)}${r.status ? ` (${r.status})` : ''}</p>`}
    ${(r?.error || error) && html`<p class="error-text small">${r?.error ?? error}</p>`}
  </div>`;
}
