import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CSV_COLUMNS, csvCell, csvHeader } from './csv';

describe('csv', () => {
  it('quotes per RFC 4180', () => {
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('two\nlines'), '"two\nlines"');
    assert.equal(csvCell(null), '');
    assert.equal(csvCell(12.5), '12.5');
  });

  it('neutralizes spreadsheet formulas', () => {
    assert.equal(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(csvCell('+1'), "'+1");
    assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvCell(-3), '-3', 'numbers are not text');
  });

  it('has one header per column, CRLF-terminated', () => {
    assert.equal(csvHeader().split(',').length, CSV_COLUMNS.length);
    assert.ok(csvHeader().endsWith('\r\n'));
  });
});
