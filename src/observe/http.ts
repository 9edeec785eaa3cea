/**
 * The worker's small HTTP surface: `GET /metrics` (Prometheus text format), `GET /healthz`
 * (liveness) and `GET /readyz` (readiness). Built on node:http; no framework.
 *
 * The probes are closures supplied by the caller, evaluated per request:
 * - `health`: is the process working at all (a liveness failure gets the pod restarted);
 * - `ready`: should it count as serving — the worker is ready once it has joined the consumer group
 *   and holds an assignment.
 * Both answer 200 with `{"status":"ok", ...detail}` or 503 with `{"status":"unhealthy" | "not ready",
 * ...detail}`; `detail` carries the reason.
 *
 * `port: 0` asks the OS for a free port (the resolved one is returned). The config's meaning of
 * `http.port: 0` ("no HTTP server") is the caller's to apply: it simply does not call this.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';

/** The answer of a health or readiness probe. `detail` is merged into the JSON body. */
export interface ProbeResult {
  ok: boolean;
  detail?: object;
}

export interface HttpServerOptions {
  /** Interface to bind, e.g. `0.0.0.0` in a pod, `127.0.0.1` in tests. */
  host: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Registry rendered on `/metrics`. */
  metrics: Registry;
  /** Liveness probe, behind `/healthz`. */
  health: () => ProbeResult;
  /** Readiness probe, behind `/readyz`. */
  ready: () => ProbeResult;
  logger: Logger;
}

export interface HttpServer {
  /** The port actually bound (the OS's pick when `port` was 0). */
  readonly port: number;
  /** Stop listening and drop every connection, idle keep-alive ones included. Idempotent. */
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';
/** HEAD is answered like GET without a body (RFC 9110 §9.3.2); everything else is refused. */
const ALLOW = 'GET, HEAD';

type Route = '/metrics' | '/healthz' | '/readyz';

function routeOf(url: string | undefined): Route | undefined {
  if (url === undefined) return undefined;
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return path === '/metrics' || path === '/healthz' || path === '/readyz' ? path : undefined;
}

function send(req: IncomingMessage, res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendJson(req: IncomingMessage, res: ServerResponse, status: number, value: object): void {
  send(req, res, status, JSON_TYPE, `${JSON.stringify(value)}\n`);
}

/** Run a probe; a probe that throws counts as failing, with the error as its detail. */
function runProbe(probe: () => ProbeResult, what: string, logger: Logger): ProbeResult {
  try {
    return probe();
  } catch (err) {
    logger.error({ err }, `${what} probe threw`);
    return { ok: false, detail: { error: err instanceof Error ? err.message : String(err) } };
  }
}

/** Start listening; resolves once bound, rejects on a bind error (e.g. EADDRINUSE). */
export function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { host, metrics, health, ready } = options;
  const logger = options.logger.child({ component: 'http' });
  const server = createServer(requestHandler({ metrics, health, ready }, logger));
  return listen(server, host, options.port, logger);
}

/** Answers one request: 404 off the three paths, 405 for a method other than GET and HEAD. */
function requestHandler(
  { metrics, health, ready }: Pick<HttpServerOptions, 'metrics' | 'health' | 'ready'>,
  logger: Logger,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const route = routeOf(req.url);
    if (route === undefined) {
      sendJson(req, res, 404, { error: 'not found', paths: ['/metrics', '/healthz', '/readyz'] });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', ALLOW);
      sendJson(req, res, 405, { error: `method ${req.method} not allowed`, allow: ALLOW });
      return;
    }
    switch (route) {
      case '/metrics':
        sendMetrics(req, res, metrics, logger);
        return;
      case '/healthz':
        sendProbe(req, res, runProbe(health, 'health', logger), 'unhealthy');
        return;
      case '/readyz':
        sendProbe(req, res, runProbe(ready, 'readiness', logger), 'not ready');
        return;
    }
  };
}

function sendMetrics(req: IncomingMessage, res: ServerResponse, metrics: Registry, logger: Logger): void {
  metrics.metrics().then(
    (text) => send(req, res, 200, metrics.contentType, text),
    (err: unknown) => {
      logger.error({ err }, 'rendering metrics failed');
      send(req, res, 500, TEXT_TYPE, 'rendering metrics failed\n');
    },
  );
}

/** 200 with status "ok", or 503 with status `bad`, plus the probe's detail. */
function sendProbe(req: IncomingMessage, res: ServerResponse, result: ProbeResult, bad: string): void {
  // The status word goes last so a detail field cannot contradict the HTTP status.
  sendJson(req, res, result.ok ? 200 : 503, { ...result.detail, status: result.ok ? 'ok' : bad });
}

/** Binds `server`; resolves with its handle once listening, rejects on a bind error. */
function listen(server: Server, host: string, port: number, logger: Logger): Promise<HttpServer> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      server.on('error', (err) => logger.error({ err }, 'http server error'));
      const bound = (server.address() as AddressInfo).port;
      logger.info({ host, port: bound }, 'http server listening');
      resolve({ port: bound, close: closer(server, host, bound, logger) });
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port });
  });
}

/** The server's idempotent close: every call returns the same promise. */
function closer(server: Server, host: string, port: number, logger: Logger): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= new Promise<void>((done, fail) => {
      server.close((err) => (err === undefined ? done() : fail(err)));
      // close() alone waits for keep-alive connections (a Prometheus scraper keeps one open)
      // to time out; dropping them makes shutdown prompt. An in-flight scrape is lost, which
      // the scraper retries.
      server.closeAllConnections();
    }).then(() => logger.info({ host, port }, 'http server closed'));
    return closing;
  };
}
