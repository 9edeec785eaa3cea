/**
 * kcat (librdkafka) as an independent client in integration tests: producing with its own
 * batching and compression, reading what sigmawatch wrote. Fails, never skips, when it is missing.
 */
import { spawn, spawnSync } from 'node:child_process';

export function requireKcat(): void {
  const probe = spawnSync('kcat', ['-V'], { encoding: 'utf8' });
  if (probe.error) throw new Error('kcat is not installed: apt-get install -y kcat (.ci/run does this)');
}

/** Runs kcat with `args`, `input` on stdin; killed after `timeoutMs`. */
export function kcat(args: string[], input = '', timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}
