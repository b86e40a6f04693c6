import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { processEnv } from '@portcullis/config';
import { eventually, freePort } from './environment';

function findRedisServer(): string {
  const dirs = [...(processEnv()['PATH'] ?? '').split(':'), '/usr/bin', '/usr/local/bin', '/usr/sbin'];
  for (const d of dirs) {
    if (d && existsSync(join(d, 'redis-server'))) return join(d, 'redis-server');
  }
  throw new Error('redis-server not found on PATH: run "bash scripts/services.sh up" (it installs Redis).');
}

/** One RESP command over a fresh connection; resolves to the first reply line (e.g. "+PONG", ":3"). */
function redisCommand(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = netConnect(port, '127.0.0.1');
    let buf = '';
    const timer = setTimeout(() => sock.destroy(new Error('redis command timed out')), 1000);
    sock.on('connect', () =>
      sock.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`),
    );
    sock.on('data', (d) => {
      buf += d.toString();
      const nl = buf.indexOf('\r\n');
      if (nl >= 0) {
        clearTimeout(timer);
        sock.end();
        resolve(buf.slice(0, nl));
      }
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/**
 * A redis-server of a test's own (no persistence), for tests that must stop and restart Redis
 * without disturbing the shared one: `kill()` (SIGKILL by default) and `up()` again on the same port.
 */
export class DedicatedRedis {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private output = '';
  private readonly bin = findRedisServer();
  private readonly killOnExit = () => this.child?.kill('SIGKILL');

  private constructor(readonly port: number) {
    process.once('exit', this.killOnExit);
  }

  static async start(): Promise<DedicatedRedis> {
    const r = new DedicatedRedis(await freePort());
    await r.up();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    const child = spawn(
      this.bin,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout!.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-4000)));
    child.stderr!.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-4000)));
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await eventually(
      `redis-server on port ${this.port} (output: ${this.output})`,
      async () => {
        if (child.exitCode !== null)
          throw new Error(`redis-server exited with ${child.exitCode}: ${this.output}`);
        return (await redisCommand(this.port, 'PING')) === '+PONG';
      },
      10_000,
      50,
    );
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }

  async dbsize(): Promise<number> {
    const reply = await redisCommand(this.port, 'DBSIZE');
    if (!/^:\d+$/.test(reply)) throw new Error(`DBSIZE answered ${reply}`);
    return Number(reply.slice(1));
  }

  async stop(): Promise<void> {
    await this.kill('SIGTERM');
    process.off('exit', this.killOnExit);
  }
}
