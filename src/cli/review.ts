/** `sigmawatch review` — being built (see the README); this placeholder keeps the command table whole. */
export async function reviewCommand(_args: string[]): Promise<number> {
  process.stderr.write('sigmawatch review: not built yet\n');
  return 2;
}
