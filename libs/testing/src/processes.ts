import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { processEnv } from '@portcullis/config';
import { eventually } from './environment';

/**
 * Runs a compiled Portcullis entry point (dist/...) as a child process with its own environment,
 * collecting its output for assertions and failure messages.
 */
export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export const REPO_ROOT = resolve(__dirname, '../../../..');

export function startProcess(name: string, entry: string, env: Record<string, string>, args: string[] = []): ServiceProcess {
  const child = spawn(process.execPath, [resolve(REPO_ROOT, entry), ...args], {
    cwd: REPO_ROOT,
    env: { PATH: processEnv()['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  return {
    name,
    child,
    output: () => out,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export async function waitForReady(url: string, proc?: ServiceProcess, timeoutMs = 60_000): Promise<void> {
  await eventually(
    `${proc?.name ?? url} to become ready${proc ? `; output so far:\n${proc.output().slice(-3000)}` : ''}`,
    async () => {
      if (proc && proc.child.exitCode !== null) {
        throw new Error(`${proc.name} exited with ${proc.child.exitCode}:\n${proc.output().slice(-3000)}`);
      }
      const r = await fetch(`${url}/readyz`);
      return r.status === 200;
    },
    timeoutMs,
    250,
  );
}
