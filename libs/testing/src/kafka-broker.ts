import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './environment';
import { REPO_ROOT } from './processes';

/**
 * A throwaway single-node Kafka broker (KRaft) of a test's own, from the jars scripts/services.sh
 * caches — for fault tests that kill and restart the broker without disturbing the shared one.
 */
export interface DedicatedKafka {
  brokers: string[];
  /** SIGKILL: the broker dies without a clean shutdown, as in a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  start(): Promise<void>;
  close(): Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

export async function startDedicatedKafka(): Promise<DedicatedKafka> {
  const libs = execFileSync('bash', [join(REPO_ROOT, 'scripts/services.sh'), 'kafka-libs'], { encoding: 'utf8' }).trim();
  const dir = mkdtempSync(join(tmpdir(), 'pc-kafka-'));
  const port = await freePort();
  const controller = await freePort();
  mkdirSync(join(dir, 'data'));
  const props = join(dir, 'server.properties');
  writeFileSync(
    props,
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
      'default.replication.factor=1',
      'min.insync.replicas=1',
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      // Flush every message: a SIGKILL must not lose what the broker acknowledged (one node, no replicas).
      'log.flush.interval.messages=1',
      '',
    ].join('\n'),
  );
  const log4j = join(dir, 'log4j2.xml');
  writeFileSync(
    log4j,
    `<?xml version="1.0"?><Configuration status="WARN"><Appenders><File name="F" fileName="${join(dir, 'server.log')}"><PatternLayout pattern="[%d] %p %m (%c)%n"/></File></Appenders><Loggers><Root level="WARN"><AppenderRef ref="F"/></Root></Loggers></Configuration>`,
  );
  const java = ['-Xmx384m', '-XX:+UseSerialGC', `-Dlog4j2.configurationFile=${log4j}`, '-cp', `${libs}/*`];
  const clusterId = randomBytes(16).toString('base64url').slice(0, 22);
  execFileSync('java', [...java, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', props, '--standalone'], { stdio: 'ignore' });

  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('java', [...java, 'kafka.Kafka', props], { stdio: 'ignore' });
    const deadline = Date.now() + 90_000;
    while (!(await portOpen(port))) {
      if (child.exitCode !== null) throw new Error(`dedicated Kafka exited with ${child.exitCode}; see ${join(dir, 'server.log')}`);
      if (Date.now() > deadline) throw new Error('dedicated Kafka did not open its port within 90 s');
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    brokers: [`127.0.0.1:${port}`],
    kill,
    start,
    close: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
