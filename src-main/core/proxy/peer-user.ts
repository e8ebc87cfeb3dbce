/**
 * Who is at the other end of a loopback TCP connection. Any local OS user can connect to
 * 127.0.0.1; only the programs of the user who runs Gatekey may borrow its tokens. Linux lists
 * every TCP socket with its owner's uid in /proc/net/tcp and /proc/net/tcp6: the peer's socket is
 * the entry whose local address is the peer's address and port and whose remote one is ours.
 */
import { open } from 'node:fs/promises';
import type net from 'node:net';
import os from 'node:os';
import { GatekeyError } from '../errors.js';
import { rpcErrorBody } from './jsonrpc.js';
import { PROXY_PATH_PREFIX } from './routes.js';

const SOCKET_TABLES = ['/proc/net/tcp', '/proc/net/tcp6'];
/** The prefix of an IPv4-mapped IPv6 address (::ffff:0:0/96), as the kernel prints it. */
const MAPPED_IPV4_PREFIX = '0000000000000000FFFF0000';
/** Columns after the addresses: state, tx:rx queues, timer, retransmits, then the uid. */
const UID_COLUMN = 4;
/** A refused client gets this long to send its request line before the connection closes. */
const REFUSAL_READ_TIMEOUT_MS = 10_000;
const MAX_REQUEST_LINE_BYTES = 8192;

/** An IPv4 address as the kernel prints it: one 32-bit word in the host's byte order, in hex. */
function kernelIpv4(address: string): string | undefined {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((part) => !(part >= 0 && part <= 255))) return undefined;
  const bytes = Buffer.from(parts);
  const word = os.endianness() === 'LE' ? bytes.readUInt32LE(0) : bytes.readUInt32BE(0);
  return word.toString(16).toUpperCase().padStart(8, '0');
}

function kernelPort(port: number): string {
  return port.toString(16).toUpperCase().padStart(4, '0');
}

/** The IPv4 address of `address`, which node gives as `1.2.3.4` or `::ffff:1.2.3.4`. */
function ipv4Of(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

export interface SocketEnds {
  peerAddress: string;
  peerPort: number;
  localAddress: string;
  localPort: number;
}

/**
 * The uid in the socket table line of the peer's socket, or undefined when no line is (the peer
 * is not an IPv4 loopback socket of this machine, or it is gone already).
 */
export function peerUidIn(tables: readonly string[], ends: SocketEnds): number | undefined {
  const peer = kernelIpv4(ipv4Of(ends.peerAddress));
  const local = kernelIpv4(ipv4Of(ends.localAddress));
  if (peer === undefined || local === undefined) return undefined;
  const peerPort = kernelPort(ends.peerPort);
  const localPort = kernelPort(ends.localPort);
  // A line reads `  sl: LOCAL:PORT REMOTE:PORT st …` (tcp6: the address is 32 hex digits).
  const needles = [
    `: ${peer}:${peerPort} ${local}:${localPort} `,
    `: ${MAPPED_IPV4_PREFIX}${peer}:${peerPort} ${MAPPED_IPV4_PREFIX}${local}:${localPort} `,
  ];
  for (const table of tables) {
    for (const needle of needles) {
      const at = table.indexOf(needle);
      if (at === -1) continue;
      const lineEnd = table.indexOf('\n', at);
      const rest = table.slice(at + needle.length, lineEnd === -1 ? undefined : lineEnd);
      const uid = Number(rest.trim().split(/\s+/)[UID_COLUMN]);
      return Number.isInteger(uid) ? uid : undefined;
    }
  }
  return undefined;
}

/** Room for the table as it was last read, doubled: most reads then take one system call. */
let tableBytes = 64 * 1024;

/**
 * The whole text of a socket table. The kernel writes it afresh on each read, so it is read with
 * as few calls as possible: with one large buffer, not node's 64 KiB steps.
 */
async function readSocketTable(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    let buffer = Buffer.allocUnsafe(tableBytes);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) {
        const larger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(larger, 0, 0, length);
        buffer = larger;
      }
    }
    tableBytes = Math.max(tableBytes, length * 2);
    return buffer.toString('latin1', 0, length);
  } finally {
    await handle.close();
  }
}

/**
 * A read of `file` that starts after this call: the connections accepted in one turn of the event
 * loop (a burst of new ones) share one read, made once they all are in the table.
 */
function sharedTableReader(file: string): () => Promise<string> {
  let next: Promise<string> | undefined;
  return () =>
    (next ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      next = undefined;
      return readSocketTable(file);
    }));
}

const readTables = SOCKET_TABLES.map(sharedTableReader);

/** The uid that owns the client end of `socket`, read from the kernel's socket tables. */
export async function peerUid(socket: net.Socket): Promise<number | undefined> {
  const ends: SocketEnds = {
    peerAddress: socket.remoteAddress ?? '',
    peerPort: socket.remotePort ?? 0,
    localAddress: socket.localAddress ?? '',
    localPort: socket.localPort ?? 0,
  };
  // A client of an IPv4 listener is in `tcp`, unless it has a dual-stack socket: then `tcp6`.
  const ipv4 = await readTables[0]!();
  const found = peerUidIn([ipv4], ends);
  if (found !== undefined) return found;
  const ipv6 = await readTables[1]!().catch(() => '');
  return peerUidIn([ipv6], ends);
}

export type Admission = (socket: net.Socket, serve: () => void) => void;

/**
 * Serves a connection only when its client runs as `ownUid`; any other is answered with a 403
 * that names the reason (a JSON-RPC error on /mcp/…, a JSON error elsewhere) and closed.
 * Undefined where the OS keeps no socket table Gatekey can read (macOS, Windows): see
 * docs/SECURITY.md.
 */
export function sameUserAdmission(
  ownUid: number | undefined = process.getuid?.(),
  platform: NodeJS.Platform = process.platform,
): Admission | undefined {
  if (platform !== 'linux' || ownUid === undefined) return undefined;
  const self = `${os.userInfo().username} (uid ${ownUid})`;
  return (socket, serve) => {
    // A client that resets before the verdict must not crash the server.
    socket.on('error', () => {});
    peerUid(socket).then(
      (uid) => {
        if (socket.destroyed) return;
        if (uid === ownUid) return serve();
        refuseConnection(
          socket,
          uid === undefined
            ? `Refused: Gatekey could not find which user opened this connection in /proc/net/tcp, and it lends its tokens only to programs of ${self}.`
            : `Refused: this connection comes from a program of uid ${uid}, and Gatekey lends its tokens only to programs of ${self}, the user who runs it.`,
        );
      },
      (error: unknown) =>
        refuseConnection(
          socket,
          `Refused: Gatekey could not read /proc/net/tcp to find which user opened this connection (${(error as Error).message}).`,
        ),
    );
  };
}

const HINT =
  'Run the client (IDE, CLI) as the user who runs Gatekey, or start a Gatekey of your own.';

/** Reads the request line (to answer in the form the client expects), answers 403 and closes. */
function refuseConnection(socket: net.Socket, reason: string): void {
  let received = '';
  let answered = false;
  const answer = (): void => {
    if (answered) return;
    answered = true;
    socket.off('data', onData);
    const target = /^[A-Z]+ (\S+)/.exec(received)?.[1] ?? '';
    const problem = new GatekeyError('other_user', reason, HINT);
    const body = target.startsWith(PROXY_PATH_PREFIX)
      ? rpcErrorBody(problem, undefined)
      : JSON.stringify({ error: problem.toJSON() });
    socket.end(
      `HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n` +
        `Connection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  };
  const onData = (chunk: Buffer): void => {
    received += chunk.toString('latin1');
    if (received.includes('\n') || received.length > MAX_REQUEST_LINE_BYTES) answer();
  };
  socket.setTimeout(REFUSAL_READ_TIMEOUT_MS, () => socket.destroy());
  socket.on('data', onData);
  socket.on('end', answer);
}
