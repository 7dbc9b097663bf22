import { html } from 'htm/preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ErrorBox } from '../components/common.ts';
import { VirtualTable } from '../components/virtual-table.ts';
import { useView } from '../hooks.ts';
import { useInventory } from '../inventory-loader.ts';
import { toCsv } from '../lib/csv.ts';
import { count, dateTime } from '../lib/format.ts';
import { csvHeader, csvValue, type KindDef, visibleColumns } from '../lib/kinds.ts';
import { compileSearch, warmSearch } from '../lib/search.ts';
import { sortRows } from '../lib/sort.ts';

const colsKey = (kind: KindDef) => `strata.cols.${kind.id}`;

function storedCols(kind: KindDef): string[] | null {
  try {
    const v = localStorage.getItem(colsKey(kind));
    return v ? v.split(',').filter(Boolean) : null;
  } catch {
    return null;
  }
}

function download(name: string, text: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * One inventory table (guests, nodes, storages, disks, backups) at the chosen date and clusters. The whole set
 * is loaded once; search, sort and columns then work on it in the browser, so every keystroke filters at once.
 * The search, the sort and the columns are in the URL.
 */
export function InventoryPage(props: { kind: KindDef }) {
  const { kind } = props;
  const [view, setView] = useView();
  const inv = useInventory(kind, view.date, view.clusters);
  const [q, setQ] = useState(view.q);
  const written = useRef(view.q);

  // A new URL (back button, shared link) sets the box; typing writes the URL a moment later.
  useEffect(() => {
    if (view.q !== written.current) {
      written.current = view.q;
      setQ(view.q);
    }
  }, [view.q]);
  useEffect(() => {
    const t = setTimeout(() => {
      const normal = q.trim() ? q : '';
      if (normal !== written.current) {
        written.current = normal;
        setView({ q: normal }, { replace: true });
      }
    }, 300);
    return () => clearTimeout(t);
  }, [q]);

  const sortKey = view.sort && kind.columns.some((c) => c.key === view.sort) ? view.sort : kind.defaultSort;
  const chosen = view.cols ?? storedCols(kind);
  const columns = useMemo(() => visibleColumns(kind, chosen), [kind, chosen?.join(',')]);
  const sortCol = kind.columns.find((c) => c.key === sortKey) ?? kind.columns[0]!;
  const sorted = useMemo(() => sortRows(inv.rows, sortCol.value, view.order), [inv.rows, sortCol, view.order]);
  const search = useMemo(() => compileSearch(q, kind.search), [q, kind]);
  // Once every row is in, read the searchable values of each row while the browser is idle.
  useEffect(() => {
    if (!inv.done || inv.rows.length === 0) return;
    const idle = window.requestIdleCallback ?? ((fn: () => void) => setTimeout(fn, 50));
    const cancel = window.cancelIdleCallback ?? clearTimeout;
    const id = idle(() => warmSearch(inv.rows, kind.search));
    return () => cancel(id as number);
  }, [inv.done, inv.rows, kind]);
  const rows = useMemo(() => sorted.filter(search.test), [sorted, search]);

  const onSort = (key: string) =>
    setView({ sort: key, order: key === sortKey && view.order === 'asc' ? 'desc' : 'asc' }, { replace: true });
  const setColumns = (keys: string[]) => {
    try {
      localStorage.setItem(colsKey(kind), keys.join(','));
    } catch {
      // not remembered
    }
    setView({ cols: keys }, { replace: true });
  };
  const toggleColumn = (key: string) => {
    const current = columns.map((c) => c.key);
    const next = current.includes(key)
      ? current.filter((k) => k !== key)
      : kind.columns.map((c) => c.key).filter((k) => k === key || current.includes(k));
    if (next.length) setColumns(next);
  };
  const exportCsv = () => {
    const text = toCsv(
      columns.map(csvHeader),
      rows.map((r) => columns.map((c) => csvValue(c, r))),
    );
    download(`strata-${kind.id}-${inv.date ?? 'latest'}.csv`, text, 'text/csv;charset=utf-8');
  };

  const loaded = inv.rows.length;
  const status = inv.error
    ? ''
    : !inv.done
      ? `Loading ${count(loaded)}${inv.total !== null ? ` of ${count(inv.total)}` : ''}…`
      : '';
  return html`<div class="page inventory">
    <div class="page-head">
      <h1>${kind.title}</h1>
      <p class="muted small">${inv.date ? `Snapshot of ${dateTime(inv.date)}` : ''}</p>
    </div>
    <div class="toolbar" role="search">
      <label class="search">
        <span class="sr-only">Search ${kind.title.toLowerCase()}</span>
        <input
          type="search"
          value=${q}
          placeholder=${kind.example}
          onInput=${(e: Event) => setQ((e.target as HTMLInputElement).value)}
          aria-describedby="search-help"
          aria-invalid=${search.error ? 'true' : undefined}
          spellcheck=${false}
          autocomplete="off"
          data-testid="search"
        />
      </label>
      <span class="count" aria-live="polite" data-testid="row-count" data-rows=${rows.length} data-loaded=${inv.done ? 'true' : 'false'}>
        ${count(rows.length)} of ${count(inv.total ?? loaded)} ${kind.title.toLowerCase()}
      </span>
      <details class="menu">
        <summary class="btn">Columns</summary>
        <div class="menu-body checklist" role="group" aria-label="Columns">
          ${kind.columns.map(
            (c) => html`<label class="check" key=${c.key}>
              <input type="checkbox" checked=${columns.some((x) => x.key === c.key)} onChange=${() => toggleColumn(c.key)} />
              <span>${c.label}</span>
            </label>`,
          )}
          <button type="button" class="link-btn small" onClick=${() => setColumns(kind.columns.filter((c) => c.default).map((c) => c.key))}>
            Default columns
          </button>
        </div>
      </details>
      <button type="button" class="btn" onClick=${exportCsv} disabled=${rows.length === 0}>Export CSV</button>
    </div>
    <p id="search-help" class=${search.error ? 'error-text small' : 'muted small'}>
      ${
        search.error ??
        html`Search: ${kind.search.fields.map((f) => html`<code key=${f.key}>${f.key}:</code> `)} free text,
        <code>-</code> to negate, <code>a,b</code> for either, <code>*</code> as a wildcard.`
      }
    </p>
    ${status && html`<p class="muted small" role="status">${status}</p>`}
    <${ErrorBox} error=${inv.error} onRetry=${inv.reload} />
    <${VirtualTable}
      label=${kind.title}
      rows=${rows}
      columns=${columns}
      sort=${sortKey}
      order=${view.order}
      onSort=${onSort}
      rowKey=${kind.rowKey}
      resetKey=${`${q}|${view.date}|${view.clusters.join(',')}|${sortKey}|${view.order}`}
    />
    ${inv.done && !inv.error && rows.length === 0 && html`<p class="empty">${loaded ? 'Nothing matches this search.' : `No ${kind.title.toLowerCase()} in this snapshot.`}</p>`}
  </div>`;
}
