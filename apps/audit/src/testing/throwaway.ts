import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { KafkaEventBus } from '@portcullis/messaging';

/**
 * Throwaway single-node services for fault tests: a Kafka broker (KRaft, from the jars that
 * scripts/services.sh cached) and a PostgreSQL cluster (initdb/pg_ctl as the postgres user), each
 * on its own free ports and temp directory, so a test may kill -9 and restart them without touching
 * the shared services other tests use.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = new Socket();
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(500, () => done(false));
    sock.once('error', () => done(false));
    sock.connect(port, '127.0.0.1', () => done(true));
  });
}

async function until(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  detail: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}. ${detail()}`);
}

export interface ThrowawayKafka {
  brokers: string[];
  /** kill -9 the broker process (no shutdown, no flush beyond what the OS already has). */
  kill9(): Promise<void>;
  /** Starts the broker again on the same data directory and waits until it serves metadata. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startThrowawayKafka(opts: { libsDir: string }): Promise<ThrowawayKafka> {
  if (!existsSync(opts.libsDir) || !readdirSync(opts.libsDir).some((f) => f.startsWith('kafka_2.13-'))) {
    throw new Error(
      `No Kafka jars in ${opts.libsDir}; run "bash scripts/services.sh up" once to cache them.`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-kafka-'));
  const [port, controller] = [await freePort(), await freePort()];
  mkdirSync(join(dir, 'logs'));
  writeFileSync(
    join(dir, 'server.properties'),
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.bootstrap.servers=127.0.0.1:${controller}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      `log.dirs=${join(dir, 'data')}`,
      'num.partitions=3',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=3',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      // A restarted node must not wait 9 s for its previous incarnation's registration to expire.
      'broker.session.timeout.ms=2000',
      'broker.heartbeat.interval.ms=500',
      'auto.create.topics.enable=true',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'log4j2.xml'),
    `<?xml version="1.0" encoding="UTF-8"?><Configuration status="WARN"><Appenders><File name="F" fileName="${join(dir, 'logs', 'server.log')}">` +
      `<PatternLayout pattern="[%d] %p %m (%c)%n"/></File></Appenders><Loggers><Root level="WARN"><AppenderRef ref="F"/></Root></Loggers></Configuration>\n`,
  );
  const java = (args: string[]) => [
    '-Xmx384m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(dir, 'log4j2.xml')}`,
    `-Dkafka.logs.dir=${join(dir, 'logs')}`,
    '-cp',
    `${opts.libsDir}/*`,
    ...args,
  ];
  execFileSync(
    'java',
    java([
      'kafka.tools.StorageTool',
      'format',
      '-t',
      randomBytes(16).toString('base64url'),
      '-c',
      join(dir, 'server.properties'),
      '--standalone',
    ]),
    {
      stdio: 'ignore',
    },
  );
  let child: ChildProcess | undefined;
  let output = '';
  // If the test process ends without calling stop() (a failure, a timeout), do not leave a broker behind.
  const onExit = () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const brokers = [`127.0.0.1:${port}`];
  const kafka: ThrowawayKafka = {
    brokers,
    async start() {
      child = spawn('java', java(['kafka.Kafka', join(dir, 'server.properties')]), {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
      child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
      const me = child;
      await until(
        `the throwaway Kafka broker on ${port}`,
        () => portOpen(port),
        90_000,
        () => output,
      );
      // Serving metadata (not just an open port): a client can create/list topics.
      const probe = new KafkaEventBus({ brokers, clientId: 'throwaway-probe' });
      try {
        await until(
          'the throwaway broker to answer',
          async () => me.exitCode === null && (await probe.healthy()),
          60_000,
          () => output,
        );
      } finally {
        await probe.close();
      }
    },
    async kill9() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await exited;
    },
    async stop() {
      await kafka.kill9();
      process.off('exit', onExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await kafka.start();
  return kafka;
}

export interface ThrowawayPostgres {
  /** Superuser URL of the cluster's "postgres" database. */
  url: string;
  /** Immediate shutdown (like a crash: no checkpoint; recovery runs on the next start). */
  crash(): void;
  start(): void;
  stop(): void;
}

function pgBinDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
    : [];
  if (!versions.length)
    throw new Error(
      'No PostgreSQL server binaries under /usr/lib/postgresql/*/bin (install the postgresql package).',
    );
  versions.sort((a, b) => Number(b) - Number(a));
  return join(base, versions[0]!, 'bin');
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = pgBinDir();
  const asRoot = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-pg-'));
  chmodSync(dir, 0o700);
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const run = (cmd: string, args: string[]) =>
    execFileSync(
      asRoot ? 'runuser' : join(bin, cmd),
      asRoot ? ['-u', 'postgres', '--', join(bin, cmd), ...args] : args,
      { cwd: '/', stdio: 'pipe' },
    );
  const port = await freePort();
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8', '--auth=trust']);
  const conf = [
    "listen_addresses = '127.0.0.1'",
    `port = ${port}`,
    `unix_socket_directories = '${dir}'`,
    'max_connections = 60',
    // Like the shared test cluster, trade durability for speed (the audit store forces
    // synchronous_commit on for its own transactions, which is what the restart test relies on).
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    '',
  ].join('\n');
  execFileSync(
    asRoot ? 'runuser' : 'sh',
    asRoot
      ? ['-u', 'postgres', '--', 'sh', '-c', `cat >> '${data}/postgresql.conf'`]
      : ['-c', `cat >> '${data}/postgresql.conf'`],
    {
      input: conf,
    },
  );
  const onExit = () => {
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      /* not running */
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const pg: ThrowawayPostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: () =>
      void run('pg_ctl', ['-D', data, '-l', join(dir, 'postgresql.log'), '-w', '-t', '60', 'start']),
    crash: () => void run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']),
    stop: () => {
      process.off('exit', onExit);
      onExit();
    },
  };
  pg.start();
  return pg;
}
