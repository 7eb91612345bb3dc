// Runs one of the benchmark servers (which report their port with process.send) as a plain process: the port goes to
// stdout as `PORT <n>`. Used where the server runs under another program (valgrind), so it cannot be forked with IPC.
//   node standalone-server.mjs <server file>
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

process.send = (message) => {
  if (message && typeof message.port === 'number') console.log(`PORT ${message.port}`);
  return true;
};
await import(pathToFileURL(resolve(process.argv[2])).href);
