/**
 * Full audit of the exchange log as stored in the database (`xgw verify log`).
 *
 * One pass over log_entries in idx order, in keyset pages read as binary COPY (the next
 * pages are read, and hashed — on a worker thread with `hashThread` — while the current
 * one is folded into the tree: audit-pages.ts, leaf-hashes.ts). For every entry: the index is the next one (dense
 * from 0 — a deleted row is a gap), and the stored text hashes to the stored leaf hash.
 * The recomputed leaf hashes feed a streaming tree (audit-tree.ts); at every checkpoint
 * size its root is compared with the checkpoint's signed root, whose signature is
 * verified with the log certificate. One recomputed tree for all checkpoints also shows
 * every consecutive pair consistent. Optionally each stored log_nodes row is compared
 * with the recomputed node (level 0 = leaf hashes): that pins an entry that was
 * changed together with its leaf hash, or moved, to its exact index.
 *
 * O(n) time; memory O(READ_AHEAD pages + log n), independent of the log size.
 */
import type { Store } from '../store/db';
import { isLogHashAlg, type LogHashAlg } from '../merkle/hash';
import { frontierNodes, rootFromFrontier } from '../merkle/tree';
import { AuditTree, type OnNode } from './audit-tree';
import { fetchNodes, fetchPageNodes, type NodeWindow } from './audit-nodes';
import { readEntryPage, ReadAhead, visitEntries, type EntryVisitor } from './audit-pages';
import { innerLevel, innerNode, LeafHashWorker } from './leaf-hashes';
import { CHECKPOINT_COLUMNS, examineCheckpoint, loadLogCertificates, type CheckpointRow } from './audit-checkpoints';
import { CheckpointChain } from './audit-chain';

export type NodeCheck = 'all' | 'sample' | 'none';

/** Pages read (and hashed) ahead of the one being worked on. */
const READ_AHEAD = 2;

export interface VerifyLogOptions {
  /** Verify checkpoints with this certificate only (default: role 'log' rows of the certificates table). */
  logCertPem?: string;
  /** Start at this checkpoint: its right-edge nodes must fold to its signed root; entries from its size on are checked. */
  fromCheckpoint?: number;
  /** Compare stored tree nodes with recomputed ones: every page, every 10th page, or not at all (default all). */
  nodes?: NodeCheck;
  /** Rows per query (default 10,000). */
  pageSize?: number;
  /**
   * Hash the entry texts, and the tree nodes inside each page, on a worker thread: the next
   * page while this thread works on the current one (default off; `xgw verify log` turns it
   * on where there is a second core). The report is the same either way.
   */
  hashThread?: boolean;
  /** Problems listed in the report (all are counted; default 50). */
  maxProblems?: number;
  onProgress?(done: number, total: number): void;
}

export type CheckName = 'entries' | 'checkpoints' | 'chain' | 'nodes' | 'head';

export interface LogProblem {
  check: CheckName;
  message: string;
  /** The exact entry index, when the problem pins one. */
  index?: number;
  /** Leaves [first, last] the first bad one lies in, when only bounded (checkpoint roots, nodes). */
  range?: [number, number];
  checkpoint?: number;
}

export interface CheckResult {
  name: CheckName;
  checked: number;
  failed: number;
  ok: boolean;
  detail: string;
}

export interface LogAuditReport {
  ok: boolean;
  alg: LogHashAlg;
  /** First entry index checked (0, or the --from-checkpoint size). */
  from: number;
  entries: number;
  /** Tree size the stored rows make (from + entries read). */
  logSize: number;
  integratedSize: number;
  /**
   * The entries after the last checkpoint whose signature verified and whose root matched
   * the recomputed tree: nothing signed vouches for them (normal for the few seconds
   * before the next checkpoint; after a crash, at most trust.checkpointIntervalMs of them).
   */
  unsigned: { entries: number; afterSize: number };
  checks: CheckResult[];
  /** The first problem in log order. */
  firstBad: LogProblem | null;
  problems: LogProblem[];
  problemCount: number;
  /** Checkpoints whose signature verified as legacy SM2 (EMPTY distinguishing ID). */
  legacySm2Checkpoints: number;
  seconds: number;
}

export async function verifyStoredLog(store: Store, opts: VerifyLogOptions = {}): Promise<LogAuditReport> {
  const started = process.hrtime.bigint();
  const PAGE = opts.pageSize ?? 10_000;
  const maxProblems = opts.maxProblems ?? 50;
  const nodeMode = opts.nodes ?? 'all';

  const headRow = (await store.query<{ alg: string; size: number | string; frontier: string[] }>('SELECT alg, size, frontier FROM log_head WHERE id = 1')).rows[0];
  const alg: LogHashAlg = headRow && isLogHashAlg(headRow.alg) ? headRow.alg : 'sha256';
  const integrated = headRow ? Number(headRow.size) : 0;
  const headFrontier = headRow ? headRow.frontier.map((h) => Buffer.from(h, 'hex')) : [];
  const { lookup: certs, source: certSource } = await loadLogCertificates(store, opts.logCertPem);

  const problems: LogProblem[] = [];
  let problemCount = 0;
  let legacySm2Checkpoints = 0;
  const counts: Record<CheckName, { checked: number; failed: number }> = {
    entries: { checked: 0, failed: 0 },
    checkpoints: { checked: 0, failed: 0 },
    chain: { checked: 0, failed: 0 },
    nodes: { checked: 0, failed: 0 },
    head: { checked: 0, failed: 0 },
  };
  const flag = (p: LogProblem, list = true): void => {
    counts[p.check].failed++;
    problemCount++;
    if (list && problems.length < maxProblems) problems.push(p);
  };
  if (headRow && !isLogHashAlg(headRow.alg)) flag({ check: 'head', message: `log_head names an unknown hash algorithm ${headRow.alg}` });

  // --- the starting point: leaf 0, or a signed checkpoint whose right edge comes from log_nodes
  let tree = new AuditTree(alg);
  let lastGood = 0; // size of the last checkpoint whose signed root matched the recomputed tree
  let lastSigned = 0; // … and whose signature verified: the entries after it are the unsigned tail
  const chain = new CheckpointChain(alg, !opts.fromCheckpoint, ({ message, checkpoint }) => flag({ check: 'chain', message, checkpoint }));
  if (opts.fromCheckpoint) {
    const n = opts.fromCheckpoint;
    const row = (await store.query<CheckpointRow>(`SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints WHERE size = $1`, [n])).rows[0];
    if (!row) throw new Error(`there is no checkpoint at size ${n}`);
    const ids = frontierNodes(n);
    const got = await fetchNodes(store, ids.map((x) => x.level), ids.map((x) => x.index), ids.map((x) => x.index));
    const hashes = ids.map((x) => got.get(x.level, x.index));
    counts.checkpoints.checked++;
    const f = examineCheckpoint(row, alg, certs);
    if (f.legacySm2) legacySm2Checkpoints++;
    f.problems.forEach((message) => flag({ check: 'checkpoints', message, checkpoint: n }));
    if (hashes.some((h) => !h)) throw new Error(`log_nodes lacks the right edge of the tree at size ${n}; verify from the start instead`);
    tree = new AuditTree(alg, { size: n, hashes: hashes as Buffer[] });
    chain.add(f);
    if (f.signedRoot && !rootFromFrontier(alg, tree.frontier()).equals(f.signedRoot)) {
      flag({ check: 'nodes', message: `checkpoint at size ${n}: the stored right-edge nodes do not fold to its signed root`, checkpoint: n });
    } else if (f.signatureOk && f.signedRoot) lastSigned = n;
    lastGood = n;
  }
  const from = tree.size;

  // --- one pass over the entries
  const maxIdx = (await store.query<{ m: number | string | null }>('SELECT max(idx) AS m FROM log_entries')).rows[0]?.m;
  const total = Math.max(0, (maxIdx === null || maxIdx === undefined ? -1 : Number(maxIdx)) + 1 - from);
  opts.onProgress?.(0, total);

  const worker = opts.hashThread ? new LeafHashWorker() : undefined;
  const checkNodesOn = (page: number) => nodeMode === 'all' || (nodeMode === 'sample' && page % 10 === 0);
  /**
   * Page `page`: its entries from startIdx on, at tree positions from pos; the stored nodes
   * they complete; the checkpoints they end. The entries are hashed (`hashed`) while the
   * next page is read.
   */
  const fetchPage = async (startIdx: number, pos: number, page: number) => {
    const [entries, nodes, checkpoints] = await Promise.all([
      readEntryPage(store, startIdx, PAGE),
      checkNodesOn(page) && pos < integrated ? fetchPageNodes(store, pos, Math.min(pos + PAGE, integrated)) : Promise.resolve(null),
      store.query<CheckpointRow>(`SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints WHERE size > $1 AND size <= $2 ORDER BY size`, [pos, pos + PAGE]),
    ]);
    const hashed = entries.hash(alg, pos, worker);
    hashed.catch(() => undefined); // rethrown where it is awaited; never awaited when a page before failed
    return { entries, hashed, nodes, checkpoints: checkpoints.rows, pos };
  };

  let expected = from; // next idx expected
  let lastFlaggedLeaf = -1; // node mismatches covering an already reported leaf are counted, not listed
  let stored: NodeWindow | null = null;
  const onNode: OnNode = (level, index, hash) => {
    if (!stored || tree.size >= integrated) return; // only integrated leaves have stored nodes
    counts.nodes.checked++;
    if (stored.matches(level, index, hash)) return;
    const first = index * 2 ** level;
    const last = first + 2 ** level - 1;
    const s = stored.get(level, index);
    const listed = lastFlaggedLeaf < first;
    if (level === 0) {
      const message = s
        ? `entry ${index}: its leaf hash differs from the integrated tree (log_nodes level 0) — the entry was changed or moved after integration`
        : `entry ${index}: its leaf node (0, ${index}) is missing from log_nodes`;
      flag({ check: 'nodes', message, index }, listed);
    } else {
      const message = s ? `log_nodes (${level}, ${index}) (leaves ${first}–${last}) differs from the recomputed tree` : `log_nodes (${level}, ${index}) is missing`;
      flag({ check: 'nodes', message, range: [first, last] }, listed);
    }
    if (listed) lastFlaggedLeaf = level === 0 ? index : last;
  };
  let divergenceListed = -1; // later checkpoints past one divergence differ too: count them, list the first
  const checkCheckpoint = (cp: CheckpointRow, recomputed: Buffer): void => {
    counts.checkpoints.checked++;
    const f = examineCheckpoint(cp, alg, certs);
    if (f.legacySm2) legacySm2Checkpoints++;
    const size = f.size;
    for (const message of f.problems) flag({ check: 'checkpoints', message, checkpoint: size });
    chain.add(f);
    if (!f.signedRoot || f.signedRoot.equals(recomputed)) {
      if (f.signatureOk && f.signedRoot) lastGood = lastSigned = size;
      return;
    }
    if (!f.signatureOk) {
      flag({ check: 'checkpoints', message: `checkpoint at size ${size}: the root in its (unverified) body also differs from the recomputed tree`, checkpoint: size });
      return;
    }
    const bound = lastGood > 0 ? `, after the last matching checkpoint at size ${lastGood}` : '';
    const message = `checkpoint at size ${size}: root differs from the recomputed tree (first divergence: leaf ≤ ${size - 1}${bound})`;
    flag({ check: 'checkpoints', message, checkpoint: size, range: [lastGood, size - 1] }, divergenceListed !== lastGood);
    divergenceListed = lastGood;
  };
  const checkHead = () => {
    counts.head.checked++;
    const f = tree.frontier().hashes;
    if (f.length !== headFrontier.length || f.some((h, i) => !h.equals(headFrontier[i]!))) {
      // listed only when nothing before explains it (a changed leaf below it changes the frontier too)
      flag({ check: 'head', message: `log_head's frontier at size ${integrated} differs from the recomputed tree` }, lastFlaggedLeaf < 0 && divergenceListed < 0);
    }
  };
  if (headRow && integrated === from) checkHead();

  let known: ((level: number, index: number) => Buffer | undefined) | undefined; // the current page's inner nodes
  let c = 0; // next checkpoint of the current page
  let cps: CheckpointRow[] = [];
  const visit: EntryVisitor = (idx, leaf, storedMatches) => {
    if (idx !== expected) {
      const missing = idx - expected === 1 ? `entry ${expected} is missing` : `entries ${expected}–${idx - 1} are missing`;
      flag({ check: 'entries', message: `${missing} (next index is ${idx})`, index: expected });
      lastFlaggedLeaf = Infinity; // every later stored node is shifted: count, do not list
    }
    expected = idx + 1;
    counts.entries.checked++;
    if (!storedMatches) {
      flag({ check: 'entries', message: `entry ${idx}: stored text does not hash to its leaf hash`, index: idx });
      lastFlaggedLeaf = Math.max(lastFlaggedLeaf, tree.size);
    }
    tree.push(leaf, onNode, known);
    if (tree.size === integrated) checkHead();
    while (c < cps.length && Number(cps[c]!.size) <= tree.size) {
      const cp = cps[c++]!;
      if (Number(cp.size) === tree.size) checkCheckpoint(cp, tree.root());
    }
  };

  // Pages are read ahead (up to READ_AHEAD of them, each requested once the one before has
  // arrived, as the next page starts after its last idx) while this thread works.
  const ahead = new ReadAhead(READ_AHEAD, (page, prev: Awaited<ReturnType<typeof fetchPage>> | undefined) =>
    !prev ? fetchPage(from, from, 0) : prev.entries.count < PAGE ? null : fetchPage(prev.entries.lastIdx + 1, prev.pos + prev.entries.count, page),
  );
  try {
    for (;;) {
      const page = await ahead.take();
      if (!page) break;
      stored = page.nodes;
      const entries = await page.hashed;
      known = (level, index) => innerNode(entries, level, index);
      if (stored) {
        // The page's leaves and inner nodes are what the tree will report: compared with the stored ones level by level.
        stored.confirm(0, entries.pos, entries.leaves);
        for (let l = 1, run = innerLevel(entries, 1); run; run = innerLevel(entries, ++l)) stored.confirm(l, run.first, run.hashes);
      }
      cps = page.checkpoints;
      c = 0;
      await visitEntries(entries, visit);
      opts.onProgress?.(tree.size - from, Math.max(total, tree.size - from));
    }
  } finally {
    ahead.stop();
    await worker?.close();
  }
  stored = null;
  await chain.proveConsistency(store, integrated);
  counts.chain.checked = chain.checked;

  // --- what the stored rows cannot reach: checkpoints or an integrated size beyond the end
  const beyond = (await store.query<{ n: number | string; first: number | string | null }>('SELECT count(*) AS n, min(size) AS first FROM checkpoints WHERE size > $1', [tree.size])).rows[0]!;
  const beyondCount = Number(beyond.n);
  const aligned = expected === tree.size; // no gap: stored indices and tree positions agree
  if (beyondCount > 0) {
    const first = Number(beyond.first);
    counts.checkpoints.checked += beyondCount;
    counts.checkpoints.failed += aligned ? beyondCount : beyondCount - 1; // flag() counts the one it files under checkpoints
    const cover = `${beyondCount} checkpoint(s) from size ${first} cover more`;
    const range = first - 1 === tree.size ? `entry ${tree.size} is missing` : `entries ${tree.size}–${first - 1} are missing`;
    flag(
      aligned
        ? { check: 'entries', message: `${range}: the log ends at ${tree.size} entries but ${cover}`, index: tree.size }
        : { check: 'checkpoints', message: `only ${tree.size} entries are stored but ${cover}`, checkpoint: first },
      aligned || problems.length === 0,
    );
  }
  if (!headRow && (tree.size > 0 || beyondCount > 0)) flag({ check: 'head', message: 'log_head is missing, yet the log has entries or checkpoints' });
  if (integrated > tree.size) {
    counts.head.checked++;
    const message = `log_head says ${integrated} entries are integrated but only ${tree.size} are stored`;
    flag(aligned ? { check: 'head', message, index: tree.size } : { check: 'head', message });
  }

  const detail: Record<CheckName, string> = {
    entries: `indices dense from ${from}, every stored text hashes to its leaf hash`,
    checkpoints: `signed with ${certSource}; each signed root equals the recomputed tree`,
    chain: 'numbered from #1 without gaps, each naming the size of the one before; consecutive ones consistent (RFC 9162 proof from log_nodes)',
    nodes: nodeMode === 'none' ? 'not checked (--nodes none)' : `stored tree nodes equal the recomputed ones (${nodeMode === 'all' ? 'every node' : 'every 10th page'})`,
    head: `log_head's frontier at the integrated size ${integrated} equals the recomputed tree`,
  };
  const checks = (Object.keys(counts) as CheckName[]).map((name) => ({ name, ...counts[name], ok: counts[name].failed === 0, detail: detail[name] }));
  return {
    ok: problemCount === 0,
    alg,
    from,
    entries: counts.entries.checked,
    logSize: tree.size,
    integratedSize: integrated,
    unsigned: { entries: tree.size - lastSigned, afterSize: lastSigned },
    checks,
    firstBad: problems[0] ?? null,
    problems,
    problemCount,
    legacySm2Checkpoints,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}
