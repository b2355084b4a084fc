// Process entry point of the local Cosmos DB stand-in (built to dist/local/cosmos-child.js).
//
//   node dist/local/cosmos-child.js --port 8081 --data-dir .data/cosmos [--host 127.0.0.1]
//
// Ready: IPC { type: 'ready', service: 'cosmos', port, endpoint } and "cosmos ready on <endpoint>".
// Fatal: IPC { type: 'fatal', service: 'cosmos', message }, the message on stderr, exit 1.
// Exits by itself when the parent's IPC channel goes away; SIGTERM/SIGINT close cleanly (exit 0).
import { oneLine, parseChildArgs, runChildServer } from '../processes/childServer';
import { startCosmosServer } from './server';

runChildServer({
  service: 'cosmos',
  async start(fatal) {
    const args = parseChildArgs(process.argv.slice(2), {
      required: ['port', 'data-dir'],
      optional: ['host'],
      usage: 'usage: cosmos-child.js --port <port> --data-dir <dir> [--host <host>]',
    });
    const port = Number(args.port);
    if (!/^\d+$/.test(args.port) || port > 65535) {
      throw new Error(`invalid port '${args.port}'; choose one with --cosmos-port <port> (or env LOCAL_COSMOS_PORT)`);
    }
    const server = await startCosmosServer({
      port,
      dataDir: args['data-dir'],
      ...(args.host ? { host: args.host } : {}),
      log: (line) => process.stdout.write(`${oneLine(line)}\n`),
      onJournalFailure: (error) =>
        fatal(new Error(`${oneLine(error.message)}; exiting so the unjournaled in-memory state is discarded`)),
    });
    return {
      close: () => server.close(),
      readyLine: `cosmos ready on ${server.endpoint}`,
      readyMessage: { port: server.port, endpoint: server.endpoint },
    };
  },
});
