// Loaded with `node --import`: appends the URL of every module the process loads to the file named
// by GATEKEY_MODULE_TRACE, so a test can tell what a command brought in.
import { register } from 'node:module';

const hooks = `
import { appendFileSync } from 'node:fs';
export async function load(url, context, nextLoad) {
  appendFileSync(${JSON.stringify(process.env.GATEKEY_MODULE_TRACE)}, url + '\\n');
  return nextLoad(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
