import './errors.ts';
import './organisation.ts';
import './instance.ts';
import './token.ts';
import './job.ts';
import './restore-summary.ts';
import './snapshot.ts';
import './api-key.ts';
import './viewer.ts';
import './reauthentication.ts';
import './subscriptions.ts';
import './schedule.ts';
import './compare.ts';
import './data-alert.ts';
import './snapshot-export.ts';
import { recordMutations } from './audit.ts';
import { builder } from './builder.ts';
import { withSynchronousNodeIds } from './node-ref.ts';
import { subscribeWithFieldArguments } from './subscription-arguments.ts';

// Every mutation leaves one audit entry, recorded here rather than in each resolver.
export const schema = withSynchronousNodeIds(subscribeWithFieldArguments(recordMutations(builder.toSchema({ sortSchema: true }))));
