// Preloaded (`node -r`) into every child process of the local host: when the host dies, even by
// `kill -9`, its IPC channel closes and the child exits, so nothing is left running.
if (typeof process.send === 'function') {
  process.on('disconnect', () => process.exit(0));
}
