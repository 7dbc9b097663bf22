import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../../web/src/lib/csv.ts';

describe('CSV export', () => {
  it('quotes only what needs quoting and doubles quotes', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\rhere')).toBe('"cr\rhere"');
    expect(csvCell(42)).toBe('42');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(['prod', 'web'])).toBe('prod; web');
  });

  it('defuses spreadsheet formulas from text but keeps signed numbers', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('-5')).toBe('-5');
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell('+1.5')).toBe('+1.5');
  });

  it('writes a header and CRLF-separated records', () => {
    expect(
      toCsv(
        ['name', 'notes'],
        [
          ['web', '<script>alert(1)</script>'],
          ['db, primary', 'x'],
        ],
      ),
    ).toBe('name,notes\r\nweb,<script>alert(1)</script>\r\n"db, primary",x\r\n');
  });
});
