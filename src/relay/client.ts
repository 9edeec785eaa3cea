/**
 * One `POST /api/v2/alerts` to one Alertmanager (Node's fetch: no dependency), and what its answer
 * means for the batch: delivered, worth retrying (network, timeout, 5xx, 429), or refused for good
 * (another 4xx: Alertmanager rejected these alerts, and the same bytes will be rejected again).
 */
import type { WireAlert } from './am-alert.js';

export type PostResult = { ok: true } | { ok: false; retry: boolean; error: string };

/** `http://am:9093` or `http://am:9093/prefix/` → `…/api/v2/alerts`. */
export function alertsEndpoint(base: string): string {
  return `${base.replace(/\/+$/, '')}/api/v2/alerts`;
}

export async function postAlerts(
  endpoint: string,
  alerts: readonly WireAlert[],
  timeoutMs: number,
  stop: AbortSignal,
): Promise<PostResult> {
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts),
      signal: AbortSignal.any([stop, AbortSignal.timeout(timeoutMs)]),
    });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why = err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (err.cause?.code ?? err.cause?.message ?? err.message);
    return { ok: false, retry: true, error: why };
  }
  // Read the body either way: an unread body keeps the connection from being reused.
  const body = await response.text().catch(() => '');
  if (response.ok) return { ok: true };
  const retry = response.status >= 500 || response.status === 429 || response.status === 408;
  return { ok: false, retry, error: `HTTP ${response.status}: ${body.slice(0, 300).trim()}` };
}
