/** What a report is, independent of its output format: metadata, sections of streamed rows, a summary. */

export type Cell = string | number | boolean | null | undefined;
export type Row = Record<string, Cell>;

/**
 * How a column's raw value is shown. CSV and JSON keep raw values (bytes as integers, ratios as fractions), except
 * that CSV writes `date` columns (epoch seconds) as ISO 8601; HTML and Markdown format them for people.
 */
export type ColumnKind = 'text' | 'int' | 'number' | 'bytes' | 'date' | 'hours' | 'ratio' | 'bool';

export interface Column {
  key: string;
  label: string;
  kind?: ColumnKind;
}

export interface Section {
  /** the CSV `object_type` when a report has several sections, and the JSON key */
  id: string;
  title: string;
  columns: Column[];
  rows: AsyncIterable<Row> | Iterable<Row>;
  note?: string;
  /** rows to highlight in HTML (e.g. a guest without a recent backup) */
  flag?: (row: Row) => boolean;
  /** a row count known in advance, for progress bars */
  expectedRows?: number;
}

export interface Summary {
  facts: [string, Cell][];
  /** inline SVG, HTML only */
  charts: string[];
}

export interface Report {
  kind: string;
  title: string;
  meta: [string, Cell][];
  sections: Section[];
  /** called after every section has streamed, so it can use totals gathered on the way */
  summary?: () => Summary | Promise<Summary>;
}

export class ReportError extends Error {
  override name = 'ReportError';
  constructor(
    readonly code: 'BAD_DATE' | 'NO_SNAPSHOT' | 'UNKNOWN_CLUSTER' | 'BAD_ARGUMENT',
    message: string,
  ) {
    super(message);
  }
}
