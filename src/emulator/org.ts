import { OrgData, to18, type StoreDump } from './org-data/index.ts';
import { OAuthEndpoints, type ConnectedAppRegistration } from './oauth.ts';
import type { EmulatedUser, TokenStore } from './tokens.ts';

export type EnvironmentName = 'PRODUCTION' | 'SANDBOX';

/** An org as saved between runs: its records and its API usage. */
export interface SavedOrg {
  apiUsed: number;
  dailyApiLimit: number;
  data: StoreDump;
}

export interface OrgDefinition {
  environment: EnvironmentName;
  name: string;
  orgId: string;
  user: Omit<EmulatedUser, 'orgId'>;
  seed: number;
}

/** The two orgs every emulator serves, each on its own loopback port (login and instance host alike). */
export const ORG_DEFINITIONS: OrgDefinition[] = [
  {
    environment: 'PRODUCTION',
    name: 'Acme Production',
    orgId: to18('00D5g00000PRODA'),
    user: { username: 'admin@prod.example.com', password: 'emulator', userId: to18('0055g00000PRODU'), displayName: 'Prod Admin', email: 'admin@prod.example.com' },
    seed: 1,
  },
  {
    environment: 'SANDBOX',
    name: 'Acme Sandbox',
    orgId: to18('00D5g00000SANDB'),
    user: { username: 'admin@sandbox.example.com', password: 'emulator', userId: to18('0055g00000SANDU'), displayName: 'Sandbox Admin', email: 'admin@sandbox.example.com' },
    seed: 2,
  },
];

/** One emulated org: its data, its OAuth endpoints and its daily API usage. */
export class EmulatedOrg {
  readonly data: OrgData;
  readonly oauth: OAuthEndpoints;
  readonly user: EmulatedUser;
  apiUsed = 0;

  constructor(
    readonly definition: OrgDefinition,
    readonly baseUrl: string,
    app: ConnectedAppRegistration,
    tokens: TokenStore,
    records: number,
    public dailyApiLimit: number,
    saved?: SavedOrg,
  ) {
    this.user = { ...definition.user, orgId: definition.orgId };
    this.data = new OrgData({ orgId: definition.orgId, seed: definition.seed, records, saved: saved?.data });
    if (saved) {
      this.apiUsed = saved.apiUsed;
      this.dailyApiLimit = saved.dailyApiLimit;
    }
    this.oauth = new OAuthEndpoints(app, { name: definition.name, loginUrl: this.loginUrl, instanceUrl: this.instanceUrl, user: this.user }, tokens);
  }

  get loginUrl() {
    return this.baseUrl;
  }

  get instanceUrl() {
    return this.baseUrl;
  }

  dump(): SavedOrg {
    return { apiUsed: this.apiUsed, dailyApiLimit: this.dailyApiLimit, data: this.data.dump() };
  }

  limitInfo() {
    return `api-usage=${this.apiUsed}/${this.dailyApiLimit}`;
  }

  limits() {
    const remaining = Math.max(0, this.dailyApiLimit - this.apiUsed);
    return {
      DailyApiRequests: { Max: this.dailyApiLimit, Remaining: remaining },
      DailyBulkV2QueryJobs: { Max: 10000, Remaining: 10000 },
      DailyBulkV2QueryFileStorageMB: { Max: 976562, Remaining: 976562 },
      DataStorageMB: { Max: 1024, Remaining: 1000 },
      FileStorageMB: { Max: 1024, Remaining: 1024 },
    };
  }
}
