import type { Command } from 'commander';
import type { ReceiverDelivery } from '../registry/admin-delivery';
import type { MemberDelivery } from '../delivery/status';
import { adminClient } from './admin-client';
import { print } from './context';

const stateLine = (d: ReceiverDelivery) => (d.paused ? `paused since ${d.pausedAt} by ${d.pausedBy}` : 'running');

/**
 * `xgw delivery status|pause|resume`: a receiver's push deliveries through the running
 * gateway's admin API (pausing and resuming are registry changes: every process at once).
 */
export function registerDelivery(program: Command): void {
  const delivery = program.command('delivery').description("the outbox per receiver: its backlog, and pausing or resuming its push deliveries (through the running gateway)");
  delivery
    .command('status [receiver]')
    .description('backlog, oldest pending, dead letters, last success and last error per member (or of one), and whether its deliveries are paused')
    .action(async (receiver: string | undefined) => {
      const admin = await adminClient();
      const query = receiver ? `?member=${encodeURIComponent(receiver)}` : '?limit=500';
      const page = await admin.call<{ items: MemberDelivery[] }>('GET', `/admin/delivery${query}`);
      for (const m of page.items) {
        const state = await admin.call<ReceiverDelivery>('GET', `/admin/members/${encodeURIComponent(m.member)}/delivery`);
        const error = m.lastError ? `  last error ${m.lastError.at}: ${m.lastError.error}` : '';
        print(`${m.member.padEnd(12)} ${m.deliveryMode.padEnd(4)}  backlog ${m.backlog}${m.oldestPendingAt ? ` (oldest ${m.oldestPendingAt})` : ''}  dead ${m.deadLetters}  ${stateLine(state)}${error}`);
      }
      if (receiver && !page.items.length) print(`no active member ${receiver}`);
    });
  delivery
    .command('pause <receiver>')
    .description("pause a member's push deliveries: no gateway process starts an attempt for it until resumed (its messages wait, attempts untouched)")
    .action(async (receiver: string) => {
      const d = await (await adminClient()).call<ReceiverDelivery>('POST', `/admin/members/${encodeURIComponent(receiver)}/delivery/pause`);
      print(`delivery to ${d.member}: ${stateLine(d)}; its messages wait until xgw delivery resume ${d.member}`);
    });
  delivery
    .command('resume <receiver>')
    .description("resume a member's push deliveries: what waited is delivered at once")
    .action(async (receiver: string) => {
      const d = await (await adminClient()).call<ReceiverDelivery>('POST', `/admin/members/${encodeURIComponent(receiver)}/delivery/resume`);
      print(`delivery to ${d.member}: ${stateLine(d)}`);
    });
}
