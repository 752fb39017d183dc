import os from 'node:os';
import type { Command } from 'commander';
import { systemClock } from '../clock';
import { filterOf, listDeadLetters, replayMatching, replayOne, type DeadLetterFilterParams } from '../delivery/dead-letters';
import { deliveryPaths } from '../delivery/openapi';
import { queryCheck } from '../http/validate';
import { parseLimit } from '../exchange/cursor';
import { withStore, print } from './context';

interface FilterOptions {
  receiver?: string;
  type?: string;
  case?: string;
  from?: string;
  to?: string;
}

/** The options as GET /admin/dead-letters takes them: the same published checks. */
const checkList = queryCheck<DeadLetterFilterParams & { limit: number }>(deliveryPaths()['/api/v1/admin/dead-letters'].get, { closed: true, detail: 'the dead-letter filter is not valid' });
const listOf = (o: FilterOptions & { limit?: string }) =>
  checkList(Object.fromEntries(Object.entries({ receiver: o.receiver, type: o.type, caseId: o.case, from: o.from, to: o.to, limit: o.limit }).filter(([, v]) => v !== undefined)));

const withFilters = (c: Command) =>
  c
    .option('-r, --receiver <code>', 'deliveries to this member')
    .option('-t, --type <type>', 'this message type')
    .option('-c, --case <caseNo>', 'this case (办件编号)')
    .option('--from <time>', 'dead-lettered at or after (RFC 3339)')
    .option('--to <time>', 'dead-lettered at or before (RFC 3339)');

/** `xgw dead-letters list|replay`: the admin API's dead letters from the command line (recorded as cli/<OS user>). */
export function registerDeadLetters(program: Command): void {
  const dl = program.command('dead-letters').description('deliveries the outbox gave up on: list and replay');
  withFilters(dl.command('list').description('list dead letters, oldest first').option('-n, --limit <n>', 'at most this many', '100')).action((o: FilterOptions & { limit: string }) =>
    withStore(async (store) => {
      const { limit, ...filter } = listOf(o);
      const page = await listDeadLetters(store, filterOf(filter), undefined, limit);
      for (const d of page.items) print(`${d.id}  ${d.from} → ${d.to}  ${d.type}  ${d.caseId ?? '-'}  attempts ${d.attempts}  ${d.deadAt}  ${d.lastError ?? ''}`);
      print(`${page.items.length} dead letter(s)${page.next ? ' (more: narrow the filter or raise --limit)' : ''}`);
    }),
  );
  withFilters(dl.command('replay [id]').description('put one dead letter (by message id) or all matching the filters back in the outbox').option('-n, --limit <n>', 'at most this many', '100')).action(
    (id: string | undefined, o: FilterOptions & { limit: string }) =>
      withStore(async (store, config) => {
        const actor = `cli/${os.userInfo().username}`;
        const alg = config.trust.logHashAlg;
        const ids = id ? [await replayOne(store, alg, id, systemClock.now(), actor)] : await replayMatching(store, alg, filterOf(listOf({ ...o, limit: undefined })), parseLimit(o.limit, 100, 1000), systemClock.now(), actor);
        for (const x of ids) print(`replayed ${x}`);
        print(`${ids.length} dead letter(s) back in the outbox; a running gateway delivers them within delivery.pollIntervalMs`);
      }),
  );
}
