/**
 * Whole-process measurement of one child: wall time, CPU time and peak RSS, taken from outside.
 *
 * Peak RSS is the kernel's own figure. With GNU time installed (Debian package `time`,
 * /usr/bin/time), the child runs under `/usr/bin/time -f '%e %U %S %M'`: %M is the maximum
 * resident set size of the process in KB (getrusage ru_maxrss of the waited child). Every command
 * timed here is one process (logflow runs TypeScript in-process through tsx; GoAccess and lnav do
 * not fork), so that is the whole footprint. Without GNU time, /proc/PID/status is polled every
 * 20 ms for VmHWM (the kernel's peak RSS of the process, so a peak between polls still counts;
 * only growth in the last 20 ms before exit can be missed) and CPU comes from /proc/PID/stat.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ProcessMeasure {
  seconds: number;
  cpuSeconds: number;
  peakRssMb: number;
  stdout: string;
  stderr: string;
}

const GNU_TIME = '/usr/bin/time';

/** How peak RSS is measured on this machine (for the report). */
export function rssMethod(): string {
  return existsSync(GNU_TIME)
    ? "GNU time -f '%M' (max RSS of the child process, from the kernel)"
    : '/proc/PID/status VmHWM polled every 20 ms (the kernel peak RSS of the process)';
}

export class ChildFailed extends Error {}

/** Runs `command args` in `cwd`, measured; rejects with ChildFailed (last lines of stderr) on a non-zero exit. */
export async function measureProcess(
  label: string,
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<ProcessMeasure> {
  const useTime = existsSync(GNU_TIME);
  const timeFile = join(tmpdir(), `logflow-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const [file, argv] = useTime ? [GNU_TIME, ['-o', timeFile, '-f', '%e %U %S %M', command, ...args]] : [command, args];
  const started = performance.now();
  const child = spawn(file, argv, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout = (stdout + s).slice(-64 * 1024)));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-64 * 1024)));
  let polled = { hwmKb: 0, cpuTicks: 0 };
  const poller = useTime ? null : setInterval(() => (polled = pollProc(child.pid, polled)), 20);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c));
  });
  const seconds = (performance.now() - started) / 1000;
  if (poller) clearInterval(poller);
  if (code !== 0) {
    rmSync(timeFile, { force: true });
    const tail = stderr.trim().split('\n').slice(-3).join(' | ');
    throw new ChildFailed(`${label} failed (exit ${code}): ${tail}`);
  }
  if (!useTime) return { seconds, cpuSeconds: polled.cpuTicks / 100, peakRssMb: polled.hwmKb / 1024, stdout, stderr };
  // GNU time writes "Command exited with non-zero status" lines first when it fails; the last line is the format.
  const fields = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
  rmSync(timeFile, { force: true });
  const [, user, system, maxKb] = fields as [number, number, number, number];
  return { seconds, cpuSeconds: user + system, peakRssMb: maxKb / 1024, stdout, stderr };
}

function pollProc(pid: number | undefined, last: { hwmKb: number; cpuTicks: number }): { hwmKb: number; cpuTicks: number } {
  if (pid === undefined) return last;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    // utime and stime are fields 14 and 15 of /proc/PID/stat (after the command name in parentheses)
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[11]) + Number(rest[12]);
    return { hwmKb: Math.max(last.hwmKb, hwm), cpuTicks: Math.max(last.cpuTicks, ticks) };
  } catch {
    return last; // exited between polls
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
