/** Escaping and the fixed parts of a self-contained HTML report (no external assets, no scripts). */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

const STYLE = `
:root{color-scheme:light;--fg:#1d2733;--muted:#5b6776;--line:#d9dee5;--head:#f1f4f8;--accent:#2f6fb2}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);margin:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
main{display:flex;flex-direction:column}.summary{order:-1}
dl.meta{display:grid;grid-template-columns:max-content auto;gap:2px 14px;margin:8px 0 0;color:var(--muted)}
dl.meta dt{font-weight:600}dl.meta dd{margin:0}
table{border-collapse:collapse;margin:6px 0 12px;font-variant-numeric:tabular-nums}
th,td{border:1px solid var(--line);padding:3px 7px;text-align:left;vertical-align:top}
th{background:var(--head);position:sticky;top:0}td.n{text-align:right;white-space:nowrap}td.d{white-space:nowrap}
tr.bad td{background:#fff1f0}.charts{display:flex;flex-wrap:wrap;gap:18px;margin-top:14px}
figure{margin:0}figcaption{font-weight:600;margin-bottom:4px}.note{color:var(--muted)}
`;

export function htmlStart(title: string, meta: readonly (readonly [string, unknown])[]): string {
  const rows = meta.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('');
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>\n` +
    `<header><h1>${escapeHtml(title)}</h1><dl class="meta">${rows}</dl></header>\n<main>\n`
  );
}

export function htmlEnd(): string {
  return '</main>\n</body></html>\n';
}
