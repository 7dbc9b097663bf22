/**
 * The state file of `strata services up` (STRATA_DATA_DIR/services.json, mode 0600): the pid of the process
 * holding the local services and the environment that points Strata at them, so that `services up --detach`
 * can print it and `services down` can stop them from another shell.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export interface ServicesState {
  pid: number;
  startedAt: string;
  env: Record<string, string>;
}

export const stateFile = (dataDir: string) => path.join(dataDir, 'services.json');
export const logFile = (dataDir: string) => path.join(dataDir, 'services.log');

export function readState(dataDir: string): ServicesState | undefined {
  try {
    const s = JSON.parse(readFileSync(stateFile(dataDir), 'utf8')) as ServicesState;
    return Number.isInteger(s.pid) && s.pid > 0 ? s : undefined;
  } catch {
    return undefined;
  }
}

export function writeState(dataDir: string, state: ServicesState): void {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(stateFile(dataDir), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/** Removes the state file if it is this process's (a newer `up` may have replaced it). */
export function removeState(dataDir: string, pid: number): void {
  if (readState(dataDir)?.pid === pid) rmSync(stateFile(dataDir), { force: true });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Starts scripts/services.ts in the background and waits until it has written its state file. */
export async function startDetached(dataDir: string, timeoutMs = 180_000): Promise<ServicesState> {
  mkdirSync(dataDir, { recursive: true });
  const script = fileURLToPath(new URL('../services.ts', import.meta.url));
  const log = openSync(logFile(dataDir), 'a', 0o600);
  const child = spawn(process.execPath, [...process.execArgv, script], {
    detached: true,
    stdio: ['ignore', log, log],
    env: process.env,
  });
  closeSync(log);
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  child.unref();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const state = readState(dataDir);
    if (state && state.pid === child.pid) return state;
    if (exited !== undefined) {
      const tail = readFileSync(logFile(dataDir), 'utf8').trim().split('\n').slice(-1)[0] ?? '';
      throw new Error(`the services process exited (code ${exited}) before it was ready: ${tail}`);
    }
    await sleep(200);
  }
  if (child.pid) process.kill(child.pid, 'SIGTERM');
  throw new Error(`the services were not ready after ${timeoutMs / 1000} s (see ${logFile(dataDir)})`);
}

/** Asks the recorded process to stop its services and waits for it to exit. */
export async function stopRecorded(dataDir: string, timeoutMs = 60_000): Promise<ServicesState> {
  const state = readState(dataDir);
  if (!state) {
    throw new Error(`no services started by \`strata services up\` are recorded (${stateFile(dataDir)} is missing)`);
  }
  if (!isAlive(state.pid)) {
    rmSync(stateFile(dataDir), { force: true });
    throw new Error(`the recorded services process ${state.pid} is not running any more (state file removed)`);
  }
  process.kill(state.pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  // The process removes the state file once its services are stopped, just before it exits (a process whose
  // parent is gone may linger as a zombie where nothing reaps it, so the file is the signal).
  while (isAlive(state.pid) && readState(dataDir)?.pid === state.pid) {
    if (Date.now() > deadline) throw new Error(`process ${state.pid} did not stop within ${timeoutMs / 1000} s`);
    await sleep(100);
  }
  rmSync(stateFile(dataDir), { force: true });
  return state;
}
