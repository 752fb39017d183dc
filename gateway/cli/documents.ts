import os from 'node:os';
import type { Command } from 'commander';
import { queryCheck } from '../http/validate';
import { listOp } from '../documents/openapi';
import { listDocuments, type DocumentListQuery } from '../documents/lists';
import type { Principal } from '../registry/principal';
import { systemClock } from '../clock';
import { sweepAllOrphanBlobs } from '../documents/orphans';
import { withStore, print } from './context';

/** The command's options: the list query's filters as text, plus the department and output. */
type ListOptions = Omit<DocumentListQuery, 'box' | 'limit'> & { box: string; limit: string; department?: string; json?: boolean };

/** The options as GET /api/v1/documents takes them: the same published checks. */
const checkList = queryCheck<DocumentListQuery>(listOp, { closed: true, detail: 'the document filter is not valid' });

/**
 * `xgw documents list`: the 公文 inbox or outbox from the command line, on the configured
 * database — one department's (`--department`), or every department's as an auditor reads them.
 */
export function registerDocuments(program: Command): void {
  const documents = program.command('documents').description('official documents (公文): inbox and outbox, attachment storage');
  documents
    .command('sweep-attachments')
    .description('remove attachment blobs no document references, older than documents.orphanBlobGraceHours (XGW_ORPHAN_BLOB_GRACE_HOURS; the gateway also does it every hour)')
    .option('--grace-hours <n>', 'this grace period instead of the configured one (whole hours, at least 1)')
    .action((o: { graceHours?: string }) =>
      withStore(async (store, config) => {
        const hours = o.graceHours === undefined ? config.documents.orphanBlobGraceHours : Number(o.graceHours);
        if (!Number.isInteger(hours) || hours < 1) throw new Error('--grace-hours must be a whole number of hours, at least 1');
        const r = await sweepAllOrphanBlobs(store, systemClock, hours);
        print(`${r.removed} unreferenced attachment blob(s) older than ${hours} hour(s) removed (${r.bytes} bytes)`);
        for (const d of r.digests) print(`  sha256 ${d}`);
      }),
    );
  documents
    .command('list')
    .description('list 公文, 特提/特急/加急 first, then newest')
    .option('-b, --box <box>', 'inbox (收文) or outbox (发文)', 'inbox')
    .option('-d, --department <code>', "only this department's (else all departments)")
    .option('-s, --status <status>', 'this status (收文 in the inbox, 发文 in the outbox)')
    .option('-u, --urgency <level>', '紧急程度: 特提, 特急, 加急, 平急')
    .option('-k, --kind <kind>', '文种, e.g. 通知')
    .option('--sender <code>', 'sent by this department')
    .option('--from <date>', 'created (inbox: delivered) on or after YYYY-MM-DD')
    .option('--to <date>', 'created (inbox: delivered) on or before YYYY-MM-DD')
    .option('-q, --q <words>', 'words of the title, 简体 or 繁體')
    .option('-n, --limit <n>', 'at most this many', '50')
    .option('--json', 'one JSON object per line')
    .action((o: ListOptions) =>
      withStore(async (store) => {
        const { department, json, ...rest } = o;
        const query = checkList(Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)));
        const who = `cli/${os.userInfo().username}`;
        const principal: Principal = department
          ? { kind: 'user', member: department, userId: who, login: who, role: 'clerk' }
          : { kind: 'user', member: 'cli', userId: who, login: who, role: 'auditor' };
        const page = await listDocuments(store, principal, query);
        for (const d of page.items) {
          if (json) print(JSON.stringify(d));
          else print([d.urgency ?? '—', d.documentNumber ?? '(未登记)', d.title ?? '(无标题)', `${d.sender}${'recipient' in d ? ` → ${d.recipient}` : ''}`, d.status, d.createdAt].join('  '));
        }
        if (!json) print(`${page.items.length} document(s)${page.next ? ' (more: narrow the filter or raise --limit)' : ''}`);
      }),
    );
}
