import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { HostStartError } from '../errors';

export interface PortClaim {
  port: number;
  what: string;
  /** How to choose another: the flag and the environment variable. */
  flag: string;
  env: string;
}

function isFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Fails with one line per the first busy port, naming what needs it and how to pick another. */
export async function assertPortsFree(claims: PortClaim[], host: string): Promise<void> {
  for (const claim of claims) {
    if (claim.port === 0) continue;
    if (!(await isFree(claim.port, host))) {
      throw new HostStartError(
        `port ${claim.port} (${claim.what}) is in use: stop what uses it, or choose another with ${claim.flag} <port> or ${claim.env}=<port>`
      );
    }
  }
}

const defaultEphemeralStart = 32768;
/** Above the platform's own defaults (2525, 7071-7073, 8081, 10000-10002). */
const lowestChosenPort = 12000;

/**
 * The first port of the range the OS hands out to outgoing connections (and to `listen(0)`). A port taken from
 * that range can be taken again by any outgoing connection before the server that was meant to listen on it
 * binds it (EADDRINUSE under load), so the ports chosen for servers started later come from below it.
 */
function ephemeralRangeStart(): number {
  try {
    const start = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(start) && start > lowestChosenPort + 1000 ? start : defaultEphemeralStart;
  } catch {
    return defaultEphemeralStart;
  }
}

/**
 * A port that is free right now for a server the caller starts later (tests and benchmarks): a random one
 * below the ephemeral range, so outgoing connections cannot take it meanwhile; the OS's choice if none of a
 * few tries is free.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const below = ephemeralRangeStart();
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = lowestChosenPort + Math.floor(Math.random() * (below - lowestChosenPort));
    if (await isFree(port, host)) return port;
  }
  return osChosenPort(host);
}

function osChosenPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
