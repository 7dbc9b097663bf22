import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get, post } from '../../api.ts';
import { Badge, Section } from '../../components/common.ts';
import { ConfirmDialog } from '../../components/dialog.ts';
import { errorText } from '../../hooks.ts';
import { count, dateTime } from '../../lib/format.ts';

interface PurgeJob {
  status: string;
  progress?: number | { done?: number; total?: number };
  removed?: Record<string, number>;
  dryRun?: boolean;
  dates?: number[];
  error?: string;
}

interface Request {
  before?: string | number;
  keep?: string;
}

/** Follows a purge job until it is no longer running. */
function useJob(jobId: string | null): { job: PurgeJob | null; error: string | null } {
  const [job, setJob] = useState<PurgeJob | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setJob(null);
    setError(null);
    if (!jobId) return;
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const j = await get<PurgeJob>(`/admin/purge/${encodeURIComponent(jobId)}`);
        if (stop) return;
        setJob(j);
        if (j.status === 'running' || j.status === 'queued' || j.status === 'pending') timer = setTimeout(poll, 1000);
      } catch (e) {
        if (!stop) setError(errorText(e));
      }
    };
    poll();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [jobId]);
  return { job, error };
}

function progressText(p: PurgeJob['progress']): string {
  if (typeof p === 'number') return `${Math.round(p * (p <= 1 ? 100 : 1))} %`;
  if (p && typeof p === 'object' && p.total) return `${count(p.done ?? 0)} of ${count(p.total)}`;
  return '';
}

function JobView(props: { job: PurgeJob }) {
  const j = props.job;
  const running = j.status === 'running' || j.status === 'queued' || j.status === 'pending';
  return html`<div class="task ${running ? 'running' : j.status === 'failed' ? 'bad' : 'ok'}" data-testid="purge-job">
    <div class="task-head">
      <strong>${j.dryRun ? 'Preview (dry run)' : 'Purge'}</strong>
      <${Badge} value=${j.status} />
      <span class="muted small">${progressText(j.progress)}</span>
    </div>
    ${running && html`<div class="progress indeterminate" aria-hidden="true"><span></span></div>`}
    ${j.error && html`<p class="error-text">${j.error}</p>`}
    ${
      j.dates &&
      html`<p>${j.dryRun ? 'Would remove' : 'Removed'} <strong>${count(j.dates.length)}</strong> snapshot${j.dates.length === 1 ? '' : 's'}${
        j.dates.length
          ? html`: ${j.dates.slice(0, 12).map(dateTime).join(', ')}${j.dates.length > 12 ? `, and ${count(j.dates.length - 12)} more` : ''}`
          : '.'
      }</p>`
    }
    ${
      j.removed &&
      Object.keys(j.removed).length > 0 &&
      html`<p class="small">${Object.entries(j.removed)
        .map(([k, v]) => `${k}: ${count(v)}`)
        .join(' · ')}</p>`
    }
  </div>`;
}

/** Purge old snapshots: always preview with a dry run first, then confirm the real run. */
export function PurgePage() {
  const [mode, setMode] = useState<'duration' | 'keep'>('duration');
  const [before, setBefore] = useState('180d');
  const [keep, setKeep] = useState('');
  const [previewId, setPreviewId] = useState<string | null>(null);
  const [runId, setRunId] = useState<string | null>(null);
  const [confirm, setConfirm] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const preview = useJob(previewId);
  const run = useJob(runId);
  const [previewed, setPreviewed] = useState<Request | null>(null);

  const request = (): Request =>
    mode === 'duration' ? { before: /^\d{10}$/.test(before) ? Number(before) : before.trim() } : { keep: keep.trim() };
  const start = async (dryRun: boolean) => {
    setError(null);
    const body = dryRun ? request() : previewed!;
    try {
      const r = await post<{ jobId: string }>('/admin/purge', { ...body, dryRun });
      if (dryRun) {
        setRunId(null);
        setPreviewed(body);
        setPreviewId(r.jobId);
      } else {
        setRunId(r.jobId);
      }
    } catch (e) {
      setError(errorText(e));
    }
  };
  const previewDone =
    preview.job &&
    preview.job.status !== 'running' &&
    preview.job.status !== 'queued' &&
    preview.job.status !== 'pending';
  const toRemove = preview.job?.dates?.length ?? 0;

  return html`<div class="page">
    <div class="page-head"><h1>Purge old snapshots</h1></div>
    <${Section} title="What to remove" id="h-purge">
      <form onSubmit=${(e: Event) => {
        e.preventDefault();
        start(true);
      }}>
        <fieldset class="radios">
          <legend>Remove</legend>
          <label class="check"><input type="radio" name="mode" checked=${mode === 'duration'} onChange=${() => setMode('duration')} /> <span>snapshots older than</span></label>
          <label class="check"><input type="radio" name="mode" checked=${mode === 'keep'} onChange=${() => setMode('keep')} /> <span>what a retention policy does not keep</span></label>
        </fieldset>
        ${
          mode === 'duration'
            ? html`<label class="field"><span>Older than (e.g. 90d, 12w, 6m) or a snapshot date</span>
              <input value=${before} onInput=${(e: Event) => setBefore((e.target as HTMLInputElement).value)} required data-testid="purge-before" /></label>`
            : html`<label class="field"><span>Retention policy</span>
              <input value=${keep} onInput=${(e: Event) => setKeep((e.target as HTMLInputElement).value)} placeholder="e.g. all:7d,hourly:30d,daily:365d" required /></label>`
        }
        <div class="btn-row">
          <button type="submit" class="btn primary">Preview (dry run)</button>
        </div>
      </form>
      ${error && html`<p class="error-text" role="alert">${error}</p>`}
      ${preview.error && html`<p class="error-text" role="alert">${preview.error}</p>`}
      ${preview.job && html`<${JobView} job=${preview.job} />`}
      ${
        previewDone &&
        !runId &&
        preview.job?.status !== 'failed' &&
        html`<div class="btn-row">
        <button type="button" class="btn primary danger" disabled=${toRemove === 0} onClick=${() => setConfirm(true)}>
          Purge ${count(toRemove)} snapshot${toRemove === 1 ? '' : 's'}…
        </button>
      </div>`
      }
      ${run.error && html`<p class="error-text" role="alert">${run.error}</p>`}
      ${run.job && html`<${JobView} job=${run.job} />`}
    <//>
    ${
      confirm &&
      html`<${ConfirmDialog}
      title="Purge snapshots?"
      confirmLabel="Purge"
      danger
      onConfirm=${() => {
        setConfirm(false);
        start(false);
      }}
      onCancel=${() => setConfirm(false)}
    >
      <p>This removes <strong>${count(toRemove)}</strong> snapshots and everything recorded in them. It cannot be undone.</p>
    <//>`
    }
  </div>`;
}
