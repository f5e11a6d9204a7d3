import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passesThreshold } from '../../src/services/data-alerts.ts';
import { startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import type { GraphQLClient } from '../helpers/graphql-client.ts';
import { runJob, START_BACKUP, waitForJob } from '../helpers/operations.ts';

const OBJECTS = ['Account', 'Contact'];
const DATA_ALERT = `subscription { dataAlert { id acknowledgedAt instance { id } objects { object previousCount created updated deleted percent } } }`;
const ALERTS = `query ($id: ID!) {
  instance(id: $id) {
    ... on Instance {
      dataAlertThreshold { percent minRecords }
      dataAlerts(first: 10) { edges { node { id acknowledgedAt acknowledgedBy snapshot { id } previousSnapshot { id } objects { object deleted updated } } } }
      unacknowledged: dataAlerts(unacknowledged: true) { edges { node { id } } }
    }
  }
}`;
const ALERT_COMPARISON = `query ($id: ID!) {
  node(id: $id) { ... on DataAlert { comparison { from { id } to { id } objects { object created updated deleted } } } }
}`;
const ACKNOWLEDGE = `mutation ($id: ID!) { acknowledgeDataAlert(id: $id) { __typename ... on DataAlert { acknowledgedAt acknowledgedBy } ... on Error { message } } }`;
const RESTORE = `mutation ($id: ID!, $dryRun: Boolean) {
  restoreDataAlert(id: $id, dryRun: $dryRun) { __typename ... on Job { id } ... on Error { message } }
}`;
const SET_THRESHOLD = `mutation ($instanceId: ID!, $percent: Float!, $minRecords: Int!) {
  setDataAlertThreshold(instanceId: $instanceId, percent: $percent, minRecords: $minRecords) {
    __typename ... on Instance { dataAlertThreshold { percent minRecords } } ... on InvalidInput { message field }
  }
}`;

async function backup(client: GraphQLClient, instanceId: string): Promise<string> {
  const job = await runJob(client, START_BACKUP, { instanceId, objects: OBJECTS });
  expect(job.status, job.error).toBe('SUCCEEDED');
  return job.snapshot.id;
}

describe('the threshold', () => {
  it('needs both the share and the number of records, counting deletions and updates together', () => {
    const threshold = { percent: 10, minRecords: 100 };
    expect(passesThreshold({ object: 'Contact', previousCount: 1000, created: 0, updated: 0, deleted: 100 }, threshold)).toBe(true);
    expect(passesThreshold({ object: 'Contact', previousCount: 1000, created: 0, updated: 50, deleted: 49 }, threshold)).toBe(false);
    expect(passesThreshold({ object: 'Contact', previousCount: 1001, created: 0, updated: 50, deleted: 50 }, threshold)).toBe(false);
    expect(passesThreshold({ object: 'Contact', previousCount: 200, created: 500, updated: 0, deleted: 99 }, threshold)).toBe(false);
    expect(passesThreshold({ object: 'Contact', previousCount: 0, created: 500, updated: 0, deleted: 0 }, threshold)).toBe(false);
  });
});

describe('mass-change alerts', () => {
  let setup: ConnectedSetup;
  beforeAll(async () => {
    setup = await startConnectedInstance({ emulator: { records: 300 }, env: { TOKEN_LIMIT: '20' } });
  });
  afterAll(() => setup.close());

  it('raises exactly one alert, pushed live, when 40 % of the Contacts are deleted, and restores exactly those records', async () => {
    const { admin, instanceId, emulator } = setup;
    const data = emulator.data.PRODUCTION;
    const first = await backup(admin, instanceId);
    const socket = admin.ws();
    try {
      const events = admin.subscribeWs(socket, DATA_ALERT);
      await events.opening();
      const contacts = data.ids('Contact');
      expect(contacts).toHaveLength(300);
      const deleted = contacts.filter((_, i) => i % 5 < 2); // 40 %
      for (const id of deleted) data.delete(id);
      for (const id of data.ids('Account').slice(0, 5)) data.update(id, { Name: 'A few changes stay under the threshold' });
      const second = await backup(admin, instanceId);

      await events.until(() => events.values.length > 0, 'the dataAlert event');
      const pushed = events.values[0].data!.dataAlert;
      expect(pushed.instance.id).toBe(instanceId);
      expect(pushed.acknowledgedAt).toBeNull();
      expect(pushed.objects).toEqual([{ object: 'Contact', previousCount: 300, created: 0, updated: 0, deleted: 120, percent: 40 }]);

      const listed = (await admin.query(ALERTS, { id: instanceId })).instance;
      expect(listed.dataAlertThreshold).toEqual({ percent: 10, minRecords: 100 });
      expect(listed.dataAlerts.edges).toHaveLength(1);
      const alert = listed.dataAlerts.edges[0].node;
      expect(alert).toMatchObject({ id: pushed.id, snapshot: { id: second }, previousSnapshot: { id: first } });
      const audit = await admin.query(`{ auditLog(filter: { action: "dataAlert" }) { nodes { actorKind targetId outcome detail } } }`);
      expect(audit.auditLog.nodes).toEqual([{ actorKind: 'SYSTEM', targetId: second, outcome: 'SUCCEEDED', detail: 'Raised for Contact' }]);
      const comparison = (await admin.query(ALERT_COMPARISON, { id: alert.id })).node.comparison;
      expect(comparison).toMatchObject({ from: { id: first }, to: { id: second } });
      expect(comparison.objects).toContainEqual({ object: 'Contact', created: 0, updated: 0, deleted: 120 });

      // An object the alert does not hold is refused as startRestore refuses one the snapshot does not hold.
      const refused = (
        await admin.query(`mutation ($id: ID!) { restoreDataAlert(id: $id, objects: ["Account", "Nope__c"]) { __typename ... on InvalidInput { message field values } } }`, { id: alert.id })
      ).restoreDataAlert;
      expect(refused).toEqual({ __typename: 'InvalidInput', message: 'Objects not in the alert: Account, Nope__c', field: 'objects', values: ['Account', 'Nope__c'] });

      // A dry run of the alert's restore reads exactly the deleted Contacts, then the restore brings them back.
      const dryRun = (await admin.query(RESTORE, { id: alert.id, dryRun: true })).restoreDataAlert;
      expect(dryRun.__typename, dryRun.message).toBe('Job');
      const summary = (await waitForJob(admin, dryRun.id)).restoreSummary;
      expect(summary.objects).toEqual([expect.objectContaining({ object: 'Contact', undeleted: 120, created: 0, updated: 0 })]);
      const restore = (await admin.query(RESTORE, { id: alert.id })).restoreDataAlert;
      expect((await waitForJob(admin, restore.id)).status).toBe('SUCCEEDED');
      expect(data.ids('Contact').sort()).toEqual([...contacts].sort());

      // Acknowledged once, by the key's name; the change is pushed too.
      const acknowledged = (await admin.query(ACKNOWLEDGE, { id: alert.id })).acknowledgeDataAlert;
      expect(acknowledged.acknowledgedBy).toBe('test');
      await events.until(() => events.values.length > 1, 'the acknowledgement event');
      expect(events.values[1].data!.dataAlert.acknowledgedAt).toBe(acknowledged.acknowledgedAt);
      expect((await admin.query(ALERTS, { id: instanceId })).instance.unacknowledged.edges).toHaveLength(0);

      // The restore undid the deletions: the next backup sees 120 Contacts come back, under the
      // threshold's share as a creation (alerts are about deletions and changes): no second alert.
      await backup(admin, instanceId);
      expect((await admin.query(ALERTS, { id: instanceId })).instance.dataAlerts.edges).toHaveLength(1);
      expect(events.values).toHaveLength(2);
    } finally {
      await socket.dispose();
    }
  });

  it('takes a threshold per instance, refusing values out of range', async () => {
    const { admin, instanceId } = setup;
    const set = async (percent: number, minRecords: number) =>
      (await admin.query(SET_THRESHOLD, { instanceId, percent, minRecords })).setDataAlertThreshold;
    expect(await set(0, 10)).toMatchObject({ __typename: 'InvalidInput', field: 'percent' });
    expect(await set(5, -1)).toMatchObject({ __typename: 'InvalidInput', field: 'minRecords' });
    expect(await set(2.5, 5)).toEqual({ __typename: 'Instance', dataAlertThreshold: { percent: 2.5, minRecords: 5 } });
    // Eight updated Accounts of 300 pass 2.5 % and 5 records.
    for (const id of setup.emulator.data.PRODUCTION.ids('Account').slice(10, 18)) setup.emulator.data.PRODUCTION.update(id, { Name: 'Renamed' });
    await backup(admin, instanceId);
    const alerts = (await admin.query(ALERTS, { id: instanceId })).instance.dataAlerts.edges;
    expect(alerts).toHaveLength(2);
    expect(alerts[0].node.objects).toEqual([{ object: 'Account', deleted: 0, updated: 8 }]);
  });
});

describe('an alert and its backup', () => {
  it('is there once the backup is reported SUCCEEDED, however slowly the database takes it', async () => {
    const setup = await startConnectedInstance({ emulator: { records: 300 }, env: { TOKEN_LIMIT: '20' } });
    try {
      const { admin, instanceId, emulator } = setup;
      await backup(admin, instanceId);
      // A database slow to take the alert: the job must not be reported done before it has.
      const alerts = setup.server.app.store.dataAlerts;
      const raise = alerts.raise.bind(alerts);
      alerts.raise = async (alert) => {
        await new Promise((resolve) => setTimeout(resolve, 500));
        return raise(alert);
      };
      for (const id of emulator.data.PRODUCTION.ids('Contact').slice(0, 120)) emulator.data.PRODUCTION.delete(id);
      const second = await backup(admin, instanceId);
      const listed = (await admin.query(ALERTS, { id: instanceId })).instance.dataAlerts.edges;
      expect(listed).toHaveLength(1);
      expect(listed[0].node.snapshot).toEqual({ id: second });
    } finally {
      await setup.close();
    }
  });
});
