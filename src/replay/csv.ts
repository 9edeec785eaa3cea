/**
 * One CSV line into fields (RFC 4180 quoting: `"a ""quoted"" field"`). Replay input has one
 * record per line, so quoted fields may hold commas and quotes but not line breaks.
 */
export function splitCsvLine(line: string, out: string[]): string | null {
  out.length = 0;
  let i = 0;
  const n = line.length;
  for (;;) {
    if (i < n && line.charCodeAt(i) === 34 /* " */) {
      let field = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return `unterminated quoted field starting at column ${i}`;
        field += line.slice(i, q);
        if (line.charCodeAt(q + 1) === 34) {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(field);
      if (i < n && line.charCodeAt(i) !== 44 /* , */) return `unexpected text after a quoted field at column ${i + 1}`;
    } else {
      const c = line.indexOf(',', i);
      const end = c < 0 ? n : c;
      out.push(line.slice(i, end).trim());
      i = end;
    }
    if (i >= n) return null;
    i++; // the comma
  }
}
