import { Logger } from '@aws-lambda-powertools/logger';

/** Structured JSON logs of the rule (level from POWERTOOLS_LOG_LEVEL). */
export const SERVICE_NAME = 's3-policy-watch';

export const logger = new Logger({ serviceName: SERVICE_NAME });
