import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

async function collect(): Promise<number> {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

/**
 * Bytes still held after full garbage collections: the JavaScript heap plus
 * memory outside it (Buffers), where clients keep encoded commands. Given a
 * `limit`, collects again for up to `withinMs` until the figure falls below it.
 */
export async function retainedMemoryBytes(limit = Infinity, withinMs = 0): Promise<number> {
  const deadline = Date.now() + withinMs;
  let bytes = await collect();
  while (bytes >= limit && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    bytes = await collect();
  }
  return bytes;
}
