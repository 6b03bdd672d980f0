// Only imports: each file adds its types and root fields to the builder.
import { builder } from './builder';
import './scalars';
import './enums';
import './test-results';
import './worker-health-check';
import './health-check';
import './analysis';
import './worker-trends';
import './worker';
import './schedule';
import './api-key';
import './health-check-mutations';
import './report-worker-result';
import './subscriptions';
import './alert-enums';
import './alert-channel';
import './alert-rule';
import './alert-maintenance-window';
import './alert';
import './me';

export const schema = builder.toSchema({ sortSchema: true });
