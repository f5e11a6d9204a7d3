/**
 * The Partner SOAP API (`/services/Soap/u/NN.N`), for the calls REST lacks: `undelete`. jsforce's
 * `connection.soap` sends an envelope with the session in `SessionHeader`; answers are SOAP XML.
 */
import type { EmulatedOrg } from './org.ts';
import type { TokenStore } from './tokens.ts';
import type { EmulatorResponse } from './types.ts';

const XML = 'text/xml; charset=utf-8';
const ENVELOPE_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com"><soapenv:Body>';
const ENVELOPE_CLOSE = '</soapenv:Body></soapenv:Envelope>';

const escapeXml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

/** A SOAP fault; jsforce reads `faultcode` and `faultstring` (and refreshes on INVALID_SESSION_ID). */
export function soapFault(code: string, message: string): EmulatorResponse {
  return {
    status: 500,
    headers: { 'Content-Type': XML },
    body: `${ENVELOPE_OPEN}<soapenv:Fault><faultcode>sf:${code}</faultcode><faultstring>${escapeXml(message)}</faultstring></soapenv:Fault>${ENVELOPE_CLOSE}`,
  };
}

const valuesOf = (xml: string, element: string) =>
  [...xml.matchAll(new RegExp(`<(?:\\w+:)?${element}>([^<]*)</(?:\\w+:)?${element}>`, 'g'))].map((m) => m[1].trim());

function resultsXml(method: string, results: { id: string | null; success: boolean; errors: { statusCode: string; message: string }[] }[]) {
  const items = results.map((result) => {
    const errors = result.errors
      .map((e) => `<errors><message>${escapeXml(e.message)}</message><statusCode>${e.statusCode}</statusCode></errors>`)
      .join('');
    const id = result.id ? `<id>${result.id}</id>` : '<id xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>';
    return `<result>${errors}${id}<success>${result.success}</success></result>`;
  });
  return `${ENVELOPE_OPEN}<${method}Response>${items.join('')}</${method}Response>${ENVELOPE_CLOSE}`;
}

/** Answers one SOAP call; the API usage was counted by the caller. */
export function handleSoap(org: EmulatedOrg, tokens: TokenStore, envelope: string): EmulatorResponse {
  const session = tokens.session(valuesOf(envelope, 'sessionId')[0]);
  if (!session || session.user !== org.user) return soapFault('INVALID_SESSION_ID', 'Invalid Session ID found in SessionHeader: Illegal Session');
  const method = /<(?:\w+:)?Body[^>]*>\s*<(?:\w+:)?(\w+)/.exec(envelope)?.[1];
  switch (method) {
    case 'undelete': {
      const ids = valuesOf(envelope, 'ids');
      if (ids.length > 200) return soapFault('EXCEEDED_ID_LIMIT', 'record limit reached. cannot submit more than 200 records into this call');
      return { status: 200, headers: { 'Content-Type': XML }, body: resultsXml('undelete', org.data.undelete(ids)) };
    }
    default:
      return soapFault('INVALID_OPERATION', `No operation available for request ${method ?? '(none)'}`);
  }
}
