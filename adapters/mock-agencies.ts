/**
 * The mock vertical agencies, started together: 市场监督管理局 (amr-soap) and
 * 税务局 (tax-soap), real SOAP servers on loopback. Used by `npm start` in demo
 * mode and by tests.
 */
import type { Clock } from './clock';
import { AmrMock, startAmrMock } from './amr-soap/mock';
import { TaxMock, startTaxMock } from './tax-soap/mock';

export interface MockAgencies {
  amr: AmrMock;
  tax: TaxMock;
  close(): Promise<void>;
}

export async function startMockAgencies(opts: {
  /** Loopback by default. */
  host?: string;
  /** 0 (any free port) by default. */
  amrPort?: number;
  taxPort?: number;
  /** The UsernameToken the tax mock requires (and sends on reportStatus). */
  taxCredentials: { username: string; password: string };
  /** The tax mock's clock (WS-Security Created/Nonce window); default the system clock. */
  clock?: Clock;
}): Promise<MockAgencies> {
  const host = opts.host ?? '127.0.0.1';
  const amr = await startAmrMock({ host, port: opts.amrPort ?? 0 });
  let tax: TaxMock;
  try {
    tax = await startTaxMock({ host, port: opts.taxPort ?? 0, credentials: opts.taxCredentials, ...(opts.clock ? { clock: opts.clock } : {}) });
  } catch (e) {
    await amr.close();
    throw e;
  }
  return {
    amr,
    tax,
    async close() {
      await Promise.all([amr.close(), tax.close()]);
    },
  };
}
