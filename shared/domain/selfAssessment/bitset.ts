// Which questions are answered, one bit per question of the plan (its position in the Step's order),
// stored as base64url: about 60 characters for the 450 questions of a Step 3 assessment. Pure.

export class Bitset {
  private constructor(
    readonly size: number,
    private readonly bytes: Uint8Array
  ) {}

  static empty(size: number): Bitset {
    return new Bitset(size, new Uint8Array(Math.ceil(size / 8)));
  }

  /** Reads a stored bitset of `size` bits; anything else (other length, bits beyond the size) throws. */
  static decode(encoded: string, size: number): Bitset {
    if (!/^[A-Za-z0-9_-]*$/.test(encoded)) throw new Error('The progress bitset is not base64url.');
    const bytes = new Uint8Array(Buffer.from(encoded, 'base64url'));
    if (bytes.length !== Math.ceil(size / 8)) {
      throw new Error(`The progress bitset has ${bytes.length} bytes; ${size} questions need ${Math.ceil(size / 8)}.`);
    }
    if (size % 8 !== 0 && bytes[bytes.length - 1]! >> (size % 8) !== 0) {
      throw new Error('The progress bitset has bits beyond its questions.');
    }
    return new Bitset(size, bytes);
  }

  encode(): string {
    return Buffer.from(this.bytes).toString('base64url');
  }

  has(index: number): boolean {
    this.check(index);
    return (this.bytes[index >> 3]! & (1 << (index & 7))) !== 0;
  }

  /** A copy with the bit set (or cleared). */
  with(index: number, on: boolean): Bitset {
    this.check(index);
    const bytes = this.bytes.slice();
    if (on) bytes[index >> 3]! |= 1 << (index & 7);
    else bytes[index >> 3]! &= ~(1 << (index & 7));
    return new Bitset(this.size, bytes);
  }

  count(): number {
    let n = 0;
    for (const byte of this.bytes) {
      let b = byte;
      while (b) {
        b &= b - 1;
        n += 1;
      }
    }
    return n;
  }

  indices(): number[] {
    const result: number[] = [];
    for (let i = 0; i < this.size; i += 1) if (this.has(i)) result.push(i);
    return result;
  }

  private check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new RangeError(`Bit ${index} is outside 0..${this.size - 1}.`);
    }
  }
}
