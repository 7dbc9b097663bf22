/** Markdown table cells: one line, pipes and markup characters escaped, HTML neutralised. */
export function mdCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  return String(value)
    .replace(/\r?\n|\r/g, ' ')
    .replace(/([\\|`*_[\]<>#])/g, '\\$1');
}

export function mdRow(values: readonly unknown[]): string {
  return `| ${values.map(mdCell).join(' | ')} |\n`;
}
