// tsx's --import hook does not reach a worker's entry module on Node 20: register it here, then load the TS.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
