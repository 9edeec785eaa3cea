/**
 * The CSV subset NAB's files use: a header row, comma-separated unquoted fields, LF or CRLF line
 * ends (both occur in NAB), empty lines skipped — what nabscore.read_csv_columns gets from
 * Python's csv module for these files.
 */

/**
 * The named columns of a CSV text, as strings in row order. Throws when the header lacks a
 * column, a row is too short, or a field is quoted (not needed by NAB, so not parsed).
 */
export function readCsvColumns<C extends string>(text: string, columns: readonly C[], source: string): Record<C, string[]> {
  const lines = text.split(/\r\n|\n|\r/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const indices = columns.map((c) => header.indexOf(c));
  if (indices.some((i) => i < 0)) {
    throw new Error(`${source}: header ${JSON.stringify(header)} lacks one of ${JSON.stringify(columns)}`);
  }
  const out = Object.fromEntries(columns.map((c) => [c, [] as string[]])) as Record<C, string[]>;
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n] as string;
    if (line === '') continue; // csv.reader yields [] for a blank line; nabscore skips it
    if (line.includes('"')) throw new Error(`${source}:${n + 1}: quoted CSV fields are not supported`);
    const fields = line.split(',');
    columns.forEach((c, k) => {
      const field = fields[indices[k] as number];
      if (field === undefined) throw new Error(`${source}:${n + 1}: no ${c} field in ${JSON.stringify(line)}`);
      out[c].push(field);
    });
  }
  return out;
}

/** A CSV number as Python's float() reads it (surrounding blanks allowed, nan and inf spelled out). */
export function parseCsvNumber(text: string, source: string): number {
  const t = text.trim();
  const special = /^([+-]?)(nan|inf|infinity)$/i.exec(t);
  if (special !== null) {
    if ((special[2] as string).toLowerCase() === 'nan') return NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  const x = t === '' ? NaN : Number(t);
  if (Number.isNaN(x)) throw new Error(`${source}: ${JSON.stringify(text)} is not a number`);
  return x;
}
