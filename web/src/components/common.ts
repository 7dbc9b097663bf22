import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { errorText } from '../hooks.ts';

/** Small building blocks shared by pages. Everything from the API is rendered as text (preact escapes it). */

export function ErrorBox(props: { error: unknown; onRetry?: () => void }) {
  if (!props.error) return null;
  return html`<div class="error-box" role="alert">
    <span>${errorText(props.error)}</span>
    ${props.onRetry && html`<button type="button" class="btn small" onClick=${props.onRetry}>Retry</button>`}
  </div>`;
}

export function Loading(props: { text?: string }) {
  return html`<div class="loading" role="status"><span class="spinner" aria-hidden="true"></span>${props.text ?? 'Loading…'}</div>`;
}

const STATUS_TONE: Record<string, string> = {
  running: 'ok',
  online: 'ok',
  available: 'ok',
  complete: 'ok',
  ok: 'ok',
  success: 'ok',
  stopped: 'muted',
  paused: 'warn',
  suspended: 'warn',
  prelaunch: 'warn',
  partial: 'warn',
  offline: 'bad',
  failed: 'bad',
  failure: 'bad',
  error: 'bad',
  unknown: 'warn',
  denied: 'bad',
};

export function Badge(props: { value: unknown; tone?: string }) {
  const text = props.value === null || props.value === undefined ? '' : String(props.value);
  if (!text) return null;
  const tone = props.tone ?? STATUS_TONE[text.toLowerCase()] ?? 'muted';
  return html`<span class=${`badge ${tone}`}>${text}</span>`;
}

export function Section(props: {
  title: string;
  children?: ComponentChildren;
  actions?: ComponentChildren;
  id?: string;
}) {
  return html`<section class="panel" aria-labelledby=${props.id}>
    <header class="panel-head">
      <h2 id=${props.id}>${props.title}</h2>
      ${props.actions && html`<div class="panel-actions">${props.actions}</div>`}
    </header>
    ${props.children}
  </section>`;
}

/** A two-column list of names and values; values are text. */
export function KeyValues(props: { items: [string, unknown][] }) {
  return html`<dl class="kv">
    ${props.items
      .filter(([, v]) => v !== undefined && v !== null && v !== '')
      .map(
        ([k, v]) =>
          html`<div class="kv-row"><dt>${k}</dt><dd>${typeof v === 'object' ? JSON.stringify(v) : String(v)}</dd></div>`,
      )}
  </dl>`;
}

/** A horizontal usage bar (fraction 0..1) with its percentage as text. */
export function UsageBar(props: { fraction: number | null; label?: string }) {
  const f = props.fraction;
  if (f === null || !Number.isFinite(f)) return null;
  const pct = Math.max(0, Math.min(1, f)) * 100;
  const tone = f >= 0.9 ? 'bad' : f >= 0.75 ? 'warn' : 'ok';
  return html`<span class="usage" title=${props.label}>
    <span class="usage-track"><span class=${`usage-fill ${tone}`} style=${{ width: `${pct}%` }}></span></span>
    <span class="usage-text">${pct.toFixed(0)} %</span>
  </span>`;
}

export function Empty(props: { children?: ComponentChildren }) {
  return html`<p class="empty">${props.children}</p>`;
}
