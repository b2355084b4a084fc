/** The only way application code reads the time: real in Azure, virtual on the local host when asked. */
export interface Clock {
  now(): Date;
}

/** Where a host that owns the time (the local host with its virtual clock) publishes its clock for the app. */
export const hostClockKey = Symbol.for('bw-slcp.hostClock');
