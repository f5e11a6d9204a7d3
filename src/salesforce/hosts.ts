/**
 * Where tokens may go. A login URL is `https://`, or `http://` on loopback (a local emulator);
 * an `instance_url` Salesforce returns is trusted on Salesforce's own domains or on the
 * instance's configured login host, and nowhere else: a token is never sent to another host.
 */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const SALESFORCE_DOMAINS = ['salesforce.com', 'force.com', 'cloudforce.com', 'salesforce.mil', 'sfcrmproducts.cn', 'sfcrmapps.cn'];

export class LoginUrlError extends Error {}

export class UntrustedInstanceUrlError extends Error {
  constructor(instanceUrl: string) {
    super(`Salesforce named an instance URL outside Salesforce's domains and the instance's login host: ${instanceUrl}; no token was sent there`);
    this.name = 'UNTRUSTED_INSTANCE_URL';
  }
}

/** The login URL as an origin (`https://acme.my.salesforce.com`), or a LoginUrlError saying what is wrong. */
export function normaliseLoginUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new LoginUrlError('loginUrl must be an absolute URL, such as https://acme.my.salesforce.com');
  }
  if (url.username || url.password) throw new LoginUrlError('loginUrl must not hold credentials');
  if (url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) throw new LoginUrlError('loginUrl must be a host only, without a path, query or fragment');
  if (url.protocol === 'https:') return url.origin;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return url.origin;
  throw new LoginUrlError('loginUrl must use https:// (http:// only on a loopback host)');
}

const onSalesforceDomain = (host: string) => SALESFORCE_DOMAINS.some((domain) => host === domain || host.endsWith(`.${domain}`));

/** The instance URL when it is trusted for this login host; throws UntrustedInstanceUrlError otherwise. */
export function trustedInstanceUrl(instanceUrl: string, loginUrl: string): string {
  let url: URL;
  try {
    url = new URL(instanceUrl);
  } catch {
    throw new UntrustedInstanceUrlError(instanceUrl);
  }
  const sameHostAsLogin = url.origin === new URL(loginUrl).origin;
  const salesforce = url.protocol === 'https:' && onSalesforceDomain(url.hostname);
  if (!sameHostAsLogin && !salesforce) throw new UntrustedInstanceUrlError(instanceUrl);
  return url.origin;
}
