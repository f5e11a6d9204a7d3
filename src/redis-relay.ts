import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { YogaLogger } from 'graphql-yoga';
import type { EventRelay, RelayedEvent } from './events.ts';

/** JSON with dates kept as dates: event payloads are database rows. */
function encode(message: RelayedEvent & { origin: string }): string {
  return JSON.stringify(message, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = this[key];
    return raw instanceof Date ? { $date: raw.getTime() } : value;
  });
}

function decode(text: string): RelayedEvent & { origin: string } {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && '$date' in value && Object.keys(value).length === 1) return new Date((value as { $date: number }).$date);
    return value;
  }) as RelayedEvent & { origin: string };
}

/**
 * Every process of a deployment publishes to its channel and hears it, skipping its own events
 * (it has already acted on them). While Redis is unreachable, ioredis reconnects and holds what is
 * sent.
 */
export async function connectRedisRelay(url: string, installationId: string, logger: YogaLogger): Promise<EventRelay> {
  const channel = `sfbackup:events:${installationId}`;
  const origin = randomUUID();
  const publisher = new Redis(url, { lazyConnect: true });
  const subscriber = new Redis(url, { lazyConnect: true });
  for (const client of [publisher, subscriber]) client.on('error', (error: Error) => logger.warn(`Redis: ${error.message}`));
  await Promise.all([publisher.connect(), subscriber.connect()]);
  await subscriber.subscribe(channel);
  return {
    send(event) {
      publisher.publish(channel, encode({ ...event, origin })).catch((error: Error) => logger.warn(`Redis publish failed: ${error.message}`));
    },
    onReceive(handler) {
      subscriber.on('message', (_channel: string, text: string) => {
        const { origin: from, ...event } = decode(text);
        if (from !== origin) handler(event);
      });
    },
    connected: () => publisher.status === 'ready' && subscriber.status === 'ready',
    async close() {
      await Promise.all([publisher.quit(), subscriber.quit()]);
    },
  };
}
