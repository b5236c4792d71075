/**
 * Actors in this thread: {@link InlineActorFleet}.
 */
import type { Actor, ActorState } from './actor.js';
import type { ActorFleet } from './actor-fleet.js';
import type { ParameterSnapshot, ParameterSource } from './core.js';
import { scheduleMacrotask } from '../internal/macrotask.js';
import { AgentError } from './errors.js';
import type { Trajectory } from './trajectory.js';

/**
 * Options of {@link InlineActorFleet}.
 * @category Agent
 */
export interface InlineActorFleetOptions {
  /**
   * The actors, or a function that makes them given the fleet as their parameter source (then
   * {@link InlineActorFleet.publish} is how they get parameters). Actors given as an array keep the parameter
   * source they were made with (e.g. the learner itself).
   */
  readonly actors: readonly Actor[] | ((source: ParameterSource) => readonly Actor[]);
  /**
   * Unrolls an actor may finish before the consumer has taken its earlier ones.
   * @defaultValue 1
   */
  readonly maxUnrollsAhead?: number;
  /** Called once after the actors stopped, by {@link InlineActorFleet.close} (free their networks and envs here). */
  readonly onClose?: () => void | Promise<void>;
  /**
   * An actor busy in one unroll for longer than this (its environment or its network never answers) is dropped:
   * reported through `onWarning`, never waited for again (not by {@link InlineActorFleet.close} either). When no
   * actor is left, iteration rejects. `Infinity` turns the watch off.
   * @defaultValue 300000 (5 minutes)
   */
  readonly actorTimeoutMs?: number;
  /** Where a dropped actor is reported (one line naming the actor and its env ids). @defaultValue `console.warn` */
  readonly onWarning?: (message: string) => void;
  /** Env ids of each actor, for the messages (entry i for actor i). */
  readonly envIds?: readonly (readonly string[])[];
}

interface Slot {
  readonly actor: Actor;
  /** When the current unroll started (performance.now()), or null while the actor waits for the consumer. */
  busySince: number | null;
  /** Dropped by the watch: hung in an unroll. */
  dropped: boolean;
  /** Unrolls produced and not yet taken. */
  ahead: number;
  /** Wakes the actor's loop when it waits for the consumer. */
  wake: (() => void) | null;
}

const FN = 'InlineActorFleet';
/** How long {@link InlineActorFleet.close} waits for actors in the middle of an unroll. */
const CLOSE_GRACE_MS = 2000;

/**
 * IMPALA actors in this thread's event loop, interleaved with the learner (the embedded default of `train`).
 * Each actor runs a loop of `actor.unroll()`; its unrolls are handed out in the order they finish, and an actor
 * waits while `maxUnrollsAhead` of its unrolls are not yet taken. It is also a {@link ParameterSource}: actors
 * made by a function get the last published snapshot before each unroll.
 *
 * @example
 * ```ts
 * const fleet = new InlineActorFleet({
 *   actors: (source) => [0, 1].map((i) => new Actor({ envs: [makeEnv('CartPole-v1')], model: buildNetwork({}, env, 1),
 *     unrollLength: 20, seed: 1, actorId: i, parameterSource: source })),
 * });
 * fleet.publish(learner.latest());
 * for await (const trajectories of fleet) { ... }
 * ```
 * @category Agent
 */
export class InlineActorFleet implements ActorFleet, ParameterSource {
  readonly #slots: Slot[];
  readonly #maxAhead: number;
  readonly #onClose: (() => void | Promise<void>) | undefined;
  readonly #inbox: { slot: Slot; trajectories: Trajectory[] }[] = [];
  readonly #waiters: { resolve: (r: IteratorResult<Trajectory[], undefined>) => void; reject: (e: Error) => void }[] = [];
  #loops: Promise<void>[] | null = null;
  #latest: ParameterSnapshot | null = null;
  #wakeForParameters: { resolve: (snapshot: ParameterSnapshot) => void; reject: (error: Error) => void }[] = [];
  #failure: Error | null = null;
  #closed = false;
  #closing: Promise<void> | null = null;
  readonly #timeoutMs: number;
  readonly #warn: (message: string) => void;
  readonly #envIds: readonly (readonly string[])[];
  #watch: ReturnType<typeof setInterval> | null = null;

  /** @param options - see {@link InlineActorFleetOptions}. */
  constructor(options: InlineActorFleetOptions) {
    const maxAhead = options.maxUnrollsAhead ?? 1;
    if (!Number.isInteger(maxAhead) || maxAhead < 1) throw new AgentError(`${FN}: 'maxUnrollsAhead' must be an integer >= 1, got ${maxAhead}`);
    this.#maxAhead = maxAhead;
    this.#onClose = options.onClose;
    const actors = typeof options.actors === 'function' ? options.actors(this) : options.actors;
    if (actors.length === 0) throw new AgentError(`${FN}: 'actors' must hold at least one actor`);
    this.#slots = actors.map((actor) => ({ actor, ahead: 0, wake: null, busySince: null, dropped: false }));
    const timeoutMs = options.actorTimeoutMs ?? 300_000;
    if (!(timeoutMs > 0)) throw new AgentError(`${FN}: 'actorTimeoutMs' must be > 0, got ${timeoutMs}`);
    this.#timeoutMs = timeoutMs;
    this.#warn = options.onWarning ?? ((m: string) => { console.warn(m); });
    this.#envIds = options.envIds ?? [];
  }

  /** Actors dropped by the watch (hung in an unroll), by actor id. */
  get droppedActors(): readonly number[] {
    return this.#slots.filter((s) => s.dropped).map((s) => s.actor.actorId);
  }

  /** Checks every busy actor against the timeout; drops the hung ones, and fails the fleet when none is left. */
  #checkActors(): void {
    if (this.#closed || this.#failure) return;
    const now = performance.now();
    for (const slot of this.#slots) {
      if (slot.dropped || slot.busySince === null || now - slot.busySince <= this.#timeoutMs) continue;
      slot.dropped = true;
      const ids = this.#envIds[this.#slots.indexOf(slot)];
      const left = this.#slots.filter((s) => !s.dropped).length;
      this.#warn(
        `${FN}: actor ${slot.actor.actorId}${ids ? ` (env ${[...new Set(ids)].join(', ')})` : ''} delivered nothing for ${Math.round((now - slot.busySince) / 1000)} s (timeout ${this.#timeoutMs / 1000} s): dropped, ${left} actor(s) left`,
      );
      if (left === 0) {
        const e = new AgentError(`${FN}: no actor left: every actor hung (delivered nothing for ${this.#timeoutMs / 1000} s); see the warnings for their env ids`);
        this.#failure = e;
        for (const waiter of this.#waiters.splice(0)) waiter.reject(e);
      }
    }
  }

  /** {@inheritDoc ActorFleet.size} */
  get size(): number {
    return this.#slots.length;
  }

  /** The actors, in actor order. */
  get actors(): readonly Actor[] {
    return this.#slots.map((s) => s.actor);
  }

  /**
   * The last published snapshot (what actors made by a function act with). Before the first publish the actors
   * wait for one.
   *
   * @returns the snapshot.
   */
  latest(): ParameterSnapshot | Promise<ParameterSnapshot> {
    if (this.#latest) return this.#latest;
    return new Promise((resolve, reject) => {
      this.#wakeForParameters.push({ resolve, reject });
    });
  }

  /** {@inheritDoc ActorFleet.publish} */
  publish(snapshot: ParameterSnapshot): void {
    if (this.#closed) return;
    if (this.#latest && snapshot.version <= this.#latest.version) return;
    this.#latest = snapshot;
    for (const waiter of this.#wakeForParameters.splice(0)) waiter.resolve(snapshot);
  }

  /**
   * The actors' states for a checkpoint (entry i for actor i). The states of actors in this thread are read at
   * once, so no timeout is needed; a dropped (hung) actor gives the state it had when its unroll began.
   *
   * @returns one state per actor.
   */
  actorStates(): Promise<readonly ActorState[]> {
    return Promise.resolve(this.#slots.map((s) => s.actor.getState()));
  }

  /**
   * The next unroll of any actor (starting the actors on the first call).
   *
   * @returns the next unroll, or `done` once the fleet is closed.
   */
  next(): Promise<IteratorResult<Trajectory[], undefined>> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#loops === null) {
      this.#loops = this.#slots.map((slot) => this.#run(slot));
      if (Number.isFinite(this.#timeoutMs)) {
        this.#watch = setInterval(() => {
          this.#checkActors();
          // Keeps the process alive only while someone waits for an unroll (a hung env may hold nothing that
          // does, and the wait must end with the watch's verdict).
          if (this.#waiters.length === 0) this.#watch?.unref();
        }, Math.min(1000, Math.max(10, this.#timeoutMs / 4)));
        this.#watch.unref();
      }
    }
    const item = this.#waiters.length === 0 ? this.#inbox.shift() : undefined;
    if (item) return Promise.resolve(this.#take(item));
    if (this.#closed) return Promise.resolve({ done: true, value: undefined });
    this.#watch?.ref();
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /**
   * Iterates over the unrolls until the fleet is closed; leaving the loop early does not close it.
   *
   * @returns an async iterator over unrolls.
   */
  [Symbol.asyncIterator](): AsyncIterator<Trajectory[], undefined> {
    return { next: () => this.next(), return: () => Promise.resolve({ done: true, value: undefined }) };
  }

  /** {@inheritDoc ActorFleet.close} */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      if (this.#watch !== null) clearInterval(this.#watch);
      for (const waiter of this.#waiters.splice(0)) waiter.resolve({ done: true, value: undefined });
      for (const slot of this.#slots) slot.wake?.();
      // Actors waiting for their first parameters are released with an error: their loops see `closed` and end.
      for (const waiter of this.#wakeForParameters.splice(0)) waiter.reject(new AgentError(`${FN}: closed before any parameters were published`));
      // A dropped (hung) actor's loop may never end: wait only for the others, and leave its network alone (a
      // pending call may still use it).
      // An actor still busy after a grace period (its env never answers) is left behind like a dropped one, so
      // that closing is bounded whatever the actors are doing.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.allSettled((this.#loops ?? []).filter((_, i) => !this.#slots[i]!.dropped)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, CLOSE_GRACE_MS);
        }),
      ]);
      clearTimeout(timer);
      for (const slot of this.#slots) {
        if (slot.dropped || slot.busySince === null) continue;
        slot.dropped = true;
        this.#warn(`${FN}.close: actor ${slot.actor.actorId} is still in an unroll after ${CLOSE_GRACE_MS / 1000} s: left behind`);
      }
      this.#inbox.length = 0;
      for (const slot of this.#slots) if (!slot.dropped) slot.actor.dispose();
      await this.#onClose?.();
    })();
    return this.#closing;
  }

  #take(item: { slot: Slot; trajectories: Trajectory[] }): IteratorResult<Trajectory[], undefined> {
    item.slot.ahead--;
    const wake = item.slot.wake;
    item.slot.wake = null;
    wake?.();
    return { done: false, value: item.trajectories };
  }

  /** Read through a method: `close()` may set it while a loop awaits. */
  #isClosed(): boolean {
    return this.#closed;
  }

  async #run(slot: Slot): Promise<void> {
    try {
      while (!this.#closed) {
        // Let timers, I/O and signals in between unrolls: with synchronous envs an unroll settles in microtasks
        // only, and the watch (and a signal handler) would never run.
        await new Promise<void>((resolve) => {
          scheduleMacrotask(resolve);
        });
        if (this.#isClosed()) return;
        slot.busySince = performance.now();
        const trajectories = await slot.actor.unroll();
        slot.busySince = null;
        if (this.#isClosed() || slot.dropped) return;
        slot.ahead++;
        const waiter = this.#waiters.shift();
        if (waiter) waiter.resolve(this.#take({ slot, trajectories }));
        else this.#inbox.push({ slot, trajectories });
        while (slot.ahead >= this.#maxAhead && !this.#isClosed()) {
          await new Promise<void>((resolve) => {
            slot.wake = resolve;
          });
        }
      }
    } catch (error) {
      slot.busySince = null;
      if (this.#closed || slot.dropped) return;
      const e = new AgentError(`${FN}: actor ${slot.actor.actorId} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      this.#failure ??= e;
      for (const waiter of this.#waiters.splice(0)) waiter.reject(e);
    }
  }
}
