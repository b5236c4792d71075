/**
 * Training outputs: TensorBoard event files and learning-curve plots (SVG or HTML). Standalone: nothing here
 * depends on TensorFlow.js or on the training code.
 *
 * @packageDocumentation
 */
export { TensorBoardWriter } from './tensorboard-writer.js';
export type { TensorBoardWriterOptions } from './tensorboard-writer.js';
export { renderLearningCurveHtml, renderLearningCurveSvg, writeLearningCurve } from './plot.js';
export type { CurvePoint, LearningCurveOptions, LearningCurveSeries, TargetLine } from './plot.js';
export { MetricsError } from './errors.js';
export { MetricsWriter } from './metrics-writer.js';
export type { MetricsWriterOptions } from './metrics-writer.js';
export { humanNormalisedScore, summariseHumanNormalised } from './human-normalised.js';
export type { HumanNormalisedSummary, ReferenceScores } from './human-normalised.js';
export { ATARI_57_REFERENCE_SCORES, atariReferenceScores } from './atari-reference-scores.js';
