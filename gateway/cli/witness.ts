import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { systemClock } from '../clock';
import { isLogHashAlg, type LogHashAlg } from '../merkle/hash';
import { NOTE_ED25519, type NoteVerifierKey } from '../log/note';
import { vkeyOption } from './vkey-option';
import { ensureWitnessKey, WitnessState } from '../witness/state';
import { startWitness, witnessVkey } from '../witness/service';
import { print } from './context';

/**
 * `xgw witness`: run a c2sp.org/tlog-witness service (its own process, key and state
 * file) for the logs named by --log (their note verifier keys, type 0x01). Prints its
 * own cosigner key on the first line, for the gateway's trust.witnesses and for
 * `xgw verify bundle --witness`.
 */
interface WitnessCliOptions {
  dir: string;
  name: string;
  log: string[];
  hash: LogHashAlg;
  port: string;
  host: string;
  /** Stop when standard input closes: the demo's witness goes with the gateway that started it, even one killed with SIGKILL. */
  withParent?: boolean;
}

const logKey = vkeyOption(NOTE_ED25519, 'a log key is an Ed25519 note key (type 0x01), as GET /api/v1/log/key `noteKey` gives it');

async function runWitness(o: WitnessCliOptions & { log: NoteVerifierKey[] }): Promise<void> {
  const dir = path.resolve(o.dir);
  const signer = ensureWitnessKey(dir);
  const state = WitnessState.open(dir);
  const byOrigin = new Map<string, NoteVerifierKey[]>();
  for (const k of o.log) byOrigin.set(k.name, [...(byOrigin.get(k.name) ?? []), k]);
  const logs = [...byOrigin].map(([origin, keys]) => ({ origin, keys, hashAlg: o.hash }));
  const server = await startWitness({ name: o.name, signer, state, logs, clock: systemClock }, Number(o.port), o.host);
  print(`xgw witness ${server.vkey}`);
  print(`  listening on ${server.url}  (POST /add-checkpoint, GET /<sha256(origin)>/checkpoint)`);
  print(`  state: ${path.join(dir, 'state.json')}  logs: ${logs.map((l) => l.origin).join(', ') || 'none'}`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (o.withParent) {
    process.stdin.on('end', stop).on('error', stop);
    process.stdin.resume();
  }
}

export function registerWitness(program: Command): void {
  const w = program
    .command('witness')
    .description('run a transparency-log witness (c2sp.org/tlog-witness) with its own key and state in --dir')
    .requiredOption('--dir <dir>', 'its key (witness.key.pem, made on first start) and state (state.json)')
    .option('--name <name>', 'its name in cosignatures (a schema-less URL)', 'xgw.local/witness')
    .option('--log <vkey>', "a log's note verifier key (GET /api/v1/log/key `noteKey`); repeatable", logKey, [] as NoteVerifierKey[])
    .option('--hash <alg>', 'the logs\' Merkle hash (sha256 per RFC 6962; sm3 for an xgw log configured so)', (v: string) => {
      if (!isLogHashAlg(v)) throw new InvalidArgumentError('sha256 or sm3');
      return v;
    }, 'sha256' as LogHashAlg)
    .option('--port <n>', 'port (0: any free one)', '8090')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--with-parent', 'stop when standard input closes (used by `xgw start` in demo mode, so the witness never outlives its gateway)')
    .action((o: WitnessCliOptions & { log: NoteVerifierKey[] }) => runWitness(o));
  w.command('key')
    .description("print the witness's cosigner verifier key (made on first use)")
    .requiredOption('--dir <dir>', 'the witness directory')
    .option('--name <name>', 'its name in cosignatures', 'xgw.local/witness')
    .action((o: { dir: string; name: string }) => print(witnessVkey(o.name, ensureWitnessKey(path.resolve(o.dir)))));
}
