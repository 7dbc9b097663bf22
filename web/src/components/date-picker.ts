import { html } from 'htm/preact';
import { useMemo, useState } from 'preact/hooks';
import { useApi } from '../hooks.ts';
import { monthGrid, monthKey, monthTitle, shiftMonth } from '../lib/calendar.ts';
import { dateTime, dayKey, timeOfDay } from '../lib/format.ts';
import type { SnapshotDate } from '../lib/url-state.ts';
import { Popover } from './popover.ts';

interface CalendarAnswer {
  month: string;
  days: Record<string, number[]>;
}

export function useLatestDate(): number | null {
  const r = useApi<unknown>('/static/dates/last');
  // HyperProxmox's envelope: {result: "OK", value: <date>}.
  const v = r.data && typeof r.data === 'object' ? (r.data as { value?: unknown }).value : r.data;
  return typeof v === 'number' ? v : null;
}

function monthOf(epoch: number): string {
  const d = new Date(epoch * 1000);
  return monthKey(d.getFullYear(), d.getMonth());
}

/**
 * The date control: a calendar of the published snapshots (days that have one can be picked), then the times
 * of that day. "Latest" follows the newest snapshot. Thousands of snapshots stay one click per level away.
 */
export function DatePicker(props: {
  value: SnapshotDate;
  onChange: (d: SnapshotDate) => void;
  latest: number | null;
  label?: string;
  allowLatest?: boolean;
  id?: string;
}) {
  const [open, setOpen] = useState(false);
  const anchor = props.value === 'last' ? (props.latest ?? Date.now() / 1000) : props.value;
  const [month, setMonth] = useState(() => monthOf(anchor));
  const [day, setDay] = useState<string | null>(props.value === 'last' ? null : dayKey(props.value));
  const cal = useApi<CalendarAnswer>(open ? '/snapshots/calendar' : null, { month });

  // The API groups by its own calendar; regroup by the viewer's local day so times and days agree.
  const byDay = useMemo(() => {
    const out = new Map<string, number[]>();
    for (const dates of Object.values(cal.data?.days ?? {}))
      for (const d of dates) {
        const k = dayKey(d);
        if (!out.has(k)) out.set(k, []);
        out.get(k)!.push(d);
      }
    for (const list of out.values()) list.sort((a, b) => a - b);
    return out;
  }, [cal.data]);

  const choose = (d: SnapshotDate) => {
    props.onChange(d);
    setOpen(false);
  };
  const current =
    props.value === 'last' ? `Latest${props.latest ? ` · ${dateTime(props.latest)}` : ''}` : dateTime(props.value);
  const toggle = () => {
    if (!open) {
      setMonth(monthOf(anchor));
      setDay(props.value === 'last' ? null : dayKey(props.value));
    }
    setOpen(!open);
  };
  const times = day ? (byDay.get(day) ?? []) : [];

  return html`<${Popover}
    open=${open}
    onClose=${() => setOpen(false)}
    label=${props.label ?? 'Snapshot date'}
    button=${html`<button
      type="button"
      class="btn picker popover-anchor"
      id=${props.id}
      aria-haspopup="dialog"
      aria-expanded=${open}
      onClick=${toggle}
      data-testid="date-picker"
    >
      <span class="picker-label">${props.label ?? 'Date'}</span>
      <span class="picker-value">${current}</span>
    </button>`}
  >
    <div class="calendar">
      ${
        props.allowLatest !== false &&
        html`<button type="button" class="btn small primary" onClick=${() => choose('last')}>Latest snapshot</button>`
      }
      <div class="cal-head">
        <button type="button" class="btn small" aria-label="Previous month" onClick=${() => setMonth(shiftMonth(month, -1))}>‹</button>
        <strong aria-live="polite">${monthTitle(month)}</strong>
        <button type="button" class="btn small" aria-label="Next month" onClick=${() => setMonth(shiftMonth(month, 1))}>›</button>
      </div>
      <table class="cal-grid" role="grid">
        <thead><tr>${['Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa', 'Su'].map((d) => html`<th scope="col">${d}</th>`)}</tr></thead>
        <tbody>
          ${monthGrid(month).map(
            (week) => html`<tr>
              ${week.map((d) => {
                const has = d.inMonth && byDay.has(d.key);
                const n = byDay.get(d.key)?.length ?? 0;
                return html`<td>
                  <button
                    type="button"
                    class=${`cal-day ${has ? 'has' : ''} ${day === d.key ? 'selected' : ''} ${d.inMonth ? '' : 'out'}`}
                    disabled=${!has}
                    aria-pressed=${day === d.key}
                    aria-label=${`${d.key}${has ? `, ${n} snapshot${n === 1 ? '' : 's'}` : ', no snapshot'}`}
                    data-day=${d.key}
                    onClick=${() => (n === 1 ? choose(byDay.get(d.key)![0]!) : setDay(d.key))}
                  >
                    ${d.day}
                  </button>
                </td>`;
              })}
            </tr>`,
          )}
        </tbody>
      </table>
      ${cal.loading && html`<p class="muted small">Loading snapshots…</p>`}
      ${cal.error && html`<p class="error-text small">${String(cal.error.message)}</p>`}
      ${!cal.loading && !cal.error && byDay.size === 0 && html`<p class="muted small">No snapshot in this month.</p>`}
      ${
        day &&
        html`<div class="cal-times" role="group" aria-label=${`Snapshots of ${day}`}>
        ${times.map(
          (t) => html`<button
            type="button"
            class=${`btn small ${props.value === t ? 'primary' : ''}`}
            onClick=${() => choose(t)}
            data-date=${t}
          >
            ${timeOfDay(t)}
          </button>`,
        )}
      </div>`
      }
    </div>
  <//>`;
}
