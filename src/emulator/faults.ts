export interface FaultRule {
  method?: string;
  /** A path prefix below the org, e.g. `/services/data/v62.0/query`, or a regular expression when it starts with `^`. */
  path: string;
  count: number;
  /** The failure answered; with `apply` and no status, Salesforce's real answer (held `holdMs`). */
  status?: number;
  body?: unknown;
  /** Only requests to this org's host; both orgs when absent. */
  environment?: string;
  /** The request is carried out first, then the failure is answered: the caller cannot tell it took effect. */
  apply?: boolean;
  /** The connection is dropped without an answer instead of answering `status`. */
  drop?: boolean;
  /** With `apply`: how long the answer is held back after the request was carried out. */
  holdMs?: number;
  /**
   * With `apply` and `drop`: the connection is dropped as soon as the request is read, and the
   * request is carried out this long afterwards, as a Salesforce transaction still committing
   * after its caller lost the socket (Salesforce lets a call run up to 10 minutes).
   */
  commitAfterMs?: number;
  /** With `apply`: the real answer's head and this many bytes of its body are sent, then the connection is dropped. */
  cutAfterBytes?: number;
}

/** "Fail the next N requests matching…": injected failures for tests and demos. */
export class FaultInjector {
  private rules: FaultRule[] = [];
  latencyMs = 0;
  /** Requests whose connection was dropped and that are not carried out yet (`commitAfterMs`). */
  lateCommitsPending = 0;

  add(rule: FaultRule) {
    this.rules.push({ ...rule, method: rule.method?.toUpperCase() });
  }

  /** Fault uses not taken yet. */
  get pending(): number {
    return this.rules.reduce((sum, rule) => sum + rule.count, 0);
  }

  clear() {
    this.rules = [];
    this.latencyMs = 0;
  }

  /** Takes one use of the first rule matching the request, if any. */
  take(method: string, path: string, environment: string): FaultRule | undefined {
    const rule = this.rules.find(
      (r) =>
        (!r.method || r.method === method) &&
        (!r.environment || r.environment === environment) &&
        (r.path.startsWith('^') ? new RegExp(r.path).test(path) : path.startsWith(r.path)),
    );
    if (!rule) return undefined;
    rule.count -= 1;
    if (rule.count <= 0) this.rules = this.rules.filter((r) => r !== rule);
    return rule;
  }
}
