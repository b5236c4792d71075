/**
 * `impala-rl learner`, `impala-rl actor` and `impala-rl health`: the gRPC learner service from the command line
 * (docs/distributed.md).
 */
import { Command } from 'commander';
import type { BackendRequest } from '../backends/backend-names.js';
import { checkLearnerHealth } from '../grpc/health-check.js';
import { GrpcActorFleet } from '../grpc/grpc-actor-fleet.js';
import { LearnerUnreachableError, RemoteActorRefusedError } from '../grpc/errors.js';
import { runRemoteActor } from '../grpc/remote-actor.js';
import type { ActorTlsOptions, LearnerTlsOptions } from '../grpc/transport-options.js';
import { CliUsageError } from './cli-usage-error.js';
import { integerAtLeast, numberIn } from './flag-parsers.js';
import { addTransportOptions, readFlagFile, readTransportOptions } from './grpc-flags.js';
import { setupTfjs } from './setup-tfjs.js';
import { installStopSignals } from './stop-signals.js';
import { addTrainOptions, resolveTrainOptions } from './train-args.js';
import { readSavedConfig, runTrainCommand, type CliIo, type RunTrainCommandOptions } from './train-command.js';

/** Exit code of an actor the learner refused (token, env or model mismatch). */
export const REFUSED_EXIT_CODE = 3;
/** Exit code of an actor that gave up reaching its learner (`--retry-for`). */
export const UNREACHABLE_EXIT_CODE = 4;

const BACKENDS = ['auto', 'cpu', 'wasm', 'tensorflow'];

/** `impala-rl learner`: the `train` flags plus where to listen and how to secure it. */
export function learnerCommand(io: CliIo, options: RunTrainCommandOptions, setCode: (code: number) => void, onRun: () => void = () => undefined): Command {
  const command = addTransportOptions(addTrainOptions(new Command('learner')))
    .description('train with actors in other processes or on other machines (impala-rl actor) over gRPC')
    .requiredOption('--listen <host:port>', 'address to serve actors on, e.g. 127.0.0.1:50051 or 0.0.0.0:50051 (plaintext only on loopback unless --insecure-listen)')
    .option('--tls-cert <file>', "the learner's TLS certificate chain (PEM)")
    .option('--tls-key <file>', "the learner's TLS private key (PEM)")
    .option('--tls-client-ca <file>', 'require actors to present a client certificate signed by this CA (PEM)')
    .option('--insecure-listen', 'allow plaintext on a non-loopback address (a trusted private network only: the token and all data travel unencrypted)')
    .addHelpText(
      'after',
      `
The learner trains like 'impala-rl train' (same flags, presets, metrics, checkpoints and --resume), but its actors
are 'impala-rl actor' processes that connect to --listen. It stops at --total-frames, tells the actors to finish,
writes the final checkpoint and exits 0.

Examples:
  impala-rl learner --listen 127.0.0.1:50051 --env CartPole-v1 --run-dir runs/cartpole
  impala-rl actor --connect 127.0.0.1:50051 --env CartPole-v1          (one per actor process)
  IMPALA_RL_TOKEN=... impala-rl learner --listen 0.0.0.0:50051 --tls-cert server.pem --tls-key server.key --env CartPole-v1 --run-dir runs/c`,
    )
    .action(async (_opts: unknown, cmd: Command) => {
      onRun();
      const raw = cmd.opts();
      const note = (line: string): void => {
        io.stderr.write(`${line}\n`);
      };
      const transport = readTransportOptions(raw, process.env, note);
      const tls = learnerTls(raw);
      if (raw.inference !== undefined) throw new CliUsageError("--inference: each actor chooses (impala-rl actor --inference local|remote); the learner serves both. Its batching: --minimum-batch-size, --maximum-batch-size, --timeout-ms");
      const parsed = resolveTrainOptions(raw, { readSavedConfig });
      const listen = raw.listen as string;
      const log = (line: string): void => {
        if (!parsed.quiet) io.stderr.write(`${line}\n`);
      };
      const fleet = GrpcActorFleet.factory({
        listen,
        token: transport.token,
        ...(transport.maxMessageBytes !== undefined ? { maxMessageBytes: transport.maxMessageBytes } : {}),
        ...(transport.compression !== undefined ? { compression: transport.compression } : {}),
        ...(tls ? { tls } : {}),
        insecureListen: raw.insecureListen === true,
        onLog: log,
        ...(parsed.config.inferenceBatching ? { inferenceBatching: parsed.config.inferenceBatching } : {}),
      });
      setCode(await runTrainCommand(parsed, io, { ...options, commandName: 'learner', fleet, resumeFlags: `--listen ${listen}` }));
    });
  return command;
}

function learnerTls(raw: Readonly<Record<string, unknown>>): LearnerTlsOptions | undefined {
  const cert = raw.tlsCert as string | undefined;
  const key = raw.tlsKey as string | undefined;
  const clientCa = raw.tlsClientCa as string | undefined;
  if (cert === undefined && key === undefined) {
    if (clientCa !== undefined) throw new CliUsageError('--tls-client-ca: needs --tls-cert and --tls-key (client certificates are checked over TLS)');
    return undefined;
  }
  if (cert === undefined || key === undefined) throw new CliUsageError(`${cert === undefined ? '--tls-cert' : '--tls-key'}: required with ${cert === undefined ? '--tls-key' : '--tls-cert'}`);
  return {
    cert: readFlagFile('--tls-cert', cert),
    key: readFlagFile('--tls-key', key),
    ...(clientCa !== undefined ? { clientCa: readFlagFile('--tls-client-ca', clientCa) } : {}),
  };
}

function actorTls(raw: Readonly<Record<string, unknown>>): ActorTlsOptions | undefined {
  const ca = raw.tlsCa as string | undefined;
  const cert = raw.tlsCert as string | undefined;
  const key = raw.tlsKey as string | undefined;
  const serverName = raw.tlsServerName as string | undefined;
  if (ca === undefined && cert === undefined && key === undefined) {
    if (serverName !== undefined) throw new CliUsageError('--tls-server-name: needs --tls-ca');
    return undefined;
  }
  if ((cert === undefined) !== (key === undefined)) throw new CliUsageError(`${cert === undefined ? '--tls-cert' : '--tls-key'}: required with ${cert === undefined ? '--tls-key' : '--tls-cert'} (a client certificate)`);
  return {
    ...(ca !== undefined ? { ca: readFlagFile('--tls-ca', ca) } : {}),
    ...(cert !== undefined ? { cert: readFlagFile('--tls-cert', cert) } : {}),
    ...(key !== undefined ? { key: readFlagFile('--tls-key', key) } : {}),
    ...(serverName !== undefined ? { serverName } : {}),
  };
}

/** `impala-rl actor`. */
export function actorCommand(io: CliIo, options: RunTrainCommandOptions, setCode: (code: number) => void): Command {
  return addTransportOptions(new Command('actor'))
    .description('step environments for a learner (impala-rl learner) and stream it trajectories over gRPC')
    .requiredOption('--connect <host:port>', "the learner's address")
    .option('--env <id>', "the environment to step; one the learner trains (default: the learner's first)")
    .option('--envs-per-actor <n>', "environments stepped with one batched inference (default: the learner's --envs-per-actor)", integerAtLeast(1))
    .option('--actor-backend <name>', `tfjs backend for inference: ${BACKENDS.join(', ')} (default: auto)`)
    .option('--inference <where>', 'local: run the policy here and send unrolls; remote: the learner runs it (central inference), this process only steps envs (default: local)')
    .option('--tls-ca <file>', "CA of the learner's certificate (PEM); enables TLS")
    .option('--tls-cert <file>', 'client certificate (PEM), when the learner requires one')
    .option('--tls-key <file>', 'client private key (PEM)')
    .option('--tls-server-name <name>', "name to check the learner's certificate against, when not the --connect host")
    .option('--retry-for <seconds>', 'give up (exit 4) after this long without reaching the learner (default: 600)', numberIn({ above: 0 }))
    .option('--quiet', 'print only errors')
    .option('--verbose', "print the backend's details")
    .addHelpText(
      'after',
      `
Exit codes: 0 the learner said the run is over; 3 refused by the learner (token, env or model mismatch: retrying
cannot help); 4 gave up after --retry-for seconds without the learner; 130/143 stopped by SIGINT/SIGTERM; 2 bad flags.`,
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const raw = cmd.opts();
      const quiet = raw.quiet === true;
      const log = (line: string): void => {
        if (!quiet) io.stderr.write(`${line}\n`);
      };
      const transport = readTransportOptions(raw, process.env, (line) => io.stderr.write(`${line}\n`));
      const tls = actorTls(raw);
      const backend = (raw.actorBackend as string | undefined) ?? 'auto';
      if (!BACKENDS.includes(backend)) throw new CliUsageError(`--actor-backend: expected one of ${BACKENDS.join(', ')}, got '${backend}'`);
      const inference = (raw.inference as string | undefined) ?? 'local';
      if (inference !== 'local' && inference !== 'remote') throw new CliUsageError(`--inference: expected local or remote, got '${inference}'`);
      if (inference === 'remote' && raw.actorBackend !== undefined) throw new CliUsageError('--actor-backend: not used with --inference remote (the learner runs the policy)');
      // A thin actor of central inference runs no network: no tfjs backend to set up.
      if (inference === 'local') await setupTfjs(backend as BackendRequest, log, raw.verbose === true);
      const controller = new AbortController();
      const stop: { signal: NodeJS.Signals | null } = { signal: null };
      const uninstall = (options.handleSignals ?? true)
        ? installStopSignals({
            onStop: (name) => {
              stop.signal = name;
              io.stderr.write(`impala-rl actor: ${name}: stopping after this unroll (${name === 'SIGINT' ? 'Ctrl-C' : name} again to exit at once)\n`);
              controller.abort();
            },
          })
        : () => undefined;
      options.signal?.addEventListener('abort', () => {
        controller.abort();
      }, { once: true });
      try {
        const retryFor = raw.retryFor as number | undefined;
        const result = await runRemoteActor({
          connect: raw.connect as string,
          ...(raw.env !== undefined ? { env: raw.env as string } : {}),
          ...(raw.envsPerActor !== undefined ? { envsPerActor: raw.envsPerActor as number } : {}),
          token: transport.token,
          inference,
          ...(transport.maxMessageBytes !== undefined ? { maxMessageBytes: transport.maxMessageBytes } : {}),
          ...(transport.compression !== undefined ? { compression: transport.compression } : {}),
          ...(tls ? { tls } : {}),
          ...(retryFor !== undefined ? { retry: { giveUpAfterMs: retryFor * 1000 } } : {}),
          signal: controller.signal,
          onLog: (line) => {
            log(`impala-rl ${line}`);
          },
        });
        io.stdout.write(`impala-rl actor: ${result.reason} (actor ${result.actorId}, ${result.unrolls} unrolls taken by the learner, ${result.steps} env steps, ${result.sessions} session${result.sessions === 1 ? '' : 's'})\n`);
        setCode(result.reason === 'stopped' ? 128 + (stop.signal === 'SIGTERM' ? 15 : 2) : 0);
      } catch (error) {
        if (error instanceof RemoteActorRefusedError) {
          io.stderr.write(`impala-rl actor: ${error.message}\n`);
          setCode(REFUSED_EXIT_CODE);
          return;
        }
        if (error instanceof LearnerUnreachableError) {
          io.stderr.write(`impala-rl actor: ${error.message}\n`);
          setCode(UNREACHABLE_EXIT_CODE);
          return;
        }
        throw error;
      } finally {
        uninstall();
      }
    });
}

/** `impala-rl health`. */
export function healthCommand(io: CliIo, setCode: (code: number) => void): Command {
  return new Command('health')
    .description("ask a learner's gRPC health service (grpc.health.v1) whether it is serving; exit 0 when SERVING, 1 otherwise")
    .requiredOption('--connect <host:port>', "the learner's address")
    .option('--service <name>', "the service to ask about ('' for the server, or impala_rl.v1.Learner)", '')
    .option('--tls-ca <file>', "CA of the learner's certificate (PEM); enables TLS")
    .option('--tls-cert <file>', 'client certificate (PEM), when the learner requires one (--tls-client-ca)')
    .option('--tls-key <file>', 'client private key (PEM)')
    .option('--tls-server-name <name>', "name to check the learner's certificate against")
    .option('--timeout <seconds>', 'longest wait for the answer (default: 5)', numberIn({ above: 0 }))
    .action(async (_opts: unknown, cmd: Command) => {
      const raw = cmd.opts();
      const tls = actorTls(raw);
      const status = await checkLearnerHealth({
        connect: raw.connect as string,
        service: raw.service as string,
        ...(tls ? { tls } : {}),
        timeoutMs: ((raw.timeout as number | undefined) ?? 5) * 1000,
      });
      io.stdout.write(`${status}\n`);
      setCode(status === 'SERVING' ? 0 : 1);
    });
}
