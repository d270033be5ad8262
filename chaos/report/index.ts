export type { FaultWindow, RunResult, ScenarioCheck } from './run-result.ts';
export { renderSvg } from './svg.ts';
export { outages, renderText } from './text.ts';
export { timeline } from './timeline.ts';
export { toJson, writeReport } from './write.ts';
