// Preloaded (`node -r`) into every child server of the local host. The host's IPC channel is the
// child's lifeline: when it closes (the host stops it, or the host died, even by `kill -9`) the child
// shuts down as on SIGTERM, so Azurite saves its metadata and the Cosmos server flushes its journal,
// and then exits, leaving nothing running. Its output pipe may be gone by then: writes must not crash it.
if (typeof process.send === 'function') {
  process.on('disconnect', () => {
    process.stdout.on('error', () => undefined);
    process.stderr.on('error', () => undefined);
    setTimeout(() => process.exit(0), 10_000).unref();
    process.kill(process.pid, 'SIGTERM');
  });
}
