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

/** A port the OS says is free right now (for tests and benchmarks). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
