import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Starts a node script as a separate process; output is kept for the report on failure. */
export function startNode(script, args = [], env = {}) {
  const child = spawn(process.execPath, [script, ...args], {
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
    const timer = setTimeout(() => reject(new Error(`no "${message}" from ${child.spawnfile}:\n${child.output()}`)), timeoutMs);
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
