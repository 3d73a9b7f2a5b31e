import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export interface RedisHandle {
  url: string;
  /** Stops a private redis-server (SIGTERM, then SIGKILL after 5 s); leaves REDIS_URL's Redis alone. */
  stop(): Promise<void>;
  /** Kills a private redis-server at once, for a process about to exit. */
  kill(): void;
}

/** A free loopback port (closed again, so nothing answers on it), never Redis's default 6379 (a developer's own Redis may want it). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        const found = typeof address === 'object' && address !== null ? address.port : 0;
        server.close(() => resolve(found));
      });
    });
    if (port !== 6379 && port !== 0) return port;
  }
}

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * A Redis for one test file (or a bench): REDIS_URL when set, else a private `redis-server` on a free
 * loopback port with persistence off, else a failure saying how to get one.
 */
export async function startRedis(): Promise<RedisHandle> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv !== undefined && fromEnv !== '') return { url: fromEnv, stop: async () => {}, kill: () => {} };
  if (spawnSync('redis-server', ['--version']).error !== undefined) {
    throw new Error('This needs Redis: install it (Debian/Ubuntu: apt-get install redis-server) or set REDIS_URL=redis://host:port.');
  }
  const port = await freePort();
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start on port ${port}:\n${output}`)), 10_000);
    const collect = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        // Keep draining its output without holding on to it.
        child.stdout?.off('data', collect);
        child.stdout?.resume();
        resolve();
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${output}`));
    });
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (!running(child)) return resolve();
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
    kill: () => {
      if (running(child)) child.kill('SIGKILL');
    },
  };
}
