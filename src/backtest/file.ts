import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

const CHUNK = 1 << 20;

/**
 * A file's lines, read in 1 MiB chunks as they are consumed (the file is never
 * held whole); each call of the returned function reads it afresh, which is
 * what a backtest needs for a history it must read twice. Lines end at \n; a
 * \r before it is dropped. Throws the open error (ENOENT...) when iterated.
 */
export function fileLines(path: string): () => Iterable<string> {
  return function* lines() {
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.allocUnsafe(CHUNK);
      const decoder = new StringDecoder('utf8');
      let rest = '';
      for (;;) {
        const n = readSync(fd, buf, 0, CHUNK, null);
        const text = n > 0 ? rest + decoder.write(buf.subarray(0, n)) : rest + decoder.end();
        let start = 0;
        for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
          const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
          yield text.slice(start, end);
          start = nl + 1;
        }
        rest = text.slice(start);
        if (n === 0) break;
      }
      if (rest.length > 0) yield rest.endsWith('\r') ? rest.slice(0, -1) : rest;
    } finally {
      closeSync(fd);
    }
  };
}
