// The part of autocannon's programmatic API the benchmarks use (the package ships no types).
declare module 'autocannon' {
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
  }
  interface Instance {
    stop(): void;
  }
  function autocannon(options: Options, done: (error: Error | null, result: unknown) => void): Instance;
  export default autocannon;
}
