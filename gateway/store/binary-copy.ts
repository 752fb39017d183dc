/**
 * Reading PostgreSQL's binary COPY format (`COPY (SELECT …) TO STDOUT (FORMAT binary)`,
 * the Store's `copyBinary`), row by row in place: no row object, string or Buffer per
 * field. A field is a byte range of the one buffer; text fields are in the client
 * encoding (UTF-8 for both stores), bytea fields are the bytes themselves, integers
 * are big-endian.
 *
 * Format (PostgreSQL docs, "COPY — Binary Format"): the 11-byte signature, a 32-bit flags
 * word, a 32-bit header-extension length and the extension; then per row a 16-bit field
 * count followed by each field as a 32-bit length (−1 for NULL) and its bytes; a field
 * count of −1 ends the data.
 */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const OIDS_FLAG = 1 << 16;

export class BinaryCopyRows {
  /** Byte offset of each field of the current row in `bytes`. */
  readonly start: Int32Array;
  /** Byte length of each field of the current row; −1 for NULL. */
  readonly length: Int32Array;
  /** Number of fields of the current row. */
  fields = 0;
  private pos: number;

  constructor(readonly bytes: Buffer, maxFields: number) {
    if (bytes.length < 19 || bytes.compare(SIGNATURE, 0, SIGNATURE.length, 0, SIGNATURE.length) !== 0) throw new Error('not PostgreSQL binary COPY data');
    if (bytes.readUInt32BE(11) & OIDS_FLAG) throw new Error('binary COPY data with OIDs is not supported');
    this.pos = 19 + bytes.readUInt32BE(15);
    this.start = new Int32Array(maxFields);
    this.length = new Int32Array(maxFields);
  }

  /** Moves to the next row; false at the end of the data. Throws on truncated or malformed data. */
  next(): boolean {
    const b = this.bytes;
    if (this.pos + 2 > b.length) throw new Error('binary COPY data ends without its trailer');
    const n = b.readInt16BE(this.pos);
    this.pos += 2;
    if (n === -1) return false;
    if (n < 0 || n > this.start.length) throw new Error(`binary COPY row of ${n} fields, at most ${this.start.length} expected`);
    for (let i = 0; i < n; i++) {
      if (this.pos + 4 > b.length) throw new Error('binary COPY data truncated');
      const len = b.readInt32BE(this.pos);
      this.pos += 4;
      this.start[i] = this.pos;
      this.length[i] = len;
      if (len > 0) this.pos += len;
      if (this.pos > b.length) throw new Error('binary COPY data truncated');
    }
    this.fields = n;
    return true;
  }

  /** Field i of the current row as an integer (int2, int4 or an int8 within ±2^53); null for NULL. */
  int(i: number): number | null {
    const at = this.start[i]!;
    switch (this.length[i]) {
      case -1:
        return null;
      case 2:
        return this.bytes.readInt16BE(at);
      case 4:
        return this.bytes.readInt32BE(at);
      case 8: {
        const high = this.bytes.readInt32BE(at); // no BigInt per row
        if (high >= 0x200000 || high < -0x200000) throw new Error('binary COPY integer beyond 2^53');
        return high * 0x1_0000_0000 + this.bytes.readUInt32BE(at + 4);
      }
      default:
        throw new Error(`binary COPY field of ${this.length[i]} bytes is not an integer`);
    }
  }

  /** Field i of the current row as a view of the bytes (no copy); null for NULL. */
  view(i: number): Buffer | null {
    const len = this.length[i]!;
    return len < 0 ? null : this.bytes.subarray(this.start[i]!, this.start[i]! + len);
  }
}

/** An integer for a SQL text that cannot take parameters (COPY): checked, then written as digits. */
export function sqlInt(n: number): string {
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`);
  return String(n);
}
