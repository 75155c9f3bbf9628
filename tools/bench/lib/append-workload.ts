import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import type { PostgresEventStore } from '@gov/platform-event-sourcing';

import { BIRTH_DATES, LOADED_ACTOR, addressChange, registration } from './synthetic-register';
import type { SyntheticRegister } from './synthetic-register';

/** How long the sequencer loop waits when it found nothing to position. */
const SEQUENCER_IDLE_MS = 5;

/** What one batch of appends did. */
export interface AppendBatch {
  /** Latencies (ms) of the appends that succeeded. */
  readonly latencies: readonly number[];
  readonly errors: number;
  /** The first few failures, verbatim. */
  readonly failures: readonly string[];
  /** From the first append's start to the last one's end. */
  readonly seconds: number;
  readonly newStreams: number;
  readonly existingStreams: number;
  /** From the last append's end until every event was positioned. */
  readonly sequencerDrainMs: number;
}

/**
 * The appends of the growth benchmark on one store holding a {@link SyntheticRegister}: every
 * other append starts a new person (a random birth date, its next free sequence number), the
 * others append an address change to an existing person at its version (a random loaded person
 * each time, never the same twice; on an empty store, a person started earlier in the run).
 * The same seeded choices at every size. While a batch runs, a loop runs the sequencer as the
 * outbox relay does (at once while it finds work, every 5 ms when idle).
 */
export class AppendWorkload {
  private readonly random: () => number;
  private readonly nextFree = new Map<number, number>();
  private readonly usedPersons = new Set<number>();
  /** Streams started by this workload and not being appended to. */
  private readonly ownStreams: { id: string; version: number }[] = [];
  private next = 0;

  constructor(
    private readonly store: PostgresEventStore,
    private readonly register: SyntheticRegister,
    seed = 42,
  ) {
    this.random = mulberry32(seed);
  }

  /** Runs `count` appends from `concurrency` workers, then waits until all are positioned. */
  async run(count: number, concurrency: number): Promise<AppendBatch> {
    const sequencing = { on: true };
    const sequencerClient = await this.store.pool.connect();
    const sequencer = (async () => {
      while (sequencing.on) {
        const run = await this.store.sequence(undefined, sequencerClient);
        if (run.assigned === 0) await sleep(SEQUENCER_IDLE_MS);
      }
    })();
    try {
      const end = this.next + count;
      const latencies: number[] = [];
      const failures: string[] = [];
      let errors = 0;
      let newStreams = 0;
      let existingStreams = 0;
      const started = performance.now();
      const worker = async (): Promise<void> => {
        while (this.next < end) {
          const k = this.next;
          this.next += 1;
          const t0 = performance.now();
          try {
            const kind = await (k % 2 === 0 ? this.startPerson(k) : this.appendToPerson(k));
            latencies.push(performance.now() - t0);
            if (kind === 'new') newStreams += 1;
            else existingStreams += 1;
          } catch (error) {
            errors += 1;
            if (failures.length < 5) {
              failures.push(error instanceof Error ? error.message : String(error));
            }
          }
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      const ended = performance.now();
      while ((await this.store.unpositionedCount()) > 0) await sleep(1);
      return {
        latencies,
        errors,
        failures,
        seconds: (ended - started) / 1000,
        newStreams,
        existingStreams,
        sequencerDrainMs: performance.now() - ended,
      };
    } finally {
      sequencing.on = false;
      await sequencer.catch(() => undefined);
      sequencerClient.release();
    }
  }

  private async startPerson(k: number): Promise<'new'> {
    let day: number;
    let n: number;
    do {
      day = Math.floor(this.random() * BIRTH_DATES);
      n = this.nextFree.get(day) ?? 0;
    } while (n >= this.register.freePerDate);
    this.nextFree.set(day, n + 1);
    const id = this.register.newStreamId(day, n);
    await this.store.append(id, 0, [registration(k, id, day, new Date())], metadata());
    this.ownStreams.push({ id, version: 1 });
    return 'new';
  }

  private async appendToPerson(k: number): Promise<'new' | 'existing'> {
    if (this.register.persons > 0) {
      let i: number;
      do {
        i = Math.floor(this.random() * this.register.persons);
      } while (this.usedPersons.has(i));
      this.usedPersons.add(i);
      const id = this.register.streamId(i);
      const event = addressChange(k, id, new Date());
      await this.store.append(id, this.register.versionOf(i), [event], metadata());
      return 'existing';
    }
    const stream = this.ownStreams.shift();
    if (stream === undefined) return this.startPerson(k);
    const event = addressChange(k, stream.id, new Date());
    await this.store.append(stream.id, stream.version, [event], metadata());
    stream.version += 1;
    this.ownStreams.push(stream);
    return 'existing';
  }
}

function metadata() {
  return { correlationId: randomUUID(), actor: LOADED_ACTOR };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A small seeded generator: the same choices, in the same order, at every size. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
