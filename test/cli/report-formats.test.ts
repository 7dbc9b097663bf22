import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { csvCell, csvLine } from '../../shared/reports/csv.ts';
import { pickDate } from '../../shared/reports/dates.ts';
import { escapeHtml } from '../../shared/reports/html.ts';
import { daysToFull, linearFit } from '../../shared/reports/linear-fit.ts';
import { mdCell } from '../../shared/reports/markdown.ts';
import type { Report, Row } from '../../shared/reports/model.ts';
import { type ReportFormat, writeReport } from '../../shared/reports/writer.ts';
import { parseCsv } from './csv-parse.ts';

async function render(report: Report, format: ReportFormat): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await writeReport(report, format, out);
  out.end();
  return Buffer.concat(chunks).toString('utf8');
}

const hostile = '=HYPERLINK("http://evil","x"), <script>alert(1)</script> | *bold*\nsecond line';

function fixture(rowCount = 2): Report {
  async function* guests(): AsyncGenerator<Row> {
    for (let i = 0; i < rowCount; i++) {
      yield {
        id: `c1/${100 + i}`,
        name: i === 0 ? hostile : `vm-${i}`,
        memory_bytes: 2 * 1024 ** 3,
        seen: 1767225600,
        ok: i % 2 === 0,
        ratio: 1.5,
        neg: -3,
      };
    }
  }
  return {
    kind: 'test',
    title: 'Test <report> & co',
    meta: [['snapshot', '1767225600 "quoted"']],
    sections: [
      {
        id: 'guest',
        title: 'Guests',
        columns: [
          { key: 'id', label: 'ID' },
          { key: 'name', label: 'Name' },
          { key: 'memory_bytes', label: 'Memory', kind: 'bytes' },
          { key: 'seen', label: 'Seen', kind: 'date' },
          { key: 'ok', label: 'OK', kind: 'bool' },
          { key: 'ratio', label: 'Ratio', kind: 'ratio' },
          { key: 'neg', label: 'Neg', kind: 'int' },
        ],
        rows: guests(),
        flag: (r) => r.ok === false,
      },
      {
        id: 'volume',
        title: 'Volumes',
        columns: [
          { key: 'id', label: 'ID' },
          { key: 'size', label: 'Size', kind: 'bytes' },
        ],
        rows: [{ id: 'c1/local:vm-1-disk-0', size: 10 }],
      },
    ],
    summary: () => ({
      facts: [['guests', rowCount]],
      charts: ['<figure><svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg></figure>'],
    }),
  };
}

describe('CSV cells', () => {
  it.each([
    ['=1+2', "'=1+2"],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['plain', 'plain'],
  ])('%j → %j', (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  it('writes numbers as numbers, nothing for null, CRLF line ends', () => {
    expect(csvLine([-5, 1.5, null, undefined, true])).toBe('-5,1.5,,,true\r\n');
    expect(csvCell(Number.NaN)).toBe('');
  });
});

describe('report writer', () => {
  it('CSV: one header, an object_type column for several sections, values that read back exactly', async () => {
    const text = await render(fixture(), 'csv');
    const rows = parseCsv(text);
    expect(rows[0]).toEqual(['object_type', 'id', 'name', 'memory_bytes', 'seen', 'ok', 'ratio', 'neg', 'size']);
    expect(rows).toHaveLength(4);
    expect(rows[1]).toEqual([
      'guest',
      'c1/100',
      `'${hostile}`,
      '2147483648',
      '2026-01-01T00:00:00Z',
      'true',
      '1.5',
      '-3',
      '',
    ]);
    expect(rows[3]).toEqual(['volume', 'c1/local:vm-1-disk-0', '', '', '', '', '', '', '10']);
    expect(text.endsWith('\r\n')).toBe(true);
  });

  it('JSON: a valid document with raw values per section and the summary', async () => {
    const parsed = JSON.parse(await render(fixture(), 'json'));
    expect(parsed.report).toBe('test');
    expect(parsed.sections.guest).toHaveLength(2);
    expect(parsed.sections.guest[0]).toEqual({
      id: 'c1/100',
      name: hostile,
      memory_bytes: 2147483648,
      seen: 1767225600,
      ok: true,
      ratio: 1.5,
      neg: -3,
    });
    expect(parsed.sections.volume).toEqual([{ id: 'c1/local:vm-1-disk-0', size: 10 }]);
    expect(parsed.summary).toEqual({ guests: 2 });
    const empty = JSON.parse(await render(fixture(0), 'json'));
    expect(empty.sections.guest).toEqual([]);
  });

  it('HTML: self-contained, escaped, charts inline, rows flagged', async () => {
    const html = await render(fixture(), 'html');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<title>Test &lt;report&gt; &amp; co</title>');
    expect(html).toContain('1767225600 &quot;quoted&quot;');
    expect(html).not.toMatch(/<(link|img|script)\b/i);
    expect(html).not.toMatch(/(src|href)=["']?https?:/i);
    expect(html).toContain('<svg xmlns="http://www.w3.org/2000/svg">');
    expect(html).toContain('<td class="n" title="2147483648 bytes">2.0 GiB</td>');
    expect(html).toContain('2026-01-01T00:00:00Z');
    expect(html).toContain('150 %');
    expect(html.match(/<tr class="bad">/g)).toHaveLength(1);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
  });

  it('Markdown: one table per section, cells on one line with pipes escaped', async () => {
    const md = await render(fixture(), 'md');
    expect(md).toContain('# Test \\<report\\> & co');
    const line = md.split('\n').find((l) => l.startsWith('| c1/100'))!;
    expect(line).toContain('\\| \\*bold\\* second line');
    expect(line.split(/(?<!\\)\|/).length - 2).toBe(7);
    expect(md).toContain('| ID | Size |');
    expect(mdCell('a|b')).toBe('a\\|b');
  });

  it('streams many rows with backpressure and stays valid', async () => {
    const report = fixture(20000);
    const out = new PassThrough({ highWaterMark: 1024 });
    let bytes = 0;
    out.on('data', (c: Buffer) => {
      bytes += c.length;
    });
    const { rows } = await writeReport(report, 'csv', out);
    expect(rows.guest).toBe(20000);
    expect(bytes).toBeGreaterThan(20000 * 40);
  });

  it('escapes HTML attribute and text characters', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
});

describe('days to full', () => {
  it('fits a line and divides free space by the growth', () => {
    const day = 86400;
    const samples: [number, number][] = [0, 1, 2, 3, 4].map((i) => [1000 + i * day, 100 + i * 10]);
    expect(linearFit(samples)!.slope * day).toBeCloseTo(10);
    const r = daysToFull(samples, 1000, 140);
    expect(r.bytesPerDay).toBeCloseTo(10);
    expect(r.days).toBeCloseTo(86);
  });

  it('has no estimate for one sample or a shrinking storage', () => {
    expect(daysToFull([[1, 5]], 100, 5).days).toBeUndefined();
    expect(
      daysToFull(
        [
          [0, 50],
          [86400, 40],
        ],
        100,
        40,
      ).days,
    ).toBeUndefined();
  });
});

describe('report dates', () => {
  const dates = [1000, 2000, 86400 * 20000 + 5, 86400 * 20001 + 7];
  it('resolves last, exact dates, ISO dates and durations', () => {
    expect(pickDate('last', dates)).toBe(86400 * 20001 + 7);
    expect(pickDate('2000', dates)).toBe(2000);
    // 20000 days after the epoch is 2024-10-04: the newest snapshot of that UTC day
    expect(pickDate('2024-10-04', dates)).toBe(86400 * 20000 + 5);
    expect(pickDate('2024-10-04T00:00:04Z', dates)).toBe(2000);
    expect(pickDate('1d', dates, 86400 * 20001 + 7)).toBe(86400 * 20000 + 5);
  });

  it.each([
    ['1500', /No readable snapshot has date 1500/],
    ['1969-01-01', /No readable snapshot at or before/],
    ['soon', /is not a snapshot date/],
  ])('refuses %j', (spec, message) => {
    expect(() => pickDate(spec, dates)).toThrowError(message);
  });

  it('says so when there is no snapshot at all', () => {
    expect(() => pickDate('last', [])).toThrowError(/no readable snapshot yet/);
  });
});
