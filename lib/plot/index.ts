// The plot API for lessons:
//   import { show, spaceTimeDiagram, lineChart } from './lib/plot';
//   show(spaceTimeDiagram(result.trace, { title: 'Lost reply' }));
export * from './figure';
export * from './display';
export * from './spacetime';
export * from './stepper';
export * from './charts';
export * from './history';
export * from './ops-history';
export * from './marks';
export * from './timeline';
export * from './grid';
export * from './panels';
