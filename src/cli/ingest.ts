/** `sigmawatch ingest` — being built (see the README); this placeholder keeps the command table whole. */
export async function ingestCommand(_args: string[]): Promise<number> {
  process.stderr.write('sigmawatch ingest: not built yet\n');
  return 2;
}
