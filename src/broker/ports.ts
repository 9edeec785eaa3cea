import { createServer, type Server } from 'node:net';

/**
 * `count` distinct loopback ports that are free right now: bind port 0 on 127.0.0.1 `count`
 * times (all held open at once, so the kernel cannot hand out the same port twice), read the
 * ports, release them. Another process can still take one before Kafka binds it; the broker
 * start notices ("Address already in use" in the log) and retries with new ports.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      ports.push(await listenOnAnyPort(server));
    }
    return ports;
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

function listenOnAnyPort(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error(`unexpected server address ${String(address)}`));
      } else {
        resolve(address.port);
      }
    });
  });
}
