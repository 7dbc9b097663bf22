import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { del, post } from '../../api.ts';
import { Badge, Empty, ErrorBox, Loading, Section } from '../../components/common.ts';
import { ConfirmDialog, Dialog } from '../../components/dialog.ts';
import { errorText, useApi } from '../../hooks.ts';
import { dateTime, toEpochSeconds } from '../../lib/format.ts';

interface Token {
  id: string;
  name: string;
  role: string;
  group: string | null;
  createdAt: string;
  createdBy: string;
  expiresAt: string;
  lastUsedAt: string | null;
  status: string;
}

const when = (v: string | null | undefined) => (v ? dateTime(toEpochSeconds(v)) : '');

/** API tokens for scripts. A new token's secret is shown once, in the dialog that created it. */
export function TokensPage() {
  const list = useApi<{ items: Token[] }>('/tokens');
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<Token | null>(null);
  const [error, setError] = useState<string | null>(null);

  const revoke = async () => {
    if (!revoking) return;
    try {
      await del(`/tokens/${revoking.id}`);
      setRevoking(null);
      list.reload();
    } catch (e) {
      setError(errorText(e));
    }
  };

  return html`<div class="page">
    <div class="page-head"><h1>API tokens</h1></div>
    <${Section}
      title="Tokens"
      id="h-tokens"
      actions=${html`<button type="button" class="btn primary" onClick=${() => setCreating(true)}>Create token</button>`}
    >
      <${ErrorBox} error=${list.error ?? error} onRetry=${list.reload} />
      ${list.loading && html`<${Loading} />`}
      ${
        list.data &&
        (list.data.items.length === 0
          ? html`<${Empty}>No API tokens yet.<//>`
          : html`<div class="table-wrap"><table class="table">
            <thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Scope</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              ${list.data.items.map(
                (t) => html`<tr key=${t.id}>
                  <th scope="row">${t.name}<div class="muted small mono">${t.id}</div></th>
                  <td>${t.role}</td>
                  <td>${t.group ? `group ${t.group}` : 'all clusters'}</td>
                  <td><${Badge} value=${t.status} tone=${t.status === 'active' ? 'ok' : 'muted'} /></td>
                  <td>${when(t.createdAt)}<div class="muted small">${t.createdBy}</div></td>
                  <td>${when(t.expiresAt)}</td>
                  <td>${when(t.lastUsedAt) || html`<span class="muted">never</span>`}</td>
                  <td>${t.status === 'active' && html`<button type="button" class="btn small danger-outline" onClick=${() => setRevoking(t)}>Revoke</button>`}</td>
                </tr>`,
              )}
            </tbody>
          </table></div>`)
      }
    <//>
    ${
      creating &&
      html`<${CreateToken} onClose=${() => {
        setCreating(false);
        list.reload();
      }} />`
    }
    ${
      revoking &&
      html`<${ConfirmDialog} title=${`Revoke token ${revoking.name}?`} confirmLabel="Revoke" danger onConfirm=${revoke} onCancel=${() => setRevoking(null)}>
      <p>Scripts using this token stop working at once. This cannot be undone.</p>
    <//>`
    }
  </div>`;
}

function CreateToken(props: { onClose: () => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState('audit');
  const [group, setGroup] = useState('');
  const [days, setDays] = useState(90);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);

  const create = async () => {
    if (secret) return props.onClose();
    setBusy(true);
    setError(null);
    try {
      const r = await post<{ secret: string }>('/tokens', {
        name: name.trim(),
        role,
        group: group.trim() || null,
        expiresInDays: days,
      });
      setSecret(r.secret);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret ?? '');
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  const value = (set: (v: string) => void) => (e: Event) => set((e.target as HTMLInputElement).value);

  return html`<${Dialog}
    title=${secret ? 'Token created' : 'Create an API token'}
    onClose=${props.onClose}
    onSubmit=${create}
    actions=${
      secret
        ? html`<button type="submit" class="btn primary">Done</button>`
        : html`<button type="button" class="btn" onClick=${props.onClose}>Cancel</button>
          <button type="submit" class="btn primary" disabled=${busy || !name.trim()}>Create</button>`
    }
  >
    ${
      secret
        ? html`<p>Copy the secret now: <strong>it is not shown again</strong>. Send it as <code>Authorization: Bearer …</code>.</p>
          <div class="secret-box">
            <code class="mono" data-testid="token-secret">${secret}</code>
            <button type="button" class="btn small" onClick=${copy}>${copied ? 'Copied' : 'Copy'}</button>
          </div>`
        : html`<label class="field"><span>Name</span><input value=${name} onInput=${value(setName)} required maxlength="100" /></label>
          <label class="field"><span>Role</span>
            <select value=${role} onChange=${value(setRole)}>
              <option value="audit">audit (read)</option>
              <option value="manage">manage (read and power actions)</option>
              <option value="admin">admin (everything)</option>
            </select>
          </label>
          <label class="field"><span>Cluster group (empty: all clusters)</span><input value=${group} onInput=${value(setGroup)} /></label>
          <label class="field"><span>Expires after (days)</span>
            <input type="number" min="1" max="730" value=${days} onInput=${(e: Event) => setDays(Number((e.target as HTMLInputElement).value) || 90)} />
          </label>`
    }
    ${error && html`<p class="error-text" role="alert">${error}</p>`}
  <//>`;
}
