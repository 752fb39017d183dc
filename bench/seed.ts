import type { Store } from '../gateway/store/db';
import { migrate } from '../gateway/store/migrate';
import { systemClock } from '../gateway/clock';
import { upsertMember } from '../gateway/registry/members';
import { upsertAgreement } from '../gateway/registry/agreements';
import { createSystemToken, ensureSystem } from '../gateway/registry/systems';
import { demoAgreements, demoMembers } from '../gateway/registry/demo';

/** The sending member and the receiver of the benchmark's pushes (an agreement exists for case-record). */
export const BENCH_SENDER = 'hall';
export const BENCH_RECEIVER = 'housing';
export const BENCH_PURPOSE = 'case-handling';

/**
 * Seeds the demo members (pull mode), their "default" systems and the demo agreements,
 * and returns a fresh bearer token for the sender's system. Idempotent apart from the token.
 */
export async function seedBenchRegistry(store: Store): Promise<string> {
  await migrate(store);
  let token = '';
  await store.tx(async (db) => {
    for (const m of demoMembers) {
      await upsertMember(db, m);
      await ensureSystem(db, m.code, 'default', `${m.name} system`);
    }
    for (const a of demoAgreements) await upsertAgreement(db, a);
    token = (await createSystemToken(db, systemClock, BENCH_SENDER, 'default', 'bench')).token;
  });
  return token;
}
