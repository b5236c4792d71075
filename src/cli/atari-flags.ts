/**
 * The Atari preprocessing flags of `impala-rl train` (one per `AtariOptions` field); they set `envOptions` of
 * `ALE/…` ids over the preset's (the `atari` preset applies the paper's values).
 */
import { Option, type Command } from 'commander';
import type { AtariOptions } from '../envs/builtin/gymnasium/atari-options.js';
import { integerAtLeast, numberIn } from './flag-parsers.js';

const onOff = (value: string): boolean => value === 'on';

/** Each flag: its name, the `AtariOptions` field it sets, its help, and how to parse it. */
const FLAGS: readonly { flag: string; key: keyof AtariOptions; help: string; parse?: (v: string) => number; onOff?: true }[] = [
  { flag: 'noop-max <n>', key: 'noopMax', help: 'Atari: up to n no-op actions after each reset (0: none)', parse: integerAtLeast(0) },
  { flag: 'frame-skip <n>', key: 'frameSkip', help: 'Atari: emulator frames per agent step (action repeat)', parse: integerAtLeast(1) },
  { flag: 'max-pool <on|off>', key: 'maxPool', help: 'Atari: max over the last two frames of a step', onOff: true },
  { flag: 'screen-size <n>', key: 'screenSize', help: 'Atari: square frame side after resizing (0: raw 210x160)', parse: integerAtLeast(0) },
  { flag: 'grayscale <on|off>', key: 'grayscale', help: 'Atari: grayscale frames (off: RGB)', onOff: true },
  { flag: 'frame-stack <n>', key: 'frameStack', help: 'Atari: frames stacked along the channel axis', parse: integerAtLeast(1) },
  { flag: 'episodic-life <on|off>', key: 'episodicLife', help: 'Atari: end the episode on a lost life', onOff: true },
  { flag: 'sticky-actions <p>', key: 'repeatActionProbability', help: 'Atari: probability of repeating the previous action per frame (ALE v5: 0.25; 0: off)', parse: numberIn({ min: 0, max: 1 }) },
  { flag: 'max-episode-frames <n>', key: 'maxEpisodeFrames', help: 'Atari: emulator frames per episode before truncation (0: no limit)', parse: integerAtLeast(0) },
  { flag: 'full-action-space <on|off>', key: 'fullActionSpace', help: 'Atari: all 18 actions instead of the game\'s minimal set', onOff: true },
];

const camel = (flag: string): string => flag.split(' ')[0]!.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Adds the Atari flags to a command.
 *
 * @param command - the `train` command.
 * @returns the same command.
 */
export function addAtariOptions(command: Command): Command {
  for (const f of FLAGS) {
    const option = new Option(`--atari-${f.flag}`, f.help);
    if (f.onOff) option.choices(['on', 'off']);
    else if (f.parse) option.argParser(f.parse);
    command.addOption(option);
  }
  return command;
}

/**
 * The `AtariOptions` that the parsed Atari flags set.
 *
 * @param raw - commander's option values.
 * @returns the options given, or undefined when no Atari flag was given.
 */
export function atariEnvOptions(raw: Readonly<Record<string, unknown>>): Partial<Record<keyof AtariOptions, number | boolean>> | undefined {
  const out: Partial<Record<keyof AtariOptions, number | boolean>> = {};
  for (const f of FLAGS) {
    const value = raw[camel(`atari-${f.flag}`)];
    if (value === undefined) continue;
    out[f.key] = f.onOff ? onOff(value as string) : (value as number);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
