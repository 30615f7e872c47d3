// `import { show } from './lib/plot'` must resolve to a FILE: inside a notebook,
// tslab loads the local modules it compiled by "<path>.js" only and does not
// look for <dir>/index.js. This shim makes './lib/plot' work in both places.
export * from './plot/index';
