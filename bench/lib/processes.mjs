import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

// BENCH_CPU_PROFILE_DIR=<dir>: every process the bench starts writes a V8 CPU profile there when it
// exits (node refuses --cpu-prof in NODE_OPTIONS, so it is passed here).
const PROFILE_FLAGS = process.env.BENCH_CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE_DIR}`] : [];

/** Starts a node script as a separate process; output is kept for the report on failure. */
export function startNode(script, args = [], env = {}) {
  const child = spawn(process.execPath, [...PROFILE_FLAGS, script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output = (output + chunk).slice(-20000)));
  child.stderr.on('data', (chunk) => (output = (output + chunk).slice(-20000)));
  child.output = () => output;
  return child;
}

export function waitForMessage(child, message, timeoutMs = 30000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "${message}" from ${child.spawnfile}:\n${child.output()}`)),
      timeoutMs,
    );
    child.on('message', (received) => {
      if (received === message) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`process exited with ${code}:\n${child.output()}`)));
  });
}

export async function waitForHealth(url, child, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited with ${child.exitCode}:\n${child.output()}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not yet listening
    }
    await sleep(200);
  }
  throw new Error(`${url} never became healthy:\n${child.output()}`);
}

/** Peak resident set size (VmHWM) of a live process, in MB. */
export function peakRssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
    return Math.round(kb / 1024);
  } catch {
    return null;
  }
}

export async function stop(child, signal = 'SIGTERM') {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await Promise.race([exited, sleep(30000)]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user + system) a process has used so far, in ms; all its threads count. */
export function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** CPU time every PostgreSQL server process on this machine has used so far, in ms. */
export function postgresCpuMs() {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').startsWith('postgres')) total += cpuMs(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return total;
}

/**
 * Starts counting the CPU time of a contender's process and of the database server; `perTaskUs`
 * gives each one's CPU time since the start per task, in µs. Read it before stopping the process.
 */
export function cpuMeter(pid) {
  const start = { worker: cpuMs(pid), postgres: postgresCpuMs() };
  return {
    perTaskUs(tasks) {
      const perTask = (now, then) => Math.round(((now - then) * 1000) / tasks);
      return { worker: perTask(cpuMs(pid), start.worker), postgres: perTask(postgresCpuMs(), start.postgres) };
    },
  };
}
