/** Background jobs, in-process or on BullMQ, chosen by REDIS_URL. */
import type { Logger } from 'pino';
import { BullmqJobQueue, type BullmqOptions } from './bullmq-driver';
import { InProcessJobQueue } from './in-process-driver';
import type { JobQueue } from './job-queue';

export type { JobQueue, JobDefinition, JobRun, EnqueueOptions, JobCounts } from './job-queue';
export { QueueUnavailableError, UnknownJobError } from './job-queue';
export { startRecovery, type Recovery, type RecoveryTask, type RecoveryOptions } from './recovery';
export {
  activeJobRecord,
  claimJobRecord,
  createJobRecord,
  currentOrLastJobRecord,
  finishJobRecord,
  getJobRecord,
  heartbeatJobRecord,
  JOB_STATES,
  jobProgressEvents,
  type JobProgressEvent,
  listJobRecords,
  recoverJobRecords,
  reportJobProgress,
  runRecordedJob,
  THIS_WORKER,
  type JobRecord,
  type JobRecordQuery,
  type JobRecovery,
  type JobState,
} from './job-records';
export { InProcessJobQueue, BullmqJobQueue, type BullmqOptions };

export function createJobQueue(
  redisUrl: string | null,
  logger?: Logger,
  options: Partial<BullmqOptions> = {},
): JobQueue {
  return redisUrl ? new BullmqJobQueue({ ...options, redisUrl, logger }) : new InProcessJobQueue(logger);
}
