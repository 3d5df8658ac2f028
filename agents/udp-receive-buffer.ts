import type { Socket } from "node:dgram";

/**
 * Receive buffer asked for on the trap and syslog sockets. The kernel's default (208 KiB on
 * Linux) holds about 50 ms of a 5,000/s trap flood: on a busy machine it overflows and the
 * kernel drops datagrams from every source, normal ones included, before the per-source rate
 * limit can single out the flooder. 4 MiB holds about a second of such a flood.
 */
export const UDP_RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * Asks for a larger receive buffer on a bound socket and returns the size the kernel granted:
 * Linux caps the request at `net.core.rmem_max` (docs/operations.md says how to raise it).
 */
export function enlargeReceiveBuffer(socket: Socket, bytes = UDP_RECEIVE_BUFFER_BYTES): number {
  try {
    socket.setRecvBufferSize(bytes);
  } catch {
    // Refused outright (not Linux's silent cap): keep the default rather than fail to listen.
  }
  return socket.getRecvBufferSize();
}
