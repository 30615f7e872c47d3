// The plot API for lessons:
//   import { show, spaceTimeDiagram, lineChart } from './lib/plot';
//   show(spaceTimeDiagram(result.trace, { title: 'Lost reply' }));
export * from './figure';
export * from './display';
export * from './spacetime';
export * from './charts';
export * from './ops-history';
