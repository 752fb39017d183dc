import fs from 'node:fs';
import { startTestGateway } from '../support/gateway';
import { demoCase, loginAs } from './scenario';
import { verifyBundle } from '../../gateway/audit/verify-bundle';
import { formatReport } from '../../gateway/audit/report';
test('print', async () => {
  const t = await startTestGateway();
  const c = await demoCase(t, 'FZ-1');
  const b = (await t.call('GET', `/api/v1/audit/evidence?caseId=FZ-1`, { token: await loginAs(t, 'auditor') })).body;
  fs.writeFileSync('/tmp/bundle.json', JSON.stringify(b, null, 2));
  fs.writeFileSync('/tmp/root.pem', t.gw.deps.trust.pki.rootCertPem);
  const x = JSON.parse(JSON.stringify(b)); x.entries.splice(0, 1);
  fs.writeFileSync('/tmp/report.txt', formatReport(verifyBundle(b)) + '\n\n' + formatReport(verifyBundle(x, { rootPems: [t.gw.deps.trust.pki.rootCertPem] })));
  await t.close();
});
