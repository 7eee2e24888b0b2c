import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';

/**
 * Graceful stop (SIGTERM): first stop accepting connections and let the requests in flight finish
 * (idle keep-alive connections are closed as they become idle; after `timeoutMs` the rest is cut),
 * THEN close the application — its hooks end the database pools, the job queue and the search drainer,
 * which the requests in flight may still need.
 */
export async function closeGracefully(app: INestApplication, timeoutMs = 25_000): Promise<void> {
  const server = app.getHttpServer() as Server;
  if (server?.listening) {
    await new Promise<void>((resolve) => {
      const idle = setInterval(() => server.closeIdleConnections(), 200);
      const cut = setTimeout(() => server.closeAllConnections(), timeoutMs);
      server.close(() => {
        clearInterval(idle);
        clearTimeout(cut);
        resolve();
      });
      server.closeIdleConnections();
    });
  }
  await app.close();
}
