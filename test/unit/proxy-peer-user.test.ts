import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { peerUidIn } from '../../src-main/core/proxy/peer-user.js';

/** 127.0.0.1 as the kernel prints it: one word in the host's byte order. */
const LOOPBACK = os.endianness() === 'LE' ? '0100007F' : '7F000001';
const MAPPED = `0000000000000000FFFF0000${LOOPBACK}`;
const HEADER =
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const line = (local: string, remote: string, uid: number) =>
  `   0: ${local} ${remote} 01 00000000:00000000 00:00000000 00000000 ${String(uid).padStart(5)}        0 4242 1 0000000000000000 20 4 30 10 -1\n`;
const ends = {
  peerAddress: '127.0.0.1',
  peerPort: 0xa2b4,
  localAddress: '127.0.0.1',
  localPort: 0x1cfd,
};

describe('the owner of a loopback peer, from the socket tables', () => {
  it("reads the uid of the peer's own socket, not of the server's end of it", () => {
    const table =
      HEADER +
      line(`${LOOPBACK}:1CFD`, `${LOOPBACK}:A2B4`, 0) +
      line(`${LOOPBACK}:A2B4`, `${LOOPBACK}:1CFD`, 1000);
    expect(peerUidIn([table], ends)).toBe(1000);
  });

  it('finds a dual-stack client in tcp6, in its IPv4-mapped form', () => {
    const table = HEADER + line(`${MAPPED}:A2B4`, `${MAPPED}:1CFD`, 65534);
    expect(peerUidIn([table], { ...ends, peerAddress: '::ffff:127.0.0.1' })).toBe(65534);
  });

  it('finds nothing for another port, another address or a malformed address', () => {
    const table = HEADER + line(`${LOOPBACK}:A2B4`, `${LOOPBACK}:1CFD`, 1000);
    expect(peerUidIn([table], { ...ends, peerPort: 0xa2b5 })).toBeUndefined();
    expect(peerUidIn([table], { ...ends, peerAddress: '127.0.0.2' })).toBeUndefined();
    expect(peerUidIn([table], { ...ends, peerAddress: 'not-an-address' })).toBeUndefined();
  });
});
