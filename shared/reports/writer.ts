/**
 * Streams a Report to a Writable in csv, json, html or md, row by row with backpressure: memory stays constant
 * whatever the number of rows.
 */
import type { Writable } from 'node:stream';
import { csvLine } from './csv.ts';
import { formatBytes, formatHours, formatPercent, isoDate } from './format.ts';
import { escapeHtml, htmlEnd, htmlStart } from './html.ts';
import { mdCell, mdRow } from './markdown.ts';
import type { Cell, Column, Report, Row, Section } from './model.ts';

export const REPORT_FORMATS = ['csv', 'json', 'html', 'md'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Buffers small writes and waits for 'drain' when the stream says so. */
class Sink {
  private buffer = '';
  constructor(private readonly out: Writable) {}

  async write(text: string): Promise<void> {
    this.buffer += text;
    if (this.buffer.length >= 64 * 1024) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.buffer) return;
    const chunk = this.buffer;
    this.buffer = '';
    if (!this.out.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const onError = (e: Error) => {
          this.out.off('drain', onDrain);
          reject(e);
        };
        const onDrain = () => {
          this.out.off('error', onError);
          resolve();
        };
        this.out.once('drain', onDrain);
        this.out.once('error', onError);
      });
    }
  }
}

function human(value: Cell, column: Column): string {
  if (value === null || value === undefined || value === '') return '';
  if (typeof value === 'number') {
    switch (column.kind) {
      case 'bytes':
        return formatBytes(value);
      case 'date':
        return isoDate(value);
      case 'hours':
        return formatHours(value);
      case 'ratio':
        return formatPercent(value);
      default:
        return String(value);
    }
  }
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return value;
}

function machineCsv(value: Cell, column: Column): Cell {
  return column.kind === 'date' && typeof value === 'number' ? isoDate(value) : value;
}

const NUMERIC = new Set(['int', 'number', 'bytes', 'hours', 'ratio']);

export interface WriteReportHooks {
  /** called after each row with the section and the rows written so far in it */
  onRow?: (section: Section, rowsInSection: number) => void;
  onSection?: (section: Section) => void;
}

export async function writeReport(
  report: Report,
  format: ReportFormat,
  out: Writable,
  hooks: WriteReportHooks = {},
): Promise<{ rows: Record<string, number> }> {
  const sink = new Sink(out);
  const counts: Record<string, number> = {};
  const eachRow = async (section: Section, fn: (row: Row) => Promise<void>) => {
    hooks.onSection?.(section);
    let n = 0;
    for await (const row of section.rows) {
      await fn(row);
      n++;
      hooks.onRow?.(section, n);
    }
    counts[section.id] = n;
  };

  if (format === 'csv') {
    const multi = report.sections.length > 1;
    const columns: Column[] = [];
    for (const s of report.sections)
      for (const c of s.columns) if (!columns.some((x) => x.key === c.key)) columns.push(c);
    await sink.write(csvLine([...(multi ? ['object_type'] : []), ...columns.map((c) => c.key)]));
    for (const section of report.sections) {
      await eachRow(section, (row) =>
        sink.write(csvLine([...(multi ? [section.id] : []), ...columns.map((c) => machineCsv(row[c.key], c))])),
      );
    }
  } else if (format === 'json') {
    const meta = Object.fromEntries(report.meta);
    await sink.write(
      `{"report":${JSON.stringify(report.kind)},"title":${JSON.stringify(report.title)},"meta":${JSON.stringify(meta)},"sections":{`,
    );
    for (const [i, section] of report.sections.entries()) {
      await sink.write(`${i ? ',' : ''}\n${JSON.stringify(section.id)}:[`);
      let first = true;
      await eachRow(section, async (row) => {
        const picked = Object.fromEntries(section.columns.map((c) => [c.key, row[c.key] ?? null]));
        await sink.write(`${first ? '\n' : ',\n'}${JSON.stringify(picked)}`);
        first = false;
      });
      await sink.write(']');
    }
    const summary = await report.summary?.();
    await sink.write(`\n},"summary":${JSON.stringify(Object.fromEntries(summary?.facts ?? []))}}\n`);
  } else if (format === 'html') {
    await sink.write(htmlStart(report.title, report.meta));
    for (const section of report.sections) {
      await sink.write(`<section id="${escapeHtml(section.id)}"><h2>${escapeHtml(section.title)}</h2>\n`);
      if (section.note) await sink.write(`<p class="note">${escapeHtml(section.note)}</p>\n`);
      await sink.write(
        `<table><thead><tr>${section.columns.map((c) => `<th>${escapeHtml(c.label)}</th>`).join('')}</tr></thead><tbody>\n`,
      );
      await eachRow(section, (row) => {
        const cells = section.columns.map((c) => {
          const value = row[c.key];
          const numeric = NUMERIC.has(c.kind ?? 'text');
          const title = c.kind === 'bytes' && typeof value === 'number' ? ` title="${value} bytes"` : '';
          const cls = numeric ? ' class="n"' : c.kind === 'date' || c.key === 'id' ? ' class="d"' : '';
          return `<td${cls}${title}>${escapeHtml(human(value, c))}</td>`;
        });
        return sink.write(`<tr${section.flag?.(row) ? ' class="bad"' : ''}>${cells.join('')}</tr>\n`);
      });
      await sink.write(`</tbody></table><p class="note">${counts[section.id]} rows</p></section>\n`);
    }
    const summary = await report.summary?.();
    if (summary) {
      await sink.write('<section class="summary"><h2>Summary</h2><dl class="meta">');
      for (const [k, v] of summary.facts) await sink.write(`<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`);
      await sink.write(`</dl><div class="charts">${summary.charts.join('\n')}</div></section>\n`);
    }
    await sink.write(htmlEnd());
  } else {
    await sink.write(`# ${mdCell(report.title)}\n\n`);
    for (const [k, v] of report.meta) await sink.write(`- **${mdCell(k)}**: ${mdCell(v)}\n`);
    for (const section of report.sections) {
      await sink.write(`\n## ${mdCell(section.title)}\n\n`);
      if (section.note) await sink.write(`${mdCell(section.note)}\n\n`);
      await sink.write(mdRow(section.columns.map((c) => c.label)));
      await sink.write(
        `|${section.columns.map((c) => (NUMERIC.has(c.kind ?? 'text') ? ' ---: ' : ' --- ')).join('|')}|\n`,
      );
      await eachRow(section, (row) => sink.write(mdRow(section.columns.map((c) => human(row[c.key], c)))));
      await sink.write(`\n${counts[section.id]} rows\n`);
    }
    const summary = await report.summary?.();
    if (summary?.facts.length) {
      await sink.write('\n## Summary\n\n');
      for (const [k, v] of summary.facts) await sink.write(`- **${mdCell(k)}**: ${mdCell(v)}\n`);
    }
  }
  await sink.flush();
  return { rows: counts };
}
