import net from 'node:net';

function reachable(url: string, fallbackPort: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect({ host: u.hostname, port: Number(u.port || fallbackPort) });
    s.setTimeout(1500);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
    s.once('timeout', () => { s.destroy(); resolve(false); });
  });
}

/** Fails the run at once, with one line each, when MariaDB or Redis is not there. */
export default async function setup(): Promise<void> {
  const db = process.env.DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/test';
  const redis = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const problems: string[] = [];
  if (!(await reachable(db, 3306))) problems.push(`MariaDB/MySQL is not reachable at ${new URL(db).host}: start it with \`start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd\` (or set DATABASE_URL).`);
  if (!(await reachable(redis, 6379))) problems.push(`Redis is not reachable at ${new URL(redis).host}: start it with \`redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no\` (or set REDIS_URL).`);
  if (problems.length) throw new Error(problems.join('\n'));
}
