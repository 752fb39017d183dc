import { standaloneElement } from '../../gateway/inbound/soap';

const NS = 'http://amr.jiangzhou.gov.cn/ws/case/v1';

test('the request element gets the namespace declarations it uses from the envelope, and only those', () => {
  const element = '<amr:ReportStatusRequest><amr:SLBH>JZ-1</amr:SLBH></amr:ReportStatusRequest>';
  const envelope = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:amr="${NS}" xmlns:x="urn:unused"><soap:Body>${element}</soap:Body></soap:Envelope>`;
  expect(standaloneElement(element, envelope)).toBe(`<amr:ReportStatusRequest xmlns:amr="${NS}"><amr:SLBH>JZ-1</amr:SLBH></amr:ReportStatusRequest>`);
});

test('an element that declares its own namespace is kept byte for byte', () => {
  const element = `<amr:ReportStatusRequest xmlns:amr="${NS}"><amr:SLBH>JZ-1</amr:SLBH></amr:ReportStatusRequest>`;
  const envelope = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:amr="urn:other"><soap:Body>${element}</soap:Body></soap:Envelope>`;
  expect(standaloneElement(element, envelope)).toBe(element);
});

test('a default namespace declared on Body is carried over to unprefixed elements', () => {
  const element = '<ReportStatusRequest><SLBH>JZ-1</SLBH></ReportStatusRequest>';
  const envelope = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body xmlns='${NS}'>${element}</s:Body></s:Envelope>`;
  expect(standaloneElement(element, envelope)).toBe(`<ReportStatusRequest xmlns='${NS}'><SLBH>JZ-1</SLBH></ReportStatusRequest>`);
});
