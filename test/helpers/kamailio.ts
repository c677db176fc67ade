import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Kamailio (Debian's `kamailio` and `kamailio-websocket-modules`) as the softphone tests' SIP-over-WebSocket
 * registrar and proxy, on 127.0.0.1, started and stopped by the test itself: no system service, no root-owned
 * runtime directory. The configuration is test/sip/kamailio.cfg with the port filled in.
 */

export const KAMAILIO = process.env.KAMAILIO_PATH ?? '/usr/sbin/kamailio';
const TEMPLATE = path.resolve(import.meta.dirname, '../sip/kamailio.cfg');

export interface KamailioServer {
  port: number;
  /** What SIP.js connects to. */
  wsUrl: string;
  /** The SIP domain the agents register in. */
  domain: string;
  /** Every line Kamailio wrote (the last 5,000). */
  output: string[];
  readonly running: boolean;
  /** Stops it (SIGTERM, then SIGKILL after 5 s). */
  stop(): Promise<void>;
  /** Starts it again on the same port (after `stop`): a PBX restart. Registrations are lost, as in a real one. */
  start(): Promise<void>;
  /** Stops it for good and removes its runtime directory. */
  close(): Promise<void>;
}

const children = new Set<ChildProcess>();
let exitHook = false;

function installExitHook(): void {
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const child of children) {
      try {
        child.kill('SIGKILL');
      } catch {
        // gone
      }
    }
  });
}

/** A TCP port nobody listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

export async function startKamailio(options: { port?: number } = {}): Promise<KamailioServer> {
  if (!fs.existsSync(KAMAILIO)) {
    throw new Error(`Kamailio is not at ${KAMAILIO}: install it with \`apt-get install -y kamailio kamailio-websocket-modules\` (or set KAMAILIO_PATH).`);
  }
  installExitHook();
  const port = options.port ?? (await freePort());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-kamailio-'));
  const cfg = path.join(dir, 'kamailio.cfg');
  fs.writeFileSync(cfg, fs.readFileSync(TEMPLATE, 'utf8').replaceAll('%WS_PORT%', String(port)));
  const output: string[] = [];
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  async function start(): Promise<void> {
    if (child) return;
    const proc = spawn(
      KAMAILIO,
      // -DD: stay in the foreground (workers are still forked); -E: log to stderr; own runtime dir and pid file.
      ['-f', cfg, '-DD', '-E', '-Y', dir, '-P', path.join(dir, 'kamailio.pid'), '-w', dir, '-m', '64', '-M', '8'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    children.add(proc);
    let gone = false;
    exited = new Promise((resolve) => {
      proc.once('exit', () => {
        gone = true;
        children.delete(proc);
        if (child === proc) child = null;
        resolve();
      });
    });
    for (const stream of [proc.stdout, proc.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        output.push(...chunk.split('\n').filter(Boolean));
        if (output.length > 5000) output.splice(0, output.length - 5000);
      });
    }
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (gone) throw new Error(`Kamailio exited at start:\n${output.slice(-30).join('\n')}`);
      if (await accepts(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    proc.kill('SIGKILL');
    throw new Error(`Kamailio did not listen on ${port} within 10 s:\n${output.slice(-30).join('\n')}`);
  }

  async function stop(): Promise<void> {
    const proc = child;
    if (!proc) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    // The port is free once the listening socket is closed.
    for (let i = 0; i < 50 && (await accepts(port)); i += 1) await new Promise((resolve) => setTimeout(resolve, 100));
  }

  await start();
  return {
    port,
    wsUrl: `ws://127.0.0.1:${port}`,
    domain: '127.0.0.1',
    output,
    get running() {
      return child !== null;
    },
    start,
    async stop() {
      await stop();
    },
    async close() {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
