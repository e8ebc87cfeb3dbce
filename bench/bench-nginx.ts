/**
 * The reference proxy for `npm run bench`: nginx (Debian's nginx-light), one process, forwarding
 * `/mcp/bench` to the upstream with a static Authorization header, keep-alive to the upstream and
 * no buffering, the way one would put it in front of an MCP server by hand.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

const START_TIMEOUT_MS = 10_000;

export interface RunningNginx {
  stop(): Promise<void>;
}

function config(dir: string, port: number, upstreamPort: number, authorization: string): string {
  const temp = (kind: string) => `${kind}_temp_path ${path.join(dir, kind)};`;
  return `daemon off;
master_process off;
worker_processes 1;
pid ${path.join(dir, 'nginx.pid')};
error_log ${path.join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}
  upstream mcp { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location /mcp/bench {
      proxy_pass http://mcp/mcp;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Authorization "${authorization}";
      proxy_buffering off;
      proxy_request_buffering off;
    }
  }
}
`;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(true)).once('error', () => resolve(false));
    socket.once('connect', () => socket.end());
  });
}

export async function startNginx(options: {
  port: number;
  upstreamPort: number;
  authorization: string;
}): Promise<RunningNginx> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gatekey-bench-nginx-'));
  const file = path.join(dir, 'nginx.conf');
  await writeFile(file, config(dir, options.port, options.upstreamPort, options.authorization));
  const child = spawn('nginx', ['-p', dir, '-c', file, '-e', path.join(dir, 'error.log')], {
    stdio: 'inherit',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGQUIT');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await accepts(options.port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error('nginx did not start (is it installed? sudo apt-get install nginx-light)');
    }
    await delay(20);
  }
  return { stop };
}
