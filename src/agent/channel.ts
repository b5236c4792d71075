/**
 * A message channel between an actor fleet and one of its actors, whatever carries it: the fleets and the actor
 * endpoint speak only this interface, so a worker thread (`worker-channel.ts`, the one file that knows
 * `worker_threads`), a child process or a network stream can carry the same messages.
 */

/**
 * One end of a two-way message channel. Messages are structured-cloneable objects whose typed arrays may be
 * transferred (moved, not copied) where the carrier can do that.
 *
 * @typeParam Out - messages this end sends.
 * @typeParam In - messages this end receives.
 * @category Agent
 */
export interface Channel<Out, In> {
  /**
   * Sends a message. Does nothing once the channel is closed.
   *
   * @param message - the message.
   * @param transfer - buffers of the message's typed arrays that may be moved instead of copied (they become
   *   unusable here); a carrier that cannot move them copies them.
   */
  send(message: Out, transfer?: readonly ArrayBuffer[]): void;
  /**
   * Sets the handler of incoming messages (one handler; a later call replaces it).
   *
   * @param handler - called once per message, in order.
   */
  onMessage(handler: (message: In) => void): void;
  /**
   * Sets the handler called once when the other end is gone: `error` is null after {@link Channel.close} and an
   * Error that says why otherwise (the peer crashed, exited, or sent something unreadable).
   *
   * @param handler - the handler.
   */
  onClose(handler: (error: Error | null) => void): void;
  /** Closes the channel and ends the other side (a worker is terminated); safe to call more than once. */
  close(): Promise<void>;
}
