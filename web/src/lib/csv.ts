/**
 * CSV as RFC 4180 describes it: CRLF between records, a field quoted when it holds a comma, a quote, CR or LF,
 * quotes doubled inside. A text field that a spreadsheet would run as a formula (=, +, -, @, tab, CR first)
 * gets a leading apostrophe, so opening an export never executes text that came from a guest's name or notes.
 */

export function csvText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(csvText).join('; ');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function csvCell(value: unknown): string {
  let text = csvText(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text) && !/^[+-]?\d+(\.\d+)?$/.test(text)) {
    text = `'${text}`;
  }
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(headers: readonly string[], rows: Iterable<readonly unknown[]>): string {
  const lines = [headers.map(csvCell).join(',')];
  for (const row of rows) lines.push(row.map(csvCell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
