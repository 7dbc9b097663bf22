/** CSV (RFC 4180) cells and lines, safe to open in a spreadsheet. */

/** Cells a spreadsheet would read as a formula start with one of these (also tab and carriage return). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One field: a text that a spreadsheet would evaluate (=, +, -, @, tab, CR first) gets a leading `'`, then any
 * field holding a comma, quote, CR or LF is quoted with inner quotes doubled. Numbers are written as they are
 * (a negative number is data, not a formula).
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let text = typeof value === 'string' ? value : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record, CRLF-terminated as RFC 4180 says. */
export function csvLine(values: readonly unknown[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
