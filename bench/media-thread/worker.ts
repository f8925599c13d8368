/** The media streams in a worker thread: started on the first message, stopped on the second. */
import { parentPort, workerData } from 'node:worker_threads';
import { startStreams } from './streams.js';

const { calls, sinkPort } = workerData as { calls: number; sinkPort: number };
const streams = await startStreams(calls, sinkPort);
parentPort!.postMessage('started');
parentPort!.once('message', () => {
  const pacer = streams.pacer();
  void streams.stop().then(() => parentPort!.postMessage(pacer));
});
