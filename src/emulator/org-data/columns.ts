/** Column storage: typed arrays where values are numbers, so a million rows stay compact. */

export type StoredValue = string | number | boolean | null;

export interface Column {
  get(row: number): StoredValue;
  set(row: number, value: StoredValue): void;
  push(value: StoredValue): void;
  truncate(length: number): void;
}

export class StringColumn implements Column {
  private values: (string | null)[] = [];
  get(row: number): string | null {
    return this.values[row];
  }
  set(row: number, value: StoredValue): void {
    this.values[row] = value as string | null;
  }
  push(value: StoredValue): void {
    this.values.push(value as string | null);
  }
  truncate(length: number): void {
    this.values.length = length;
  }
}

type TypedArray = Float64Array | Int32Array | Uint8Array;

abstract class TypedColumn<A extends TypedArray> implements Column {
  protected data: A;
  private length = 0;

  constructor(private readonly make: (capacity: number) => A) {
    this.data = make(1024);
  }

  protected abstract encode(value: StoredValue): number;
  abstract get(row: number): StoredValue;

  set(row: number, value: StoredValue): void {
    this.data[row] = this.encode(value);
  }
  push(value: StoredValue): void {
    if (this.length === this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = this.encode(value);
  }
  truncate(length: number): void {
    this.length = length;
  }
}

/** Numbers and datetimes (epoch ms); NaN is null. */
export class NumberColumn extends TypedColumn<Float64Array> {
  constructor() {
    super((n) => new Float64Array(n));
  }
  protected encode(value: StoredValue): number {
    return value === null ? NaN : (value as number);
  }
  get(row: number): number | null {
    const v = this.data[row];
    return v !== v ? null : v;
  }
}

/** Lookups hold the parent's row number; -1 is null. */
export class ReferenceColumn extends TypedColumn<Int32Array> {
  constructor() {
    super((n) => new Int32Array(n));
  }
  protected encode(value: StoredValue): number {
    return value === null ? -1 : (value as number);
  }
  get(row: number): number | null {
    const v = this.data[row];
    return v < 0 ? null : v;
  }
}

export class BooleanColumn extends TypedColumn<Uint8Array> {
  constructor() {
    super((n) => new Uint8Array(n));
  }
  protected encode(value: StoredValue): number {
    return value ? 1 : 0;
  }
  get(row: number): boolean {
    return this.data[row] === 1;
  }
}
