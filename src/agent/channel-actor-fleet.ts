/**
 * The fleet logic that `WorkerActorFleet` (worker threads) and `WebWorkerActorFleet` (browser Web Workers) share:
 * credits, publishing parameters, handing out unrolls, actor-state requests, failures and the hang watch, over
 * one {@link Channel} per actor. It knows nothing of what carries a channel: the fleets give it a function that
 * opens (or, after a hang, reopens) actor i's channel. Free of Node, so the browser entry can use it.
 */
import type { ActorState } from './actor.js';
import type { FromActorWorker, ToActorWorker } from './actor-worker-protocol.js';
import { actorEnvId } from './actor-seed.js';
import type { Channel } from './channel.js';
import type { ParameterSnapshot } from './core.js';
import { AgentError, remoteError } from './errors.js';
import type { ResolvedActorConfig } from './train-config.js';
import type { Trajectory } from './trajectory.js';

/**
 * Options of {@link ChannelActorFleet.start}; the fleets built on it validate and default them.
 * @category Agent
 */
export interface ChannelActorFleetOptions {
  /** The fleet's name, at the start of every error and warning (e.g. `'WorkerActorFleet'`). */
  readonly caller: string;
  /** Actors, one channel each (actor i is `index` i). */
  readonly numActors: number;
  /** What the actors build; its env ids name a hung actor's environments in the warnings. */
  readonly config: ResolvedActorConfig;
  /** Unrolls an actor may finish before the consumer has taken its earlier ones. */
  readonly credits: number;
  /**
   * Opens actor `index`'s channel and starts the actor (its init says what to build); called again for a
   * restart. Throwing makes start (or the restart) fail.
   *
   * @param index - the actor id.
   * @param state - the actor state to restore: from `actorStates` at start, the last reported one at a restart
   *   (null when there is none).
   */
  readonly open: (index: number, state: ActorState | null) => Channel<ToActorWorker, FromActorWorker>;
  /** Parameters to publish once every actor is ready. */
  readonly parameters?: ParameterSnapshot;
  /** Actor states to restore (entry i for actor i). */
  readonly actorStates?: readonly ActorState[];
  /** Silence (ms) after which an actor with credits is taken as hung; `Infinity` turns the watch off. */
  readonly actorTimeoutMs: number;
  /** Restarts in a row, without an unroll in between, after which a hung actor is dropped. */
  readonly maxRestarts: number;
  /** Where hung actors and late state answers are reported. */
  readonly onWarning: (message: string) => void;
  /**
   * Runs the hand-out of queued unrolls to waiting takers: at once (the default), or in a later task where the
   * carrier needs it (Node's worker ports: see `WorkerActorFleet`).
   * @defaultValue runs it at once
   */
  readonly scheduleHandOut?: (run: () => void) => void;
}

/**
 * Checks the options every Channel-based fleet has.
 *
 * @param caller - the fleet's name, for the error.
 * @param numWorkers - actors.
 * @param credits - `maxUnrollsAhead`.
 * @param actorStates - states to restore, if any.
 * @throws AgentError naming the bad option.
 * @category Agent
 */
export function checkFleetSize(caller: string, numWorkers: number, credits: number, actorStates: readonly ActorState[] | undefined): void {
  if (!Number.isInteger(numWorkers) || numWorkers < 1) throw new AgentError(`${caller}: 'numWorkers' must be an integer >= 1, got ${numWorkers}`);
  if (!Number.isInteger(credits) || credits < 1) throw new AgentError(`${caller}: 'maxUnrollsAhead' must be an integer >= 1, got ${credits}`);
  if (actorStates && actorStates.length > numWorkers) throw new AgentError(`${caller}: ${actorStates.length} actor states for ${numWorkers} workers`);
}

/**
 * Checks the hang watch's options.
 *
 * @param caller - the fleet's name, for the error.
 * @param timeoutMs - `actorTimeoutMs`.
 * @param maxRestarts - `maxRestarts`.
 * @throws AgentError naming the bad option.
 * @category Agent
 */
export function checkHangWatch(caller: string, timeoutMs: number, maxRestarts: number): void {
  if (!(timeoutMs > 0)) throw new AgentError(`${caller}: 'actorTimeoutMs' must be > 0, got ${timeoutMs}`);
  if (!Number.isInteger(maxRestarts) || maxRestarts < 0) throw new AgentError(`${caller}: 'maxRestarts' must be an integer >= 0, got ${maxRestarts}`);
}

interface Slot {
  channel: Channel<ToActorWorker, FromActorWorker>;
  readonly index: number;
  /** When the actor last sent anything (or was started). */
  lastSeen: number;
  /** Whether the current actor has said it is ready. */
  ready: boolean;
  /** Restarts since the actor last delivered an unroll. */
  restartsInARow: number;
  /** Given up on: hung after `maxRestarts` restarts. */
  dropped: boolean;
  state: ActorState;
  /** Parameter version last sent to the actor. */
  sentVersion: number;
  /** Counts restarts: unrolls of an earlier actor in this slot do not give the current one credits. */
  generation: number;
  /** Unrolls the actor may still run as far as this side knows (its credits minus the unrolls received). */
  credits: number;
}

interface Waiter {
  resolve(value: IteratorResult<Trajectory[], undefined>): void;
  reject(error: Error): void;
}

interface StateRequest {
  readonly slot: Slot;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * The shared core of the Channel-based actor fleets (see the module comment). Its methods behave as the fleets'
 * methods of the same names document; the fleets add their carrier (worker threads, Web Workers) and their options.
 * @category Agent
 */
export class ChannelActorFleet {
  readonly #o: ChannelActorFleetOptions;
  readonly #slots: Slot[];
  readonly #envIds: readonly string[][];
  readonly #inbox: { slot: Slot; trajectories: Trajectory[]; generation: number }[] = [];
  readonly #waiters: Waiter[] = [];
  readonly #requests = new Map<number, StateRequest>();
  #nextRequestId = 0;
  #failure: Error | null = null;
  #closed = false;
  #terminated: Promise<void> | null = null;
  #latest: ParameterSnapshot | null = null;
  #handOutScheduled = false;
  #backend = '';
  #restarts = 0;
  #watch: ReturnType<typeof setInterval> | null = null;
  #onStartFailure: ((error: Error) => void) | null = null;

  private constructor(options: ChannelActorFleetOptions, slots: Slot[]) {
    this.#o = options;
    this.#slots = slots;
    const { config } = options;
    const ids = typeof config.env === 'string' ? [config.env] : config.env;
    this.#envIds = slots.map((_, i) => Array.from({ length: config.envsPerActor }, (_, j) => actorEnvId(ids, config.envsPerActor, i, j)));
  }

  /**
   * Opens every actor's channel and waits until each actor is ready; then starts the hang watch and publishes
   * `parameters`.
   *
   * @param options - see {@link ChannelActorFleetOptions}.
   * @returns the running core.
   * @throws when an actor fails to start (every channel is then closed).
   */
  static async start(options: ChannelActorFleetOptions): Promise<ChannelActorFleet> {
    const { credits } = options;
    const slots: Slot[] = [];
    try {
      for (let index = 0; index < options.numActors; index++) {
        const state = options.actorStates?.[index];
        const channel = options.open(index, state ?? null);
        slots.push({ channel, index, state: state ?? { rng: [], unrolls: 0 }, sentVersion: -1, credits, lastSeen: performance.now(), ready: false, restartsInARow: 0, dropped: false, generation: 0 });
      }
    } catch (error) {
      await Promise.all(slots.map((slot) => slot.channel.close()));
      throw error;
    }
    const fleet = new ChannelActorFleet(options, slots);
    try {
      await fleet.#listen();
    } catch (error) {
      await fleet.close();
      throw error;
    }
    fleet.#onStartFailure = null;
    // The watch starts once every actor is ready (start-up has its own failure path).
    if (Number.isFinite(options.actorTimeoutMs) && !fleet.#closed) {
      fleet.#watch = setInterval(() => {
        fleet.#checkActors();
      }, Math.min(1000, Math.max(10, options.actorTimeoutMs / 4)));
      // Node: the watch alone does not keep the process alive (browsers' timers have no unref).
      (fleet.#watch as { unref?: () => void }).unref?.();
    }
    if (options.parameters) fleet.publish(options.parameters);
    return fleet;
  }

  /** Number of actors. */
  get size(): number {
    return this.#slots.length;
  }

  /** The tfjs backend the actors compute with (as the last ready actor named it). */
  get backend(): string {
    return this.#backend;
  }

  /** Whether {@link ChannelActorFleet.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Unrolls received and not yet taken. */
  get pending(): number {
    return this.#inbox.length;
  }

  /** Actors restarted so far because they hung. */
  get restarts(): number {
    return this.#restarts;
  }

  /** The last snapshot given to {@link ChannelActorFleet.publish}, or null. */
  get latestParameters(): ParameterSnapshot | null {
    return this.#latest;
  }

  /** The actor states last reported (or restored, or set), entry i for actor i; copies. */
  get lastActorStates(): ActorState[] {
    return this.#slots.map((s) => ({ rng: [...s.state.rng], unrolls: s.state.unrolls }));
  }

  /** Wires the actors' events; resolves when every actor is ready. */
  #listen(): Promise<void> {
    let ready = 0;
    return new Promise<void>((resolve, reject) => {
      this.#onStartFailure = reject;
      for (const slot of this.#slots) {
        this.#wire(slot, () => {
          if (++ready === this.#slots.length) resolve();
        });
      }
    });
  }

  /** Wires the events of a slot's current channel. */
  #wire(slot: Slot, onReady: () => void): void {
    const { channel, index } = slot;
    const failed = (error: Error): void => {
      this.#fail(error);
      this.#onStartFailure?.(error);
    };
    channel.onMessage((message: FromActorWorker) => {
      if (channel !== slot.channel) return; // a terminated actor's last words
      slot.lastSeen = performance.now();
      if (message.type === 'ready') {
        this.#backend = message.backend;
        slot.ready = true;
        onReady();
      } else if (message.type === 'error') {
        failed(remoteError(this.#o.caller, `worker ${index}`, message.name, message.message, message.stack));
      } else {
        this.#receive(slot, message);
      }
    });
    channel.onClose((error) => {
      if (error !== null && !this.#closed && channel === slot.channel && !slot.dropped) failed(error);
    });
  }

  #receive(slot: Slot, message: Exclude<FromActorWorker, { type: 'ready' | 'error' }>): void {
    if (message.type === 'trajectories') {
      slot.state = message.state;
      slot.credits--;
      slot.restartsInARow = 0;
      if (this.#closed || this.#failure) return;
      this.#inbox.push({ slot, trajectories: message.trajectories, generation: slot.generation });
      this.#scheduleHandOut();
      return;
    }
    if (message.type === 'state') slot.state = message.state;
    const request = this.#requests.get(message.id);
    this.#requests.delete(message.id);
    request?.resolve();
  }

  /** Checks the actors that have work against the timeout; restarts or drops the hung ones. */
  #checkActors(): void {
    if (this.#closed || this.#failure) return;
    const { caller, actorTimeoutMs: timeoutMs, maxRestarts } = this.#o;
    const now = performance.now();
    for (const slot of this.#slots) {
      if (slot.dropped) continue;
      const limit = slot.ready ? timeoutMs : Math.max(timeoutMs, 120_000);
      // An actor without credits waits for the learner: its silence is expected.
      if ((slot.ready && slot.credits <= 0) || now - slot.lastSeen <= limit) continue;
      const envs = [...new Set(this.#envIds[slot.index] ?? [])].join(', ');
      const silent = Math.round((now - slot.lastSeen) / 1000);
      void slot.channel.close();
      if (slot.restartsInARow >= maxRestarts) {
        slot.dropped = true;
        const left = this.#slots.filter((s) => !s.dropped).length;
        this.#o.onWarning(`${caller}: actor ${slot.index} (env ${envs}) sent nothing for ${silent} s after ${slot.restartsInARow} restart(s): dropped, ${left} actor(s) left`);
        this.#settleRequestsOf(slot);
        if (left === 0) this.#fail(new AgentError(`${caller}: no actor left: every worker hung (sent nothing for ${timeoutMs / 1000} s, even after restarts); see the warnings for their env ids`));
        continue;
      }
      slot.restartsInARow++;
      this.#restarts++;
      this.#o.onWarning(`${caller}: actor ${slot.index} (env ${envs}) sent nothing for ${silent} s (timeout ${timeoutMs / 1000} s): worker terminated and restarted with fresh environments (restart ${this.#restarts})`);
      this.#settleRequestsOf(slot);
      if (!this.#restart(slot)) return;
    }
  }

  /**
   * Replaces a slot's hung actor with a fresh one that restores the slot's last reported state.
   * @returns false when the actor could not be opened (the fleet has then failed).
   */
  #restart(slot: Slot): boolean {
    try {
      slot.channel = this.#o.open(slot.index, slot.state.rng.length > 0 ? slot.state : null);
    } catch (error) {
      this.#fail(error instanceof Error ? error : new Error(String(error)));
      return false;
    }
    slot.ready = false;
    slot.lastSeen = performance.now();
    slot.sentVersion = -1;
    slot.credits = this.#o.credits;
    slot.generation++;
    this.#wire(slot, () => {
      // A restarted actor gets the newest parameters as soon as it is ready.
      const latest = this.#latest;
      if (latest && !this.#closed) {
        const weights = latest.weights.slice();
        slot.channel.send({ type: 'parameters', snapshot: { ...latest, weights } }, [weights.buffer]);
        slot.sentVersion = latest.version;
      }
    });
    return true;
  }

  /** Ends the pending state requests of an actor that is gone: its last reported state stands. */
  #settleRequestsOf(slot: Slot): void {
    for (const [id, request] of this.#requests) {
      if (request.slot !== slot) continue;
      this.#requests.delete(id);
      request.resolve();
    }
  }

  /** Hands queued unrolls to waiting takers, when the `scheduleHandOut` option runs it. */
  #scheduleHandOut(): void {
    if (this.#handOutScheduled || this.#waiters.length === 0) return;
    this.#handOutScheduled = true;
    const run = (): void => {
      this.#handOutScheduled = false;
      while (this.#waiters.length > 0 && this.#inbox.length > 0) {
        const item = this.#inbox.shift()!;
        if (item.generation === item.slot.generation && !item.slot.dropped) this.#credit(item.slot);
        this.#waiters.shift()!.resolve({ done: false, value: item.trajectories });
      }
    };
    if (this.#o.scheduleHandOut) this.#o.scheduleHandOut(run);
    else run();
  }

  /** Gives an actor one more unroll, with the newest parameters when it has not got them yet. */
  #credit(slot: Slot): void {
    // An actor that had no credits was waiting for the consumer: its silence is timed from now, when it gets work.
    if (slot.credits <= 0) slot.lastSeen = performance.now();
    const latest = this.#latest;
    if (latest && latest.version > slot.sentVersion) {
      const weights = latest.weights.slice();
      slot.channel.send({ type: 'credit', parameters: { ...latest, weights } }, [weights.buffer]);
      slot.sentVersion = latest.version;
    } else {
      slot.channel.send({ type: 'credit', parameters: null });
    }
    slot.credits++;
  }

  #fail(error: Error): void {
    if (this.#failure || this.#closed) return;
    this.#failure = error;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    for (const request of this.#requests.values()) request.reject(error);
    this.#requests.clear();
    this.#inbox.length = 0;
    if (this.#watch !== null) clearInterval(this.#watch);
    this.#terminated = this.#closeChannels();
  }

  async #closeChannels(): Promise<void> {
    await Promise.all(this.#slots.map((slot) => slot.channel.close()));
  }

  /**
   * Makes new parameters available to the actors; each gets its own copy, transferred, at once when it has
   * credits and with its next credit otherwise. Does nothing once closed or failed.
   *
   * @param snapshot - the learner's `latest()`; its array is not modified.
   */
  publish(snapshot: ParameterSnapshot): void {
    if (this.#closed || this.#failure) return;
    this.#latest = snapshot;
    for (const slot of this.#slots) {
      if (snapshot.version <= slot.sentVersion || slot.credits <= 0) continue;
      const weights = snapshot.weights.slice();
      slot.channel.send({ type: 'parameters', snapshot: { ...snapshot, weights } }, [weights.buffer]);
      slot.sentVersion = snapshot.version;
    }
  }

  /**
   * The next unroll of any actor, in arrival order; taking it gives its actor a credit.
   *
   * @returns the unroll, or `done` once closed.
   * @throws the failure, once an actor failed.
   */
  next(): Promise<IteratorResult<Trajectory[], undefined>> {
    if (this.#failure) return Promise.reject(this.#failure);
    // Earlier takers still waiting for a hand-out go first.
    const item = this.#waiters.length === 0 ? this.#inbox.shift() : undefined;
    if (item) {
      if (item.generation === item.slot.generation && !item.slot.dropped) this.#credit(item.slot);
      return Promise.resolve({ done: false, value: item.trajectories });
    }
    if (this.#closed) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.#scheduleHandOut();
    });
  }

  /**
   * Asks every actor for its state (each answers between two unrolls); once closed or failed, or for a dropped
   * actor, the last reported states stand.
   *
   * @returns one state per actor.
   */
  async getActorStates(): Promise<ActorState[]> {
    if (!this.#closed && !this.#failure) {
      await Promise.all(this.#slots.map((slot) => this.#request(slot, (id) => ({ type: 'get-state', id })))).catch((error: unknown) => {
        // An actor failed while answering: fall back to the last reported states, as after a failure.
        if (error !== this.#failure) throw error;
      });
    }
    return this.lastActorStates;
  }

  /**
   * Restores actor states (entry i for actor i), applied by each actor before its next unroll.
   *
   * @param states - one state per actor.
   * @throws the failure, or after close.
   */
  async setActorStates(states: readonly ActorState[]): Promise<void> {
    const { caller } = this.#o;
    if (states.length !== this.#slots.length) throw new AgentError(`${caller}: setActorStates got ${states.length} states for ${this.#slots.length} workers`);
    if (this.#failure) throw this.#failure;
    if (this.#closed) throw new AgentError(`${caller}: setActorStates after close()`);
    await Promise.all(this.#slots.map((slot, i) => this.#request(slot, (id) => ({ type: 'set-state', id, state: states[i]! }))));
    this.#slots.forEach((slot, i) => {
      slot.state = states[i]!;
    });
  }

  /**
   * The actors' states within `timeoutMs`, never longer: an actor that does not answer in time (busy in a long
   * or stuck unroll) is represented by the state it reported last.
   *
   * @param timeoutMs - the longest wait.
   * @returns one state per actor, and the ids of the actors that did not answer in time.
   */
  async actorStates(timeoutMs: number): Promise<{ states: ActorState[]; late: number[] }> {
    const late = new Set(this.#slots.filter((s) => !s.dropped));
    if (!this.#closed && !this.#failure) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, timeoutMs));
      });
      const answered = Promise.all([...late].map((slot) => this.#request(slot, (id) => ({ type: 'get-state', id })).then(() => { late.delete(slot); }))).then(
        () => undefined,
        (error: unknown) => {
          if (error !== this.#failure) throw error;
        },
      );
      try {
        await Promise.race([answered, timeout]);
      } finally {
        clearTimeout(timer);
      }
    } else {
      late.clear();
    }
    return { states: this.lastActorStates, late: [...late].map((s) => s.index) };
  }

  #request(slot: Slot, message: (id: number) => ToActorWorker): Promise<void> {
    // A dropped actor's channel is closed: it would never answer.
    if (slot.dropped) return Promise.resolve();
    const id = this.#nextRequestId++;
    return new Promise<void>((resolve, reject) => {
      this.#requests.set(id, { slot, resolve, reject });
      slot.channel.send(message(id));
    });
  }

  /** Closes every channel (terminating the actors) and ends iteration; safe to call more than once. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      if (this.#watch !== null) clearInterval(this.#watch);
      for (const waiter of this.#waiters.splice(0)) waiter.resolve({ done: true, value: undefined });
      // Outstanding state requests end with the last reported states.
      for (const request of this.#requests.values()) request.resolve();
      this.#requests.clear();
      this.#inbox.length = 0;
      this.#terminated ??= this.#closeChannels();
    }
    await this.#terminated;
  }
}
