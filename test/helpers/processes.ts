import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * Real server processes for the multi-node tests and the benchmarks.
 *
 * A node is `node --import tsx <entry>` started directly, not through the `tsx`
 * CLI: the CLI runs the program in a child of its own and only relays signals it
 * can catch, so a SIGKILL sent to it would leave the real server running. Here the
 * pid is the server, and `kill('SIGKILL')` is a real crash with no shutdown.
 *
 * Every process started is remembered until it exits: `stopAllNodes()` ends them
 * (call it in afterAll / finally), and a last-chance `exit` hook SIGKILLs any
 * still alive if the caller died without cleaning up.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const localNode = path.join(root, 'node_modules', '.bin', 'node');
/** The project's Node 24 (node_modules/.bin/node), or the running one. */
export const NODE_BIN = fs.existsSync(localNode) ? localNode : process.execPath;

export interface StartNodeOptions {
  /** Shown in errors and echoed output. */
  name: string;
  /** Environment on top of this process's (values are stringified). */
  env: Record<string, string | number | boolean>;
  /** Script to run, relative to the repository root. Default: the real entry point. */
  entry?: string;
  /** Extra node flags (e.g. --expose-gc). */
  nodeArgs?: string[];
  /** Open an IPC channel; the child then says it is ready with `{ type: 'listening', port }`. */
  ipc?: boolean;
  /** How long to wait for readiness. Default 30 s. */
  readyTimeoutMs?: number;
  /** Copy the child's output to this process's stderr as it comes. */
  echo?: boolean;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface NodeProcess {
  name: string;
  pid: number;
  port: number;
  baseUrl: string;
  /** Every line the child wrote to stdout and stderr (the last 20,000). */
  output: string[];
  /** The output lines that are JSON log records. */
  logs(): Record<string, any>[];
  readonly alive: boolean;
  exited: Promise<ExitInfo>;
  /** Sends `signal` and waits for the exit; after `graceMs` without one, SIGKILL. */
  kill(signal?: NodeJS.Signals, graceMs?: number): Promise<ExitInfo>;
  /** IPC request/response (needs `ipc: true`): resolves with the child's answer carrying the same `id`. */
  request<T = any>(message: Record<string, unknown>, timeoutMs?: number): Promise<T>;
}

const MAX_LINES = 20_000;
const running = new Set<NodeProcess>();
const rawChildren = new Set<ChildProcess>();
let exitHook = false;

function installExitHook() {
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const c of rawChildren) {
      try {
        c.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/** Starts a node and resolves once it listens (its "listening" log line, or an IPC message), or for ROLE=worker once its workers started. */
export async function startNode(opts: StartNodeOptions): Promise<NodeProcess> {
  installExitHook();
  const entry = opts.entry ?? 'server/main.ts';
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(opts.env)) env[k] = String(v);
  const child = spawn(NODE_BIN, ['--import', 'tsx', ...(opts.nodeArgs ?? []), entry], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe', ...(opts.ipc ? (['ipc'] as const) : [])],
  });
  rawChildren.add(child);

  const output: string[] = [];
  let exitInfo: ExitInfo | null = null;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      rawChildren.delete(child);
      resolve(exitInfo);
    });
  });
  // A spawn failure (no such binary) emits 'error' and possibly no 'exit'.
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));

  let onPort: ((port: number) => void) | undefined;
  const portSeen = new Promise<number>((resolve) => { onPort = resolve; });
  const collect = (stream: NodeJS.ReadableStream | null, label: string) => {
    if (!stream) return;
    const rl = readline.createInterface({ input: stream });
    rl.on('line', (line) => {
      output.push(line);
      if (output.length > MAX_LINES) output.splice(0, output.length - MAX_LINES);
      if (opts.echo) process.stderr.write(`[${opts.name} ${label}] ${line}\n`);
      if (line.startsWith('{') && (line.includes('listening') || line.includes('worker started'))) {
        try {
          const rec = JSON.parse(line);
          if (typeof rec.port === 'number' && /listening/.test(String(rec.msg))) onPort?.(rec.port);
          // A ROLE=worker process serves no HTTP: it is ready once its workers run (port 0).
          else if (rec.role === 'worker' && /worker started/.test(String(rec.msg))) onPort?.(0);
        } catch {
          // not a log record
        }
      }
    });
  };
  collect(child.stdout, 'out');
  collect(child.stderr, 'err');

  const pending = new Map<string, (msg: any) => void>();
  let nextId = 0;
  child.on('message', (msg: any) => {
    if (msg?.type === 'listening' && typeof msg.port === 'number') onPort?.(msg.port);
    if (msg?.id !== undefined && pending.has(String(msg.id))) {
      pending.get(String(msg.id))!(msg);
      pending.delete(String(msg.id));
    }
  });

  const kill = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<ExitInfo> => {
    if (exitInfo) return exitInfo;
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
    if (signal === 'SIGKILL') return exited;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => { timer = setTimeout(() => r(true), graceMs); })]);
    clearTimeout(timer);
    if (timedOut && !exitInfo) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    return exited;
  };

  const node: NodeProcess = {
    name: opts.name,
    pid: child.pid ?? -1,
    port: 0,
    baseUrl: '',
    output,
    logs() {
      const out: Record<string, any>[] = [];
      for (const l of output) {
        if (!l.startsWith('{')) continue;
        try {
          out.push(JSON.parse(l));
        } catch {
          // partial line
        }
      }
      return out;
    },
    get alive() {
      return exitInfo === null;
    },
    exited,
    kill,
    request<T>(message: Record<string, unknown>, timeoutMs = 30_000): Promise<T> {
      if (!opts.ipc || !child.connected) return Promise.reject(new Error(`${opts.name}: no IPC channel`));
      const id = `r${++nextId}`;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${opts.name}: no answer to ${JSON.stringify(message)} within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, (msg) => {
          clearTimeout(timer);
          resolve(msg as T);
        });
        child.send({ ...message, id });
      });
    },
  };
  running.add(node);
  void exited.then(() => running.delete(node));

  const timeoutMs = opts.readyTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    portSeen.then((port) => ({ kind: 'ready' as const, port })),
    exited.then((e) => ({ kind: 'exited' as const, e })),
    spawnError.then((err) => ({ kind: 'error' as const, err })),
    new Promise<{ kind: 'timeout' }>((r) => { timer = setTimeout(() => r({ kind: 'timeout' }), timeoutMs); }),
  ]);
  clearTimeout(timer);
  if (outcome.kind !== 'ready') {
    await kill('SIGKILL');
    const tail = output.slice(-30).join('\n');
    const why = outcome.kind === 'exited' ? `exited (code ${outcome.e.code}, signal ${outcome.e.signal})` : outcome.kind === 'error' ? `could not start: ${outcome.err.message}` : `did not listen within ${timeoutMs} ms`;
    throw new Error(`${opts.name} ${why} before listening. Last output:\n${tail}`);
  }
  node.port = outcome.port;
  node.baseUrl = `http://127.0.0.1:${outcome.port}`;
  return node;
}

/** Ends every node still running (SIGTERM, then SIGKILL after `graceMs`). */
export async function stopAllNodes(graceMs = 5000): Promise<void> {
  await Promise.all([...running].map((n) => n.kill('SIGTERM', graceMs)));
}

/** Nodes started and not yet exited. */
export function runningNodes(): NodeProcess[] {
  return [...running];
}
