/** One dependency the platform needs, checked by a cheap read. */
export interface HealthProbe {
  readonly name: string;
  check(): Promise<void>;
}
