import { mkdirSync } from 'node:fs';

/**
 * The embedded database for one-process mode: PGlite (Postgres compiled to WASM) with its data in a
 * local directory, served over the Postgres wire protocol on loopback so the SAME TypeORM driver and
 * the SAME migrations run on it as on a real Postgres. PGlite is a single session: callers must use
 * exactly one connection (pool size 1), or interleaved transactions would share that session.
 */
export interface EmbeddedDatabase {
  url: string;
  close(): Promise<void>;
}

export const EMBEDDED_SHARED_BUFFERS = '16MB';

export async function startEmbeddedDatabase(opts: { dataDir?: string; host?: string } = {}): Promise<EmbeddedDatabase> {
  // Loaded lazily: the WASM engine is only needed in embedded mode.
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  // A laptop-sized buffer pool: Postgres's default 128 MB of shared buffers lives in PGlite's WASM
  // memory, and was most of embedded Portcullis's resident memory for data that fits in a few MB.
  const settings = { postgresqlconf: [`shared_buffers = ${EMBEDDED_SHARED_BUFFERS}`, 'temp_buffers = 2MB', 'wal_buffers = 1MB'] };
  const db = opts.dataDir ? await PGlite.create(opts.dataDir, settings) : await PGlite.create(settings);
  const host = opts.host ?? '127.0.0.1';
  const port = await freePort(host);
  const server = new PGLiteSocketServer({ db, host, port, maxConnections: 4 });
  await server.start();
  return {
    url: `postgres://postgres:postgres@${host}:${port}/postgres?sslmode=disable`,
    close: async () => {
      await server.stop();
      await db.close();
    },
  };
}

async function freePort(host: string): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
