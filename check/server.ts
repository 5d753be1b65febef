import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { LogflowError } from '../core/errors.ts';

/**
 * The ZetaSQL gRPC server process: found in @fivetrandevelopers/zetasql, started on a free
 * loopback port, and never left behind. We spawn the binary ourselves rather than through the
 * package's `runServer()` (which keeps the child in a module variable, never resolves and
 * forwards the server's output to our stdout), so each server has its own port and PID.
 */

const require = createRequire(import.meta.url);
export const PACKAGE = '@fivetrandevelopers/zetasql';

const live = new Set<ChildProcess>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
}

function onSignal(signal: NodeJS.Signals): void {
  killAll();
  live.clear();
  uninstallHandlers();
  // Nobody else handles it: behave as if we had not been listening (default action: terminate).
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function installHandlers(): void {
  if (live.size !== 1) return;
  process.on('exit', killAll);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function uninstallHandlers(): void {
  if (live.size !== 0) return;
  process.removeListener('exit', killAll);
  for (const signal of SIGNALS) process.removeListener(signal, onSignal);
}

/** The server binary for this platform, or a LogflowError saying why there is none. */
export function serverBinary(): string {
  if (process.platform !== 'linux' && process.platform !== 'darwin') {
    throw new LogflowError(
      `ZetaSQL's server binary exists only for Linux and macOS, not ${process.platform}; run logflow check there (e.g. in CI)`,
    );
  }
  let libDir: string;
  try {
    libDir = dirname(require.resolve(PACKAGE));
  } catch {
    throw new LogflowError(`${PACKAGE} is not installed; run \`npm install\` (it is a devDependency)`);
  }
  const name = `remote_server${process.arch.startsWith('arm') ? '_arm' : ''}${process.platform === 'darwin' ? '' : '.so'}`;
  const path = join(libDir, 'zetasql', name);
  if (!existsSync(path)) throw new LogflowError(`ZetaSQL server binary missing at ${path}; reinstall ${PACKAGE}`);
  return path;
}

/** A free TCP port on the loopback interface (the OS picks it; we release it for the server). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** On Linux, `setpriv --pdeathsig KILL` makes the kernel kill the server if we die without cleaning up (even SIGKILL). */
function launcher(binary: string, port: number): [string, string[]] {
  const args = ['127.0.0.1', String(port)];
  if (process.platform === 'linux' && existsSync('/usr/bin/setpriv'))
    return ['/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', binary, ...args]];
  return [binary, args];
}

/**
 * Starts the server on `port` and resolves once it listens. It is killed on process exit and on
 * SIGINT/SIGTERM/SIGHUP (then the signal's default action proceeds), and on Linux by the kernel
 * if this process dies without cleaning up. Rejects (after killing it) if it exits or stays
 * silent for `timeoutMs`.
 */
export function launch(binary: string, port: number, timeoutMs: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const [command, args] = launcher(binary, port);
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    installHandlers();
    let output = '';
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        child.kill('SIGKILL');
        reject(error);
      } else resolve(child);
    };
    const timer = setTimeout(() => finish(new Error(`ZetaSQL server did not start within ${timeoutMs} ms: ${output.trim()}`)), timeoutMs);
    const onData = (data: Buffer) => {
      output += data.toString();
      if (output.includes('Server listening')) finish();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('error', (error) => finish(error));
    child.on('exit', (code, signal) => {
      live.delete(child);
      uninstallHandlers();
      finish(new Error(`ZetaSQL server exited (${signal ?? `code ${code}`}) before listening: ${output.trim().split('\n').pop() ?? ''}`));
    });
  });
}
