import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBSCRIPTIONS } from '../../src/dashboard/operations.ts';
import { startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import { backup, isFinished, restore } from '../helpers/operations.ts';


describe('live job events on a dashboard connection', () => {
  let setup: ConnectedSetup;
  beforeAll(async () => {
    setup = await startConnectedInstance();
  });
  afterAll(() => setup?.close());

  it("ends every job's event stream with its final status while Salesforce is slow", async () => {
    // The dashboard's own subscriptions, all on one graphql-ws connection.
    const socket = setup.admin.ws();
    const streams = Object.values(SUBSCRIPTIONS).map((document) =>
      setup.admin.subscribeWs(socket, document, { organisationId: setup.organisationId }),
    );
    await Promise.all(streams.map((stream) => stream.opening()));
    const jobEvents = streams[Object.keys(SUBSCRIPTIONS).indexOf('jobUpdated')];
    await new Promise((resolve) => setTimeout(resolve, 300));

    // Events then come in bursts between slow Salesforce calls.
    setup.emulator.setLatency(400);
    const backupJob = await backup(setup.admin, setup.instanceId, { objects: ['Account', 'Contact'] });
    const restoreJob = await restore(setup.admin, backupJob.snapshot.id, { objects: ['Account'] });
    setup.emulator.setLatency(0);

    for (const job of [backupJob, restoreJob]) {
      expect(isFinished(job.status), job.status).toBe(true);
      const eventsOf = () => jobEvents.values.filter((event) => event.data?.jobUpdated?.id === job.id);
      await jobEvents.until(() => eventsOf().at(-1)?.data.jobUpdated.status === job.status, `${job.kind} ${job.status} event`);
      expect(eventsOf()[0].data.jobUpdated.status).toBe('QUEUED');
      expect(eventsOf().every((event) => event.data.jobUpdated.instance.id === setup.instanceId)).toBe(true);
    }
    for (const stream of streams) expect(stream.error).toBeUndefined();
    for (const stream of streams) stream.close();
    await socket.dispose();
  });
});
