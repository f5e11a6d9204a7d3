/** An org's tables and the id lookups that span them. */
import { Automation } from './automation.ts';
import { MonotonicClock } from './clock.ts';
import { base62Tag, canonicalId15, IdCodec, to18 } from './ids.ts';
import { DATA_OBJECTS, findObject, OBJECTS, type ObjectDef } from './objects.ts';
import { Table, type TableDump } from './table.ts';

export interface StoreDump {
  clock: number;
  tables: Record<string, TableDump>;
}

export interface RecordRef {
  table: Table;
  row: number;
}

export class OrgStore {
  readonly tables = new Map<string, Table>();
  private readonly byPrefix = new Map<string, Table>();
  readonly clock: MonotonicClock;
  /** Assignment and duplicate rules, and the count of writes (tests read it). */
  readonly automation = new Automation();
  /** Children a delete took to the recycle bin with a record, keyed `Object:row`: an undelete brings them back. */
  readonly cascaded = new Map<string, RecordRef[]>();
  /** Who made the org's history and the writes made outside the API (someone else's tools, in tests). */
  readonly otherUserId: string;

  constructor(orgId: string, seed: number, now: () => number) {
    const orgTag = base62Tag(`${orgId}:${seed}`, 2);
    this.otherUserId = to18(`005${orgTag}0000000002`);
    for (const object of OBJECTS) {
      // Counters start at an org-specific offset so ids look different between orgs. Record types
      // are metadata: a sandbox copied from production keeps their ids, so every org shares them.
      const metadata = object.name === 'RecordType';
      const start = metadata ? 1_000_000 : 1_000_000 + (parseInt(base62Tag(`${orgId}:${object.name}:${seed}`, 3), 36) % 50_000) * 1000;
      const table = new Table(object, new IdCodec(object.keyPrefix, metadata ? base62Tag('metadata', 2) : orgTag, start));
      this.tables.set(object.name, table);
      // Mirror objects share prefixes (017 for every history object); ids resolve to the first.
      if (!this.byPrefix.has(object.keyPrefix)) this.byPrefix.set(object.keyPrefix, table);
    }
    this.clock = new MonotonicClock(now, 0);
  }

  table(name: string): Table | undefined {
    const object = findObject(name);
    return object ? this.tables.get(object.name) : undefined;
  }

  tableOf(object: ObjectDef): Table {
    return this.tables.get(object.name)!;
  }

  /** The record an id names (deleted or not), or undefined. */
  resolve(id: string): RecordRef | undefined {
    const id15 = canonicalId15(id);
    if (!id15) return undefined;
    const table = this.byPrefix.get(id15.slice(0, 3));
    if (!table) return undefined;
    const row = table.codec.rowOf(id15);
    return row >= 0 && row < table.length && !table.isPurged(row) ? { table, row } : undefined;
  }

  dump(): StoreDump {
    return { clock: this.clock.latest, tables: Object.fromEntries([...this.tables].map(([name, table]) => [name, table.dump()])) };
  }

  /** Loads what `dump` saved into this empty store; objects the catalogue no longer has are dropped. */
  load(dump: StoreDump): void {
    for (const [name, table] of Object.entries(dump.tables)) this.tables.get(name)?.load(table);
    this.clock.advanceTo(dump.clock);
  }

  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const name of DATA_OBJECTS) counts[name] = this.tables.get(name)!.liveCount();
    return counts;
  }
}
