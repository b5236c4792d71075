// The deployment files agree with each other and with the command-line contract of the distributed commands:
// Dockerfile, docker-compose.yml and deploy/k8s/*.yaml are parsed (no docker or kubectl needed) and the fields
// that must match are compared: ports, secret names, mount paths against --token-file/--tls-* paths, the
// actors' --connect host against the learner's service, the run directory against its volume, the image's
// entrypoint and user. Expected values come from the files themselves (one is checked against another), from
// the CLI contract (flag lists below; default port 50051) and, for `impala-rl train`'s flags, from the CLI's code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { parse, parseAllDocuments } from 'yaml';
import { addTrainOptions } from '../../src/cli/train-args.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

// ---------------------------------------------------------------------------------------------------------------
// The CLI contract. THESE LISTS MUST MATCH THE CLI: the `learner`, `actor` and `health` commands' options (and
// docs/distributed.md). 'value' flags take an argument, 'switch' flags take none.
// ---------------------------------------------------------------------------------------------------------------
type FlagKind = 'value' | 'switch';
type FlagSpec = Readonly<Record<string, FlagKind>>;

/** `impala-rl learner` accepts every flag of `impala-rl train` (read from the CLI's code below) and these. */
const LEARNER_ONLY_FLAGS: FlagSpec = {
  '--listen': 'value',
  '--token-file': 'value',
  '--tls-cert': 'value',
  '--tls-key': 'value',
  '--tls-client-ca': 'value',
  '--insecure-listen': 'switch',
  '--max-message-mb': 'value',
  '--compression': 'value',
};
const ACTOR_FLAGS: FlagSpec = {
  '--connect': 'value',
  '--env': 'value',
  '--envs-per-actor': 'value',
  '--actor-backend': 'value',
  '--token-file': 'value',
  '--tls-ca': 'value',
  '--tls-cert': 'value',
  '--tls-key': 'value',
  '--retry-for': 'value',
};
const HEALTH_FLAGS: FlagSpec = {
  '--connect': 'value',
  '--tls-ca': 'value',
  '--token-file': 'value',
  '--service': 'value',
  '--timeout': 'value',
};
/** `impala-rl train`'s flags, from the code that defines them (a flag with `<value>` or `[value]` takes one). */
const TRAIN_FLAGS: FlagSpec = Object.fromEntries(
  addTrainOptions(new Command('train')).options.map((o) => [o.long!, o.required || o.optional ? 'value' : 'switch'] as const),
);
const COMMAND_FLAGS: Readonly<Record<string, FlagSpec>> = {
  learner: { ...TRAIN_FLAGS, ...LEARNER_ONLY_FLAGS },
  actor: ACTOR_FLAGS,
  health: HEALTH_FLAGS,
};
/** The contract's default port of the learner. */
const DEFAULT_PORT = 50051;
/** Flags whose value is a file the container must have (a mounted secret). */
const FILE_FLAGS = ['--token-file', '--tls-cert', '--tls-key', '--tls-ca', '--tls-client-ca'];

test('the contract lists are consistent with train: the learner takes --env, --run-dir, --resume-or-start and --backend', () => {
  for (const flag of ['--env', '--run-dir', '--total-frames', '--resume', '--resume-or-start', '--backend']) {
    assert.ok(flag in COMMAND_FLAGS.learner!, flag);
  }
  assert.equal(COMMAND_FLAGS.learner!['--resume-or-start'], 'switch');
  assert.equal(COMMAND_FLAGS.learner!['--run-dir'], 'value');
});

// ---------------------------------------------------------------------------------------------------------------
// Reading untyped YAML safely.
// ---------------------------------------------------------------------------------------------------------------
type Obj = Record<string, unknown>;
function obj(v: unknown, where: string): Obj {
  assert.ok(typeof v === 'object' && v !== null && !Array.isArray(v), `${where}: expected a mapping`);
  return v as Obj;
}
function arr(v: unknown, where: string): unknown[] {
  assert.ok(Array.isArray(v), `${where}: expected a list`);
  return v;
}
function str(v: unknown, where: string): string {
  assert.equal(typeof v, 'string', `${where}: expected a string`);
  return v as string;
}
function num(v: unknown, where: string): number {
  assert.equal(typeof v, 'number', `${where}: expected a number`);
  return v as number;
}
const strings = (v: unknown, where: string): string[] => arr(v, where).map((x, i) => str(x, `${where}[${i}]`));
const optional = (o: Obj, key: string): unknown => o[key];

// ---------------------------------------------------------------------------------------------------------------
// Command lines.
// ---------------------------------------------------------------------------------------------------------------
interface Invocation {
  readonly command: string;
  readonly flags: ReadonlyMap<string, string | true>;
  readonly where: string;
}

/** Parses `impala-rl` arguments (subcommand first) against the contract; fails on any flag it does not list. */
function parseCli(args: readonly string[], where: string): Invocation {
  const [command, ...rest] = args;
  assert.ok(command !== undefined && command in COMMAND_FLAGS, `${where}: '${command}' is not learner, actor or health`);
  const spec = COMMAND_FLAGS[command]!;
  const flags = new Map<string, string | true>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const kind = spec[name];
    assert.ok(kind !== undefined, `${where}: '${arg}' is not a flag of impala-rl ${command} (test/deploy/manifests.test.ts lists them)`);
    assert.ok(!flags.has(name), `${where}: ${name} given twice`);
    if (kind === 'switch') {
      assert.ok(eq < 0, `${where}: ${name} takes no value`);
      flags.set(name, true);
    } else if (eq > 0) {
      flags.set(name, arg.slice(eq + 1));
    } else {
      const value = rest[++i];
      assert.ok(value !== undefined && !value.startsWith('--'), `${where}: ${name} needs a value`);
      flags.set(name, value);
    }
  }
  return { command, flags, where };
}

function value(inv: Invocation, flag: string): string {
  const v = inv.flags.get(flag);
  assert.equal(typeof v, 'string', `${inv.where}: ${flag} <value> is missing`);
  return v as string;
}

function hostPort(address: string, where: string): { host: string; port: number } {
  const m = /^(.+):(\d+)$/.exec(address);
  assert.ok(m, `${where}: '${address}' is not HOST:PORT`);
  return { host: m[1]!, port: Number(m[2]) };
}
const isLoopback = (host: string): boolean => host === 'localhost' || host.startsWith('127.') || host === '[::1]';

/** A path strictly below `dir` (POSIX paths). */
function isUnder(path: string, dir: string): boolean {
  const rel = posix.relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !posix.isAbsolute(rel);
}

/** The contract's rules every learner invocation follows, whatever the platform. */
function checkLearnerSecurity(learner: Invocation): void {
  const tls = learner.flags.has('--tls-cert');
  assert.equal(tls, learner.flags.has('--tls-key'), `${learner.where}: --tls-cert and --tls-key go together`);
  if (learner.flags.has('--tls-client-ca')) assert.ok(tls, `${learner.where}: --tls-client-ca needs TLS`);
  const { host } = hostPort(value(learner, '--listen'), learner.where);
  // Without TLS the learner refuses a non-loopback address unless --insecure-listen is given.
  if (!tls && !isLoopback(host)) assert.ok(learner.flags.has('--insecure-listen'), `${learner.where}: plaintext on ${host} needs --insecure-listen`);
  assert.ok(learner.flags.has('--token-file'), `${learner.where}: the learner authenticates actors with --token-file`);
}

// ---------------------------------------------------------------------------------------------------------------
// Dockerfile.
// ---------------------------------------------------------------------------------------------------------------
interface Instruction {
  readonly stage: string;
  readonly op: string;
  readonly args: string;
  /** WORKDIR at this instruction. */
  readonly workdir: string;
}

/** Instructions with their stage; comment lines dropped and continuation lines joined, as Docker does. */
function parseDockerfile(text: string): Instruction[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(pending + line);
    pending = '';
  }
  assert.equal(pending, '', 'Dockerfile: a continuation line ends the file');
  const out: Instruction[] = [];
  let stage = '';
  let workdir = '/';
  let count = 0;
  for (const line of logical) {
    const m = /^(\w+)\s+(.*)$/.exec(line);
    assert.ok(m, `Dockerfile: cannot read '${line}'`);
    const op = m[1]!.toUpperCase();
    const args = m[2]!.trim();
    if (op === 'FROM') {
      stage = /\sAS\s+(\S+)$/i.exec(args)?.[1] ?? String(count);
      count++;
      workdir = '/';
    }
    if (op === 'WORKDIR') workdir = posix.resolve(workdir, args);
    out.push({ stage, op, args, workdir });
  }
  return out;
}

const dockerfile = parseDockerfile(read('Dockerfile'));
const stages = [...new Set(dockerfile.filter((i) => i.op === 'FROM').map((i) => i.stage))];
const finalStage = stages.at(-1)!;
const final = dockerfile.filter((i) => i.stage === finalStage);
const finalOne = (op: string): Instruction => {
  const found = final.filter((i) => i.op === op);
  assert.equal(found.length, 1, `Dockerfile: the final stage has one ${op}`);
  return found[0]!;
};
const entrypoint = strings(JSON.parse(finalOne('ENTRYPOINT').args), 'Dockerfile ENTRYPOINT');
const [uid, gid] = finalOne('USER').args.split(':').map(Number) as [number, number | undefined];
const exposed = finalOne('EXPOSE').args.split(/\s+/).map((p) => Number(p.replace(/\/tcp$/, '')));
const volumes = strings(JSON.parse(finalOne('VOLUME').args), 'Dockerfile VOLUME');

/** `COPY --from=<stage> <src> <dest>` of the final stage, with the destination resolved against WORKDIR. */
function copiedFrom(src: string): { stage: string; dest: string } {
  const copy = final.find((i) => i.op === 'COPY' && i.args.split(/\s+/).at(-2) === src);
  assert.ok(copy, `Dockerfile: the final stage copies ${src}`);
  const words = copy.args.split(/\s+/);
  const from = /^--from=(\S+)$/.exec(words[0]!)?.[1];
  assert.ok(from !== undefined && stages.includes(from), `Dockerfile: ${src} comes from a stage of this file`);
  return { stage: from, dest: posix.resolve(copy.workdir, words.at(-1)!) };
}
const runs = (stage: string): string => dockerfile.filter((i) => i.stage === stage && i.op === 'RUN').map((i) => i.args).join(' ; ');

/** The `impala-rl` arguments of a command line inside the image: after `impala-rl` or the entrypoint. */
function cliArgs(argv: readonly string[], where: string): string[] {
  if (argv[0] === 'impala-rl') return argv.slice(1);
  if (argv[0] === entrypoint[0] && argv[1] === entrypoint[1]) return argv.slice(2);
  assert.fail(`${where}: '${argv.join(' ')}' does not run the impala-rl CLI`);
}

test('Dockerfile: multi-stage, the build stage runs npm ci and npm run build, and the image runs dist/cli.js', () => {
  assert.ok(stages.length >= 2, 'a build stage and a runtime stage');
  const dist = copiedFrom('/src/dist');
  assert.match(runs(dist.stage), /npm ci\b/);
  assert.match(runs(dist.stage), /npm run build\b/);
  // The entrypoint is node running the built CLI (package.json "bin": dist/cli.js) where the final stage put it.
  assert.equal(entrypoint[0], 'node');
  assert.equal(entrypoint.length, 2);
  assert.equal(entrypoint[1], posix.join(dist.dest, 'cli.js'));
  // package.json next to dist/: its "type": "module" makes dist/*.js ES modules.
  const pkg = final.find((i) => i.op === 'COPY' && /^package\.json\s/.test(i.args));
  assert.ok(pkg && posix.resolve(pkg.workdir, pkg.args.split(/\s+/).at(-1)!) === posix.dirname(dist.dest), 'package.json beside dist/');
  const bin = (JSON.parse(read('package.json')) as { bin: Record<string, string> }).bin['impala-rl'];
  assert.equal(bin, 'dist/cli.js');
  // `impala-rl` on the PATH, used by the healthchecks below.
  assert.match(runs(finalStage), new RegExp(`ln -s ${entrypoint[1].replaceAll('.', '\\.')} /usr/local/bin/impala-rl\\b`));
});

test('Dockerfile: the runtime has the production dependencies and the tfjs peers, tfjs-node included', () => {
  const modules = copiedFrom('/app/node_modules');
  assert.equal(modules.dest, posix.join(posix.dirname(copiedFrom('/src/dist').dest), 'node_modules'));
  const install = runs(modules.stage);
  assert.match(install, /npm ci --omit=dev\b/);
  for (const pkg of ['tfjs-core', 'tfjs-layers', 'tfjs-backend-cpu', 'tfjs-backend-wasm', 'tfjs-node']) {
    assert.match(install, new RegExp(`@tensorflow/${pkg}@`), pkg);
  }
});

test('Dockerfile: non-root numeric user, the contract port, a /runs volume owned by that user', () => {
  assert.ok(Number.isInteger(uid) && uid > 0, 'USER is a numeric uid other than root');
  assert.ok(gid !== undefined && Number.isInteger(gid) && gid > 0, 'USER names a numeric gid');
  assert.deepEqual(exposed, [DEFAULT_PORT]);
  assert.deepEqual(volumes, ['/runs']);
  assert.match(runs(finalStage), new RegExp(`chown ${uid}:${gid} /runs\\b`));
});

test('.dockerignore keeps secrets, run directories, node_modules and .git out of the build context', () => {
  const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  for (const entry of ['secrets', 'runs', 'node_modules', 'dist', '.git']) assert.ok(ignored.includes(entry), entry);
  // What the build stage needs must stay in the context.
  for (const needed of ['src', 'scripts', 'package.json', 'package-lock.json', 'tsup.config.ts', 'python']) {
    assert.ok(!ignored.some((p) => p === needed || p === `${needed}/`), needed);
  }
});

// ---------------------------------------------------------------------------------------------------------------
// docker-compose.yml.
// ---------------------------------------------------------------------------------------------------------------
const compose = obj(parse(read('docker-compose.yml')), 'docker-compose.yml');
const services = obj(compose.services, 'services');
const composeSecrets = obj(compose.secrets, 'secrets');

function composeService(role: 'learner' | 'actor'): { name: string; svc: Obj; inv: Invocation } {
  const found = Object.entries(services)
    .map(([name, v]) => ({ name, svc: obj(v, `services.${name}`) }))
    .filter(({ name, svc }) => strings(svc.command, `services.${name}.command`)[0] === role);
  assert.equal(found.length, 1, `docker-compose.yml: one ${role} service`);
  const { name, svc } = found[0]!;
  return { name, svc, inv: parseCli(strings(svc.command, `services.${name}.command`), `docker-compose.yml ${name}`) };
}

/** Where Compose mounts each secret of a service: /run/secrets/<target, default the secret's name>. */
function composeSecretPaths(name: string, svc: Obj): string[] {
  return arr(optional(svc, 'secrets') ?? [], `services.${name}.secrets`).map((s) => {
    const source = typeof s === 'string' ? s : str(obj(s, 'secret').source, 'secret.source');
    assert.ok(source in composeSecrets, `docker-compose.yml: ${name} uses secret '${source}', which secrets: defines`);
    const target = typeof s === 'string' ? undefined : optional(obj(s, 'secret'), 'target');
    const t = target === undefined ? source : str(target, 'secret.target');
    return t.startsWith('/') ? t : `/run/secrets/${t}`;
  });
}

test('docker-compose.yml: the learner port agrees with the image, the actors and the healthcheck', () => {
  const learner = composeService('learner');
  const actor = composeService('actor');
  const listen = hostPort(value(learner.inv, '--listen'), learner.inv.where);
  assert.equal(listen.port, exposed[0], 'the Dockerfile EXPOSEs the --listen port');
  assert.deepEqual(strings(learner.svc.expose, 'learner.expose').map(Number), [listen.port]);
  // Actors connect to the learner by its Compose service name.
  assert.deepEqual(hostPort(value(actor.inv, '--connect'), actor.inv.where), { host: learner.name, port: listen.port });
  // The healthcheck asks the learner's own port through `impala-rl health`.
  const hc = obj(learner.svc.healthcheck, 'learner.healthcheck');
  const testCmd = strings(hc.test, 'learner.healthcheck.test');
  assert.equal(testCmd[0], 'CMD');
  const health = parseCli(cliArgs(testCmd.slice(1), 'healthcheck'), 'docker-compose.yml healthcheck');
  assert.equal(health.command, 'health');
  assert.deepEqual(hostPort(value(health, '--connect'), health.where), { host: '127.0.0.1', port: listen.port });
  assert.equal(learner.svc.image, actor.svc.image, 'one image for both');
  assert.equal(value(actor.inv, '--env'), value(learner.inv, '--env'), 'actors step the env the learner trains');
});

test('docker-compose.yml: plaintext only with --insecure-listen; the token file is the mounted Compose secret', () => {
  const learner = composeService('learner');
  checkLearnerSecurity(learner.inv);
  assert.equal(learner.inv.flags.has('--tls-cert'), false, 'the Compose file runs the learner without TLS on its private network');
  assert.equal(learner.inv.flags.get('--insecure-listen'), true);
  for (const role of ['learner', 'actor'] as const) {
    const { name, svc, inv } = composeService(role);
    const mounted = composeSecretPaths(name, svc);
    assert.ok(mounted.includes(value(inv, '--token-file')), `${name}: --token-file is a mounted secret (${mounted.join(', ')})`);
  }
  assert.equal(str(obj(composeSecrets['impala-rl-token'], 'secrets.impala-rl-token').file, 'file'), './secrets/impala-rl-token');
});

test('docker-compose.yml: the run directory is on a named volume, and the actors wait for a healthy learner', () => {
  const learner = composeService('learner');
  const actor = composeService('actor');
  const mounts = strings(learner.svc.volumes, 'learner.volumes').map((v) => v.split(':'));
  const runDir = value(learner.inv, '--run-dir');
  const mount = mounts.find(([, target]) => target !== undefined && isUnder(runDir, target));
  assert.ok(mount, `--run-dir ${runDir} is under a mounted volume`);
  const [source = '', target = ''] = mount;
  assert.ok(source in obj(compose.volumes, 'volumes'), `'${source}' is a named volume`);
  assert.ok(volumes.includes(target), 'the mount point is the image volume');
  assert.equal(learner.inv.flags.get('--resume-or-start'), true, 'a restarted learner continues its run');
  const dependsOn = obj(obj(actor.svc.depends_on, 'actors.depends_on')[learner.name], 'depends_on.learner');
  assert.equal(dependsOn.condition, 'service_healthy');
  const replicas = num(obj(actor.svc.deploy, 'actors.deploy').replicas, 'actors.deploy.replicas');
  assert.ok(Number.isInteger(replicas) && replicas >= 1);
});

// ---------------------------------------------------------------------------------------------------------------
// Kubernetes: every document of deploy/k8s/*.yaml.
// ---------------------------------------------------------------------------------------------------------------
const k8sDir = 'deploy/k8s';
const k8sFiles = readdirSync(join(root, k8sDir)).filter((f) => f.endsWith('.yaml')).sort();
const k8sDocs: { file: string; doc: Obj }[] = k8sFiles.flatMap((file) =>
  parseAllDocuments(read(join(k8sDir, file)))
    .map((d) => {
      assert.deepEqual(d.errors, [], `${file}: YAML errors`);
      return d.toJS() as unknown;
    })
    .filter((d) => d !== null)
    .map((d) => ({ file, doc: obj(d, file) })),
);
const ofKind = (kind: string): Obj[] => k8sDocs.filter(({ doc }) => doc.kind === kind).map(({ doc }) => doc);
const nameOf = (doc: Obj): string => str(obj(doc.metadata, 'metadata').name, 'metadata.name');
const k8sSecrets = new Map(ofKind('Secret').map((s) => [nameOf(s), new Set([...Object.keys(obj(s.stringData ?? {}, 'stringData')), ...Object.keys(obj(s.data ?? {}, 'data'))])]));

function only(kind: string): Obj {
  const docs = ofKind(kind);
  assert.equal(docs.length, 1, `deploy/k8s: one ${kind}`);
  return docs[0]!;
}
const statefulSet = only('StatefulSet');
const deployment = only('Deployment');
const service = only('Service');
const podSpec = (workload: Obj): Obj => obj(obj(obj(workload.spec, 'spec').template, 'template').spec, 'template.spec');
const podLabels = (workload: Obj): Obj => obj(obj(obj(obj(workload.spec, 'spec').template, 'template').metadata, 'template.metadata').labels, 'labels');
function onlyContainer(workload: Obj): Obj {
  const containers = arr(podSpec(workload).containers, 'containers');
  assert.equal(containers.length, 1, `${nameOf(workload)}: one container`);
  return obj(containers[0], 'container');
}
/** The container's command line: the image's entrypoint (no `command:` override) with `args`. */
function containerInvocation(workload: Obj): Invocation {
  const c = onlyContainer(workload);
  assert.equal(c.command, undefined, `${nameOf(workload)}: the image's ENTRYPOINT runs, not a command override`);
  return parseCli(strings(c.args, 'args'), `deploy/k8s ${nameOf(workload)}`);
}
const learnerPod = containerInvocation(statefulSet);
const actorPod = containerInvocation(deployment);

/** The volume behind `path` in the container: its mount path and its definition (pod volume or claim template). */
function volumeFor(workload: Obj, path: string): { mountPath: string; name: string; volume: Obj | undefined } {
  const mounts = arr(onlyContainer(workload).volumeMounts, 'volumeMounts').map((m) => obj(m, 'volumeMount'));
  const mount = mounts.find((m) => isUnder(path, str(m.mountPath, 'mountPath')));
  assert.ok(mount, `${nameOf(workload)}: ${path} is under a volumeMount`);
  const name = str(mount.name, 'volumeMount.name');
  const volume = arr(podSpec(workload).volumes ?? [], 'volumes').map((v) => obj(v, 'volume')).find((v) => v.name === name);
  return { mountPath: str(mount.mountPath, 'mountPath'), name, volume };
}

/** Each --token-file/--tls-* path is a key of a Secret that the manifests define, mounted at that path. */
function checkSecretFiles(workload: Obj, inv: Invocation): number {
  let checked = 0;
  for (const flag of FILE_FLAGS) {
    const path = inv.flags.get(flag);
    if (typeof path !== 'string') continue;
    const { mountPath, name, volume } = volumeFor(workload, path);
    assert.ok(volume?.secret !== undefined, `${inv.where}: ${flag} ${path} is on the secret volume '${name}'`);
    const secret = obj(volume.secret, 'secret');
    const secretName = str(secret.secretName, 'secretName');
    const keys = k8sSecrets.get(secretName);
    assert.ok(keys, `${inv.where}: Secret '${secretName}' is defined in deploy/k8s`);
    // Without `items`, each key of the Secret is a file of that name in the mount.
    const items = arr(secret.items ?? [], 'items').map((i) => obj(i, 'item'));
    const file = posix.relative(mountPath, path);
    const key = items.length === 0 ? file : items.find((i) => i.path === file)?.key;
    assert.ok(typeof key === 'string' && keys.has(key), `${inv.where}: ${flag} ${path}: '${file}' is a key of Secret '${secretName}' (${[...keys].join(', ')})`);
    checked++;
  }
  return checked;
}

function probes(container: Obj): { kind: string; probe: Obj }[] {
  return ['startupProbe', 'readinessProbe', 'livenessProbe'].filter((k) => container[k] !== undefined).map((kind) => ({ kind, probe: obj(container[kind], kind) }));
}

test('deploy/k8s: the learner port agrees across the container, the Service, the probes, --listen and --connect', () => {
  const listen = hostPort(value(learnerPod, '--listen'), learnerPod.where);
  assert.equal(listen.port, exposed[0], 'the Dockerfile EXPOSEs the --listen port');
  const ports = arr(onlyContainer(statefulSet).ports, 'ports').map((p) => obj(p, 'port'));
  assert.deepEqual(ports.map((p) => [p.name, p.containerPort]), [['grpc', listen.port]]);
  const svcPorts = arr(obj(service.spec, 'service.spec').ports, 'service.spec.ports').map((p) => obj(p, 'service port'));
  assert.equal(svcPorts.length, 1);
  const svcPort = svcPorts[0]!;
  assert.equal(svcPort.name, 'grpc');
  // targetPort by name resolves through the container's named port.
  const target = typeof svcPort.targetPort === 'string' ? ports.find((p) => p.name === svcPort.targetPort)?.containerPort : svcPort.targetPort;
  assert.equal(target, listen.port);
  // The actors reach the learner through the Service: its name (same namespace) and port.
  const connect = hostPort(value(actorPod, '--connect'), actorPod.where);
  assert.ok(connect.host === nameOf(service) || connect.host.startsWith(`${nameOf(service)}.`), `--connect ${connect.host} names the Service`);
  assert.equal(connect.port, svcPort.port);
  assert.equal(value(actorPod, '--env'), value(learnerPod, '--env'), 'actors step the env the learner trains');
});

test('deploy/k8s: the Service and the StatefulSet select the learner pod; one learner, N actors', () => {
  const learnerSpec = obj(statefulSet.spec, 'statefulset.spec');
  assert.equal(learnerSpec.replicas, 1, 'one learner per run');
  assert.equal(learnerSpec.serviceName, nameOf(service));
  const labels = podLabels(statefulSet);
  for (const [k, v] of Object.entries(obj(obj(service.spec, 'service.spec').selector, 'selector'))) assert.equal(labels[k], v, `Service selector ${k}`);
  for (const workload of [statefulSet, deployment]) {
    for (const [k, v] of Object.entries(obj(obj(obj(workload.spec, 'spec').selector, 'selector').matchLabels, 'matchLabels'))) {
      assert.equal(podLabels(workload)[k], v, `${nameOf(workload)} selector ${k}`);
    }
  }
  // The Service must not select the actor pods.
  const actorLabels = podLabels(deployment);
  assert.ok(Object.entries(obj(obj(service.spec, 'service.spec').selector, 'selector')).some(([k, v]) => actorLabels[k] !== v));
  const replicas = num(obj(deployment.spec, 'deployment.spec').replicas, 'deployment replicas');
  assert.ok(Number.isInteger(replicas) && replicas >= 1);
});

test('deploy/k8s: the learner serves TLS with a token, the actors verify it with the CA', () => {
  checkLearnerSecurity(learnerPod);
  assert.ok(learnerPod.flags.has('--tls-cert'), 'TLS on the learner');
  assert.equal(learnerPod.flags.has('--insecure-listen'), false);
  assert.ok(actorPod.flags.has('--tls-ca'), 'the actors verify the learner certificate');
  assert.ok(actorPod.flags.has('--token-file'));
});

test('deploy/k8s: every --token-file/--tls-* path is a key of a defined Secret mounted at that path', () => {
  assert.equal(checkSecretFiles(statefulSet, learnerPod), 3);
  assert.equal(checkSecretFiles(deployment, actorPod), 2);
  // Every secret volume names a Secret of the manifests (secret.example.yaml shows their keys).
  for (const workload of [statefulSet, deployment]) {
    for (const v of arr(podSpec(workload).volumes ?? [], 'volumes').map((x) => obj(x, 'volume'))) {
      if (v.secret === undefined) continue;
      const secretName = str(obj(v.secret, 'secret').secretName, 'secretName');
      assert.ok(k8sSecrets.has(secretName), `${nameOf(workload)}: volume '${String(v.name)}' uses Secret '${secretName}', defined in deploy/k8s`);
    }
  }
});

test('deploy/k8s: the learner probes ask the gRPC health service on the learner port', () => {
  const container = onlyContainer(statefulSet);
  const listen = hostPort(value(learnerPod, '--listen'), learnerPod.where);
  const found = probes(container);
  assert.deepEqual(found.map((p) => p.kind).filter((k) => k !== 'startupProbe'), ['readinessProbe', 'livenessProbe']);
  for (const { kind, probe } of found) {
    if (probe.grpc !== undefined) {
      // The kubelet's native gRPC probe speaks plaintext only (the Kubernetes documentation: built-in probes
      // support no TLS or authentication parameters), so it cannot reach a learner that serves TLS.
      assert.equal(learnerPod.flags.has('--tls-cert'), false, `${kind}: a native grpc probe cannot reach a TLS learner`);
      assert.equal(obj(probe.grpc, 'grpc').port, listen.port, kind);
      continue;
    }
    assert.ok(probe.exec !== undefined, `${kind}: a grpc or an exec (impala-rl health) probe`);
    const health = parseCli(cliArgs(strings(obj(probe.exec, 'exec').command, 'exec.command'), kind), `deploy/k8s learner ${kind}`);
    assert.equal(health.command, 'health');
    const connect = hostPort(value(health, '--connect'), health.where);
    assert.ok(isLoopback(connect.host), `${kind}: the probe runs in the learner's container`);
    assert.equal(connect.port, listen.port, kind);
    // A TLS learner is asked over TLS, with a CA file from a mounted Secret.
    assert.equal(health.flags.has('--tls-ca'), learnerPod.flags.has('--tls-cert'), `${kind}: --tls-ca exactly when the learner serves TLS`);
    checkSecretFiles(statefulSet, health);
    const service = health.flags.get('--service');
    assert.ok(service === undefined || service === '' || service === 'impala_rl.v1.Learner', `${kind}: a service the learner reports`);
  }
});

test('deploy/k8s: the run directory is on the claim template volume; the pods run as the image user with resources set', () => {
  const runDir = value(learnerPod, '--run-dir');
  const { name, volume } = volumeFor(statefulSet, runDir);
  assert.equal(volume, undefined, 'not a pod volume (an emptyDir would be lost with the pod)');
  const claims = arr(obj(statefulSet.spec, 'spec').volumeClaimTemplates, 'volumeClaimTemplates').map((c) => nameOf(obj(c, 'claim')));
  assert.ok(claims.includes(name), `--run-dir ${runDir} is on a volumeClaimTemplate (${claims.join(', ')})`);
  assert.equal(learnerPod.flags.get('--resume-or-start'), true, 'a rescheduled learner continues its run');
  for (const workload of [statefulSet, deployment]) {
    const sc = obj(podSpec(workload).securityContext, 'securityContext');
    assert.equal(sc.runAsNonRoot, true);
    assert.equal(sc.runAsUser, uid, 'the Dockerfile USER');
    assert.equal(sc.runAsGroup, gid, 'the Dockerfile USER group');
    assert.equal(sc.fsGroup, gid, 'volumes and secret files readable by the image user');
    const resources = obj(onlyContainer(workload).resources, 'resources');
    for (const part of ['requests', 'limits']) {
      const r = obj(resources[part], part);
      assert.ok(r.cpu !== undefined && r.memory !== undefined, `${nameOf(workload)}: ${part} for cpu and memory`);
    }
  }
});

test('deploy/k8s: kustomization.yaml lists the workloads, never the example Secrets, and names the image', () => {
  const kustomization = obj(parse(read(join(k8sDir, 'kustomization.yaml'))), 'kustomization.yaml');
  const resources = strings(kustomization.resources, 'resources');
  for (const r of resources) assert.ok(existsSync(join(root, k8sDir, r)), r);
  assert.ok(!resources.includes('secret.example.yaml'), 'placeholders must never replace real Secrets');
  const workloadFiles = new Set(k8sDocs.filter(({ doc }) => ['StatefulSet', 'Deployment', 'Service'].includes(str(doc.kind, 'kind'))).map(({ file }) => file));
  assert.deepEqual([...workloadFiles].sort(), [...resources].sort());
  const images = arr(kustomization.images, 'images').map((i) => str(obj(i, 'image').name, 'images.name'));
  for (const workload of [statefulSet, deployment]) {
    const image = str(onlyContainer(workload).image, 'image');
    assert.ok(images.includes(image.split(':')[0]!), `${nameOf(workload)}: kustomization.yaml can set image ${image}`);
  }
});

test('deploy/k8s: every document has a kind the checks above know', () => {
  const kinds = k8sDocs.map(({ file, doc }) => `${file}:${typeof doc.kind === 'string' ? doc.kind : '?'}`);
  for (const k of kinds) assert.match(k, /:(Service|StatefulSet|Deployment|Secret|Kustomization)$/);
});
