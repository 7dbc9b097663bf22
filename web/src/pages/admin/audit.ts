import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../../api.ts';
import { Badge, Empty, ErrorBox, Loading } from '../../components/common.ts';
import { errorText } from '../../hooks.ts';
import { dateTime, toEpochSeconds } from '../../lib/format.ts';

interface AuditRecord {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  outcome: string;
  address: string;
  details?: Record<string, unknown>;
}

interface Filters {
  actor: string;
  action: string;
  outcome: string;
}

/** The audit log, newest first, filtered by who, what and outcome, with "Load more" paging. */
export function AuditPage() {
  const [filters, setFilters] = useState<Filters>({ actor: '', action: '', outcome: '' });
  const [applied, setApplied] = useState<Filters>(filters);
  const [items, setItems] = useState<AuditRecord[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = async (from: string | null, f: Filters) => {
    setLoading(true);
    setError(null);
    try {
      const page = await get<{ items: AuditRecord[]; nextCursor: string | null }>('/audit', {
        actor: f.actor.trim() || undefined,
        action: f.action.trim() || undefined,
        outcome: f.outcome || undefined,
        limit: 100,
        cursor: from ?? undefined,
      });
      setItems((old) => (from ? [...old, ...page.items] : page.items));
      setCursor(page.nextCursor);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    load(null, applied);
  }, [applied]);

  const field = (k: keyof Filters) => (e: Event) =>
    setFilters({ ...filters, [k]: (e.target as HTMLInputElement).value });
  return html`<div class="page">
    <div class="page-head"><h1>Audit log</h1></div>
    <form class="toolbar" onSubmit=${(e: Event) => {
      e.preventDefault();
      setApplied(filters);
    }}>
      <label class="field inline"><span>Who</span><input value=${filters.actor} onInput=${field('actor')} placeholder="ldap:admin" /></label>
      <label class="field inline"><span>Action</span><input value=${filters.action} onInput=${field('action')} placeholder="auth.login" /></label>
      <label class="field inline"><span>Outcome</span>
        <select value=${filters.outcome} onChange=${field('outcome')}>
          <option value="">any</option><option>success</option><option>failure</option><option>denied</option><option>error</option>
        </select>
      </label>
      <button type="submit" class="btn">Filter</button>
    </form>
    ${error && html`<${ErrorBox} error=${new Error(error)} onRetry=${() => load(null, applied)} />`}
    ${items.length === 0 && !loading && !error && html`<${Empty}>No records.<//>`}
    ${
      items.length > 0 &&
      html`<div class="table-wrap"><table class="table">
      <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Outcome</th><th scope="col">From</th><th scope="col">Details</th></tr></thead>
      <tbody>
        ${items.map(
          (r) => html`<tr key=${r.id}>
            <td>${dateTime(toEpochSeconds(r.at))}</td>
            <td class="mono">${r.actor}</td>
            <td class="mono">${r.action}</td>
            <td>${r.target ?? ''}</td>
            <td><${Badge} value=${r.outcome} /></td>
            <td class="mono small">${r.address}</td>
            <td class="small details-cell">${r.details ? JSON.stringify(r.details) : ''}</td>
          </tr>`,
        )}
      </tbody>
    </table></div>`
    }
    ${loading && html`<${Loading} />`}
    ${cursor && !loading && html`<button type="button" class="btn" onClick=${() => load(cursor, applied)}>Load more</button>`}
  </div>`;
}
