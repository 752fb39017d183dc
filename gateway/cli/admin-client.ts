import { loadConfig } from '../config';
import { CliRefusal, readyGateway } from './local-admin';

export interface AdminClient {
  url: string;
  call<T = any>(method: string, route: string, body?: unknown): Promise<T & { registryVersion?: number }>;
}

/**
 * The admin API of the gateway the CLI works with: XGW_ADMIN_URL with XGW_ADMIN_TOKEN
 * (an admin's login token) for a remote one, else the gateway running on this data
 * directory with its local credential; else a clear refusal.
 */
export async function adminClient(): Promise<AdminClient> {
  const config = loadConfig();
  const remote = process.env.XGW_ADMIN_URL;
  const run = remote ? { url: remote, token: process.env.XGW_ADMIN_TOKEN ?? '' } : await readyGateway(config.dataDir);
  if (!run) {
    throw new CliRefusal(
      `no gateway is running on ${config.dataDir}: registry commands go through a running gateway's admin API ` +
        '(start it with `xgw start`, or set XGW_ADMIN_URL and XGW_ADMIN_TOKEN to reach another one)',
    );
  }
  return {
    url: run.url,
    async call(method, route, body) {
      let res: Response;
      try {
        res = await fetch(`${run.url}/api/v1${route}`, {
          method,
          headers: { authorization: `Bearer ${run.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (err) {
        throw new CliRefusal(`cannot reach the gateway at ${run.url} (${(err as Error).message})`);
      }
      const text = await res.text();
      const parsed = text ? JSON.parse(text) : {};
      if (!res.ok) {
        const detail = String(parsed.detail ?? parsed.title ?? text);
        const fields = ((parsed.errors ?? []) as { pointer: string; message: string }[]).filter((e) => !detail.includes(e.message)).map((e) => `${e.pointer} ${e.message}`).join('; ');
        throw new CliRefusal(`${parsed.code ?? res.status}: ${detail}${fields ? ` (${fields})` : ''}`);
      }
      const version = res.headers.get('x-registry-version');
      return Object.assign(parsed, version ? { registryVersion: Number(version) } : {});
    },
  };
}
