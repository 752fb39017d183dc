import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { ensureLogNoteKey } from '../../certs/pki';
import { buildConfig, type GatewayConfig } from '../config';
import { logNoteVkey } from '../log/note';
import { Trust } from '../trust/trust';

/**
 * Demo mode: one `xgw witness` beside the gateway, in its own process with its own key and
 * state under <dataDir>/witness (in real life the audit office runs it). The log's note key
 * is made first, so the witness knows it before the first checkpoint; the gateway then
 * sends it every checkpoint (trust.witnesses).
 */
export interface DemoWitness {
  url: string;
  vkey: string;
  close(): Promise<void>;
}

const DEMO_WITNESS = 'xgw.local/demo-witness';

export async function startDemoWitness(config: Readonly<GatewayConfig>): Promise<{ witness: DemoWitness; config: Readonly<GatewayConfig> }> {
  const pkiDir = config.trust.pkiDir ?? Trust.defaultDir(config.dataDir);
  const logVkey = logNoteVkey(config.trust.logOrigin, ensureLogNoteKey(pkiDir).signer);
  const port = config.port ? config.port + 3 : 0;
  const args = [process.argv[1]!, 'witness', '--dir', path.join(config.dataDir, 'witness'), '--name', DEMO_WITNESS, '--log', logVkey, '--hash', config.trust.logHashAlg, '--port', String(port), '--with-parent'];
  // Its standard input is a pipe from this process: when the gateway ends, however it ends, the pipe closes and the witness stops.
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const onExit = () => child.kill('SIGTERM');
  process.once('exit', onExit);
  const { url, vkey } = await new Promise<{ url: string; vkey: string }>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`the demo witness did not start in time:\n${out}`)), 20_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^xgw witness (\S+)\n\s+listening on (http:\/\/\S+)/m.exec(out);
      if (m) {
        clearTimeout(timer);
        child.off('exit', early);
        child.stdout!.resume();
        resolve({ vkey: m[1]!, url: m[2]! });
      }
    });
    const early = (code: number | null) => fail(new Error(`the demo witness exited with ${code}:\n${out}`));
    child.once('exit', early);
  });
  const withWitness = buildConfig({
    ...(structuredClone(config) as unknown as Record<string, unknown>),
    trust: { ...config.trust, witnesses: [...config.trust.witnesses, { url, vkey }] },
  });
  return { witness: { url, vkey, close: () => stopChild(child, onExit) }, config: withWitness };
}

function stopChild(child: ChildProcess, onExit: () => void): Promise<void> {
  process.off('exit', onExit);
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
